"""Objects with named keys (JSON, JSON Lines, CSV rows, API posts) -> Draft.

One mapping function serves every keyed format, so the key aliases of the
contract (section 2) and the id rules are spelled out once.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Mapping
from datetime import datetime

from index.article import Draft, Problem
from index.dates import parse_published
from index.htmltext import html_to_text
from index.text import clean_value, strip_controls

ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "url": ("url", "link"),
    "title": ("title", "headline"),
    "body": ("body", "text", "content"),
    "published": ("published", "date", "pubDate", "publication_date", "publishedAt",
                  "published_at", "datePublished"),
    "source": ("source", "publisher", "site_name"),
    "authors": ("authors", "author", "byline"),
    "section": ("section",),
    "tags": ("tags", "keywords", "topics"),
    "language": ("language", "lang"),
    "people": ("people",),
    "organizations": ("organizations",),
    "places": ("places",),
    "dateline": ("dateline",),
}


def _first(obj: Mapping, key: str) -> object:
    for alias in ALIASES[key]:
        value = obj.get(alias)
        if isinstance(value, Mapping):  # {"source": {"id": "bbc-news", "name": "BBC News"}}
            value = value.get("name")
        if value not in (None, "", [], {}):
            return value
    return None


def _names(value: object) -> list[str]:
    """A list, or a comma/semicolon separated string, as clean distinct names."""
    if value is None:
        return []
    if isinstance(value, str):
        # "Smith, John; Doe, Jane" is two names: a semicolon, when present, is the separator.
        items: list = value.split(";") if ";" in value else value.split(",")
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        items = [value]
    names = (clean_value(item.get("name") if isinstance(item, Mapping) else item)
             for item in items)
    return [n for n in names if n]


def _published(value: object, origin: str) -> tuple[datetime | None, list[Problem]]:
    if value is None:
        return None, []
    try:
        return parse_published(str(value)), []
    except ValueError as exc:
        return None, [Problem(origin, f"{exc}; published left empty", skipped=False)]


def _verbatim(text: str) -> str:
    """A body kept as given: only line endings and control characters are normalised."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return strip_controls(text).strip("\n")


def draft_from_mapping(obj: object, origin: str) -> Iterator[Draft | Problem]:
    """Yield the Draft for one keyed record, or a Problem saying why it cannot be one."""
    if not isinstance(obj, Mapping):
        yield Problem(origin, f"expected a JSON object, got {type(obj).__name__}")
        return
    body = str(_first(obj, "body") or "")
    # A body is HTML when it looks like it and is cleaned up as text otherwise, unless the
    # record says it is text to keep as it is: an export does, so a Reuters table keeps its
    # lines and a story quoting "<img ...>" its markup (index/export.py).
    body = _verbatim(body) if obj.get("body_format") == "text" else html_to_text(body)
    title = clean_value(_first(obj, "title") or "")
    if not title and not body:
        yield Problem(origin, "record has neither a title nor a body")
        return
    published, notes = _published(_first(obj, "published"), origin)
    own = obj.get("id")
    yield Draft(
        origin=origin, own_id="" if own in (None, "") else str(own), title=title, body=body,
        url=clean_value(_first(obj, "url") or ""), published=published,
        source=clean_value(_first(obj, "source") or ""),
        authors=_names(_first(obj, "authors")), tags=_names(_first(obj, "tags")),
        people=_names(obj.get("people")), organizations=_names(obj.get("organizations")),
        places=_names(obj.get("places")), section=clean_value(_first(obj, "section") or ""),
        language=clean_value(_first(obj, "language") or ""), notes=notes,
        dateline=clean_value(_first(obj, "dateline") or ""),
        # An export says when its headline was derived, so a re-import keeps it marked so.
        title_derived=obj.get("title_derived") is True and bool(title),
    )
