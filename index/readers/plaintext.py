"""Plain text: the whole file is one article, as a scraper saved it.

There is no headline, date or source line to trust: the pipeline derives a
headline from the text (marked as derived) and, with no id or URL, the id is
a hash of the content, so the same text moved elsewhere is the same article.
"""
from __future__ import annotations

from collections.abc import Iterator

from index.article import Draft, Problem
from index.text import clean_body


def read_text(text: str, origin: str) -> Iterator[Draft | Problem]:
    body = clean_body(text)
    if not body:
        yield Problem(origin, "file has no text")
        return
    yield Draft(origin=origin, body=body)
