"""Plain text: the whole file is one article, as a scraper saved it.

There is no headline, date or source line to trust, so the title is derived
from the text and marked as derived, and the id is a hash of the content:
the same text moved elsewhere is the same article.
"""
from __future__ import annotations

from collections.abc import Iterator

from index import ids
from index.article import Article, Problem, Record
from index.text import clean_body, derive_title


def read_text(text: str, origin: str) -> Iterator[Record]:
    body = clean_body(text)
    if not body:
        yield Problem(origin, "file has no text")
        return
    title = derive_title(body)
    yield Article(id=ids.content_id(title, body), title=title, title_derived=True,
                  body=body, origin=origin)
