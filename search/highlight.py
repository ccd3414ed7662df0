"""Highlighted snippets: escaped text with the matched terms in <mark>.

The formatter escapes every piece of stored text it emits and wraps matches
in <mark>; the result still goes through the sanitiser's allow-list. A hit
that matched only in its title gets the opening of its body instead.
"""
from __future__ import annotations

import html
import re

from whoosh import highlight

from index import schema
from search.sanitize import clean_highlight

SNIPPET_CHARS = 200
_SPACE_RUNS = re.compile(r"\s+")
SNIPPET_FRAGMENTS = 2


class MarkFormatter(highlight.Formatter):
    """Escapes text and marks matches; keeps no state between hits."""

    between = " \u2026 "

    def _text(self, text: str) -> str:
        return html.escape(text, quote=False)

    def format_token(self, text, token, replace=False) -> str:
        return f"<mark>{self._text(highlight.get_text(text, token, replace))}</mark>"


class SnippetFormatter(MarkFormatter):
    """For snippets: line and paragraph breaks become single spaces, as they read in a list."""

    def _text(self, text: str) -> str:
        return html.escape(_SPACE_RUNS.sub(" ", text), quote=False)


def lede(body: str, limit: int = SNIPPET_CHARS) -> str:
    """The opening of a body, cut at a word boundary, escaped."""
    text = " ".join(body.split())
    if len(text) > limit:
        cut = text.rfind(" ", 0, limit)
        text = text[:cut if cut > 0 else limit] + " \u2026"
    return html.escape(text, quote=False)


class Highlighters:
    """The highlighters for one search: created per search, as Whoosh's may hold state."""

    def __init__(self) -> None:
        formatter = SnippetFormatter()
        self.body = highlight.Highlighter(
            fragmenter=highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=60),
            formatter=formatter)
        self.title = highlight.Highlighter(fragmenter=highlight.WholeFragmenter(),
                                           formatter=formatter)

    def snippet(self, hit, article) -> str:
        field = schema.BODY_FIELDS[schema.language_of(article.language)]
        marked = self.body.highlight_hit(hit, field, text=article.body, top=SNIPPET_FRAGMENTS)
        return clean_highlight(marked) if marked else lede(article.body)

    def title_html(self, hit, article) -> str:
        field = schema.TITLE_FIELDS[schema.language_of(article.language)]
        marked = self.title.highlight_hit(hit, field, text=article.title, top=1)
        return clean_highlight(marked) if marked else html.escape(article.title, quote=False)


MAX_HIGHLIGHT_CHARS = 200_000  # past this, an article page shows the rest unmarked


def mark_words(text: str, words: frozenset[str], analyzer) -> str:
    """The whole text, escaped, with every token in `words` (analysed form) marked.

    Used for the article page, where the reader wants every occurrence; the cost
    is bounded by marking only the first MAX_HIGHLIGHT_CHARS characters.
    """
    head, tail = text[:MAX_HIGHLIGHT_CHARS], text[MAX_HIGHLIGHT_CHARS:]
    marked = ""
    if words and head:
        marked = highlight.highlight(head, words, analyzer,
                                     highlight.WholeFragmenter(charlimit=None),
                                     MarkFormatter(), top=1)
    if not marked:
        marked = html.escape(head, quote=False)
    return clean_highlight(marked + html.escape(tail, quote=False))
