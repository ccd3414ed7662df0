"""Highlighted snippets, titles and article pages: escaped text with matches in <mark>.

Fragments: the best one to three, chosen greedily (first the stretch with the
most distinct matched terms, then stretches that add terms not yet shown),
shown in document order, joined with " … ", with "… " or " …" where text was
left out; SNIPPET_CHARS is shared among them. Each starts at a word boundary
(at a sentence start when one is in reach), ends at one, and collapses spaces.
A hit without a match in its body text (metadata, `*`, a title-only match)
gets the opening of its body.

Finding the matches themselves is search/marks.py's job. Every string emitted
is escaped here and passes search/sanitize.py at the end.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left

from index import schema
from search.marks import (LONG_WORD, Mark, QueryParts, Wanted, cut_at_space, find_marks,
                          marks_in, merge, query_parts, tokens_of, wanted)
from search.sanitize import clean_highlight

SNIPPET_CHARS = 240  # the text of all fragments of one snippet together, roughly
MAX_FRAGMENTS = 3
CORE_CHARS = SNIPPET_CHARS // MAX_FRAGMENTS  # matches this close count as one stretch
MERGE_GAP = 30  # fragments closer than this are shown as one
TITLE_CHARS = 2_000
MAX_HIGHLIGHT_CHARS = 200_000  # past this, an article page shows the rest unmarked
ELLIPSIS = "\u2026"
_SPACE_RUNS = re.compile(r"\s+")
_NON_SPACE = re.compile(r"\S")
_SENTENCE_BREAK = re.compile(r"(?<=[^\W_])[.!?][\"'\u201d\u2019)\]]*\s+|\n\s*\n\s*")


# Fragments --------------------------------------------------------------------

def _cores(marks: list[Mark]) -> list[tuple[int, int]]:
    """Up to MAX_FRAGMENTS stretches of at most CORE_CHARS, best first, adding new terms."""
    candidates = []
    for i, first in enumerate(marks):
        keys, end, count = set(first.keys), first.end, 1
        for mark in marks[i + 1:]:
            if mark.end - first.start > CORE_CHARS:
                break
            keys |= mark.keys
            end, count = mark.end, count + 1
        candidates.append((first.start, end, frozenset(keys), count))
    picked: list[tuple[int, int]] = []
    shown: set = set()
    while candidates and len(picked) < MAX_FRAGMENTS:
        best = max(candidates, key=lambda c: (len(c[2] - shown), len(c[2]), c[3], -c[0]))
        if picked and not best[2] - shown:
            break
        picked.append(best[:2])
        shown |= best[2]
        candidates = [c for c in candidates if c[1] <= best[0] or c[0] >= best[1]]
    return picked


def _word_bounds(text: str, start: int, end: int, core: tuple[int, int]) -> tuple[int, int]:
    """[start, end) shrunk to whole words without cutting into the core."""
    core_start, core_end = core
    start, end = max(0, start), min(len(text), end)
    if start > 0 and not text[start - 1].isspace():
        while start < core_start and not text[start].isspace():
            start += 1
    while start < core_start and text[start].isspace():
        start += 1
    if start == core_start:  # the core's own word may begin earlier: "(cocoa"
        floor = max(0, core_start - LONG_WORD)
        while start > floor and not text[start - 1].isspace():
            start -= 1
    if end < len(text) and not text[end].isspace():
        while end > core_end and not text[end - 1].isspace():
            end -= 1
    while end > core_end and text[end - 1].isspace():
        end -= 1
    if end == core_end:
        ceiling = min(len(text), core_end + LONG_WORD)
        while end < ceiling and not text[end].isspace():
            end += 1
    return start, end


def _sentence_start(text: str, start: int, end: int) -> int:
    """Where the last sentence or paragraph beginning in text[start:end] is, or -1."""
    found = -1
    for brk in _SENTENCE_BREAK.finditer(text, start, end):
        after = brk.end()
        if after >= end:
            continue
        if brk.group().startswith("\n"):
            found = after
        elif not text[brk.start() - 1].isupper() and (  # "U.S. Treasury" goes on
                text[after].isupper() or text[after].isdigit() or text[after] in "\"'\u201c("):
            found = after
    return found


def _windows(text: str, cores: list[tuple[int, int]], marks: list[Mark]) -> list[list[int]]:
    """Each core widened to its share of SNIPPET_CHARS (a third before, the rest after)."""
    width = SNIPPET_CHARS // max(len(cores), 1)
    first, last = _text_bounds(text)
    windows = []
    for core_start, core_end in sorted(cores):
        extra = max(0, width - (core_end - core_start))
        after = min(extra - extra // 3, len(text) - core_end)
        before = min(extra - after, core_start)
        after = min(extra - before, len(text) - core_end)
        start, end = _word_bounds(text, core_start - before, core_end + after,
                                  (core_start, core_end))
        sentence = _sentence_start(text, start, core_start)
        if sentence > start:  # begin where a sentence does, and show more after instead
            start, end = _word_bounds(text, sentence, end + sentence - start,
                                      (core_start, core_end))
        for mark in marks:  # a mark cut by the window edge is shown whole
            if mark.start < start < mark.end:
                start = mark.start
            if mark.start < end < mark.end:
                end = mark.end
        # A few words from either end of the text: show them rather than an ellipsis.
        start = first if start - first <= MERGE_GAP else start
        end = last if last - end <= MERGE_GAP else end
        if windows and start <= windows[-1][1] + MERGE_GAP:
            windows[-1] = [min(windows[-1][0], start), max(windows[-1][1], end)]
        else:
            windows.append([start, end])
    return windows


def _render(text: str, start: int, end: int, marks: list[Mark], collapse: bool) -> str:
    """text[start:end] escaped, the marks inside it wrapped in <mark>."""
    def plain(piece: str) -> str:
        return html.escape(_SPACE_RUNS.sub(" ", piece) if collapse else piece, quote=False)

    out, at = [], start
    first = bisect_left([m.end for m in marks], start + 1)
    for mark in marks[first:]:
        if mark.start >= end:
            break
        out.append(plain(text[at:mark.start]))
        out.append(f"<mark>{plain(text[mark.start:mark.end])}</mark>")
        at = mark.end
    out.append(plain(text[at:end]))
    return "".join(out)


def _text_bounds(text: str) -> tuple[int, int]:
    """Where the non-space text begins and ends, without copying a long text."""
    found = _NON_SPACE.search(text)
    first = found.start() if found else len(text)
    last = len(text)
    while last > first and text[last - 1].isspace():
        last -= 1
    return first, last


def snippet_html(text: str, marks: list[Mark]) -> str:
    """The best fragments of `text` around `marks`, escaped and marked (not yet sanitised)."""
    windows = _windows(text, _cores(marks), marks)
    first, last = _text_bounds(text)
    pieces = [_render(text, start, end, marks, collapse=True) for start, end in windows]
    lead = f"{ELLIPSIS} " if windows[0][0] > first else ""
    trail = f" {ELLIPSIS}" if windows[-1][1] < last else ""
    return lead + f" {ELLIPSIS} ".join(pieces) + trail


def lede(body: str, limit: int = SNIPPET_CHARS) -> str:
    """The opening of a body, cut at a word boundary, escaped."""
    head = body[:limit * 4]  # enough for `limit` characters once spaces are collapsed
    more = len(head) < len(body)
    if more:
        head = head[:cut_at_space(head, len(head) - 1)]
    text = " ".join(head.split())
    if len(text) > limit:
        text, more = text[:cut_at_space(text, limit)].rstrip(), True
    return html.escape(text + (f" {ELLIPSIS}" if more else ""), quote=False)


# The interface the search service uses ----------------------------------------

SNIPPET_FIELDS = (schema.LEDE, schema.QUOTE, schema.ACTORS)  # besides the body's own field
TITLE_EXTRA_FIELDS = (schema.TITLE_EXACT, schema.ACTORS)


class Highlighters:
    """The highlighting for one search: what each query asks to mark is worked out once."""

    def __init__(self) -> None:
        self._parts: dict[int, tuple[object, QueryParts]] = {}

    def _query(self, hit) -> QueryParts:
        results = hit.results
        cached = self._parts.get(id(results))
        if cached is None or cached[0] is not results:
            cached = (results, query_parts(results.q))
            self._parts[id(results)] = cached
        return cached[1]

    def snippet(self, hit, article) -> str:
        fields = (schema.BODY_FIELDS[schema.language_of(article.language)], *SNIPPET_FIELDS)
        marks = find_marks(article.body, wanted(hit, fields, self._query(hit)))
        return clean_highlight(snippet_html(article.body, marks)) if marks \
            else lede(article.body)

    def title_html(self, hit, article) -> str:
        fields = (schema.TITLE_FIELDS[schema.language_of(article.language)], *TITLE_EXTRA_FIELDS)
        marks = find_marks(article.title, wanted(hit, fields, self._query(hit)), TITLE_CHARS)
        return clean_highlight(_render(article.title, 0, len(article.title), marks,
                                       collapse=True).strip())


def mark_words(text: str, words: frozenset[str], analyzer) -> str:
    """The whole text, escaped, with every token in `words` (analysed form) marked.

    For the article page, where the reader wants every occurrence, with its
    paragraphs kept. Only the first MAX_HIGHLIGHT_CHARS characters are analysed
    and sanitised; the rest is escaped, which is all plain text needs.
    """
    head = cut_at_space(text, MAX_HIGHLIGHT_CHARS)
    marks = []
    if words:
        want = Wanted(analyzer, frozenset(words), frozenset())
        marks = merge(marks_in(tokens_of(analyzer, text, 0, head), want))
    return (clean_highlight(_render(text, 0, head, marks, collapse=False))
            + html.escape(text[head:], quote=False))
