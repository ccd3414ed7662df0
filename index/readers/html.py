"""HTML article pages (`.html`, `.htm`): the whole file is one article page.

Reading is cheap and extraction is not, so the reader only wraps the page's
bytes in a Draft; the pipeline's workers extract it (index/html.py). A page
with no article in it is reported there ("page has no article text").
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from index.article import Draft, Problem

# A tag that HTML pages open with, somewhere near the start (after comments or a BOM).
_HTML_START = re.compile(rb"<(?:!doctype\s+html|html|head|body|meta|title|article|main|div|p)\b",
                         re.I)


def looks_like_html(head: bytes) -> bool:
    """The first bytes of a file hold an HTML tag (a JSON or binary file does not)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16: look at the text itself
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    return bool(_HTML_START.search(head[:4096]))


def read_html(data: bytes, origin: str) -> Iterator[Draft | Problem]:
    yield Draft(origin=origin, html=data)
