"""Objects with named keys (JSON, JSON Lines, later CSV rows and API posts) -> Article.

One mapping function serves every keyed format, so the key aliases of the
contract (section 2) and the id rules are spelled out once.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime

from index import ids
from index.article import Article, Problem, Record
from index.dates import parse_published
from index.text import clean_body, clean_value, derive_title

ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "url": ("url", "link"),
    "title": ("title", "headline"),
    "body": ("body", "text", "content"),
    "published": ("published", "date", "pubDate", "publication_date"),
    "source": ("source", "publisher", "site_name"),
    "authors": ("authors", "author", "byline"),
    "section": ("section",),
    "tags": ("tags", "keywords", "topics"),
    "language": ("language", "lang"),
    "people": ("people",),
    "organizations": ("organizations",),
    "places": ("places",),
}


def _first(obj: Mapping, key: str) -> object:
    for alias in ALIASES[key]:
        value = obj.get(alias)
        if value not in (None, "", [], {}):
            return value
    return None


def _names(value: object) -> tuple[str, ...]:
    """A list, or a comma/semicolon separated string, as clean distinct names."""
    if value is None:
        return ()
    if isinstance(value, str):
        items: list = value.replace(";", ",").split(",")
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        items = [value]
    names = (clean_value(item.get("name") if isinstance(item, Mapping) else item)
             for item in items)
    # Commas separate values in the index's keyword fields, so none may remain inside one.
    return tuple(dict.fromkeys(n.replace(",", " ").strip() for n in names if n.strip()))


def _published(value: object, origin: str) -> tuple[datetime | None, list[Problem]]:
    if value is None:
        return None, []
    try:
        return parse_published(str(value)), []
    except ValueError as exc:
        return None, [Problem(origin, f"{exc}; published left empty", skipped=False)]


def _article_id(obj: Mapping, title: str, body: str, url: str) -> tuple[str, str]:
    own = obj.get("id")
    if own not in (None, ""):
        return ids.own_id(str(own))
    if url:
        return ids.url_id(url), ""
    return ids.content_id(title, body), ""


def article_from_mapping(obj: object, origin: str) -> Iterator[Record]:
    """Yield the Article (and any repairs made) or a Problem saying why it was skipped."""
    if not isinstance(obj, Mapping):
        yield Problem(origin, f"expected a JSON object, got {type(obj).__name__}")
        return
    body = clean_body(str(_first(obj, "body") or ""))
    title = clean_value(_first(obj, "title") or "")
    if not title and not body:
        yield Problem(origin, "record has neither a title nor a body")
        return
    url = clean_value(_first(obj, "url") or "")
    published, problems = _published(_first(obj, "published"), origin)
    yield from problems
    article_id, source_id = _article_id(obj, title, body, url)
    title_derived = not title
    yield Article(
        id=article_id, source_id=source_id,
        title=title or derive_title(body), title_derived=title_derived, body=body, url=url,
        source=clean_value(_first(obj, "source") or ""), published=published,
        authors=_names(_first(obj, "authors")), tags=_names(_first(obj, "tags")),
        people=_names(obj.get("people")), organizations=_names(obj.get("organizations")),
        places=_names(obj.get("places")),
        section=clean_value(_first(obj, "section") or ""),
        language=clean_value(_first(obj, "language") or "").lower(),
        origin=origin,
    )
