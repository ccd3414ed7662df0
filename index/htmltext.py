"""HTML fragments (feed summaries, content:encoded, JSON bodies) -> plain text with paragraphs.

Block elements end a paragraph, <br> ends a line, script/style/template
content is dropped, entities are resolved. This is for fragments we are
given as text; whole article pages go through index/html.py instead.
"""
from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

from index.text import clean_body, strip_controls

_BLOCKS = frozenset({"p", "div", "section", "article", "blockquote", "li", "ul", "ol", "h1",
                     "h2", "h3", "h4", "h5", "h6", "table", "tr", "pre", "figure",
                     "figcaption", "header", "footer", "aside", "dd", "dt", "hr", "main"})
_SKIPPED = frozenset({"script", "style", "template", "noscript", "iframe", "object", "svg"})
_LOOKS_LIKE_HTML = re.compile(r"<(?:[a-zA-Z][\w:-]*)(?:\s[^<>]*)?/?>|&(?:#\d+|#x[0-9a-fA-F]+|\w+);")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag, attrs):
        if tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag):
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def looks_like_html(text: str) -> bool:
    return bool(_LOOKS_LIKE_HTML.search(text))


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment, one paragraph per block, blank-line separated."""
    if not looks_like_html(fragment):
        return clean_body(fragment)
    collector = _TextCollector()
    collector.feed(fragment)
    collector.close()
    text = strip_controls(unescape("".join(collector.parts)))  # as clean_body does
    paragraphs = [" ".join(block.split()) for block in re.split(r"\n\s*\n", text)]
    return "\n\n".join(p for p in paragraphs if p)
