"""An article as a row of the SphinxQL tier's ARTICLES index, and back.

Sphinx keeps no text of its full-text fields, so the article's stored fields
travel whole in the `stored` string attribute (JSON); results, the article
page and snippets are served from it. Facet values become 63-bit numbers
(schema.value_id) in multi-value attributes, each named once in NAMES.
"""
from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timezone

from index.article import Article, Quote
from index.sphinxql import schema

EPOCH = datetime(1970, 1, 1)
DAY_ZERO = datetime(1900, 1, 1)
FACET_KINDS = {"people": "person", "organizations": "organization", "places": "place",
               "tags": "tag"}
SINGLE_KINDS = {"source": "source", "section": "section", "language": "language"}
NAME_SEPARATOR = "\n"  # between names in a full-text field: a phrase never spans two names


def _clean(text: str) -> str:
    """Sphinx's SphinxQL reader takes a NUL as the end of a string: never send one."""
    return text.replace("\x00", " ")


def day_number(moment: datetime) -> int:
    return (moment - DAY_ZERO).days


def seconds(moment: datetime) -> int:
    return int((moment - EPOCH).total_seconds())


def stored_json(article: Article, indexed: datetime) -> str:
    data = dataclasses.asdict(article)
    data.pop("sketch", None)
    data["published"] = article.published.isoformat() if article.published else None
    data["indexed"] = indexed.isoformat()
    data["content_hash"] = article.content_hash
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def article_from_json(text: str) -> tuple[Article, datetime | None]:
    """The Article kept in `stored`, and when it was indexed."""
    data = json.loads(text)
    indexed = data.pop("indexed", None)
    data.pop("content_hash", None)
    published = data.get("published")
    data["published"] = datetime.fromisoformat(published) if published else None
    for name in ("authors", "people", "organizations", "places", "tags"):
        data[name] = tuple(data.get(name) or ())
    data["quotes"] = tuple(Quote(**quote) for quote in data.get("quotes") or ())
    known = {f.name for f in dataclasses.fields(Article)}
    return Article(**{k: v for k, v in data.items() if k in known}), \
        datetime.fromisoformat(indexed) if indexed else None


def key(kind: str, value: str) -> int:
    """A facet value's number, as a filter names it: spaces collapsed, case ignored
    (search/filters.py matches whole values the same way)."""
    return schema.value_id(kind, " ".join(value.split()).lower())


def names_of(article: Article) -> list[tuple[int, str, str]]:
    """(value id, kind, name) of every facet value the article has."""
    found = []
    for field, kind in FACET_KINDS.items():
        found += [(schema.value_id(kind, name), kind, name) for name in getattr(article, field)]
    for field, kind in SINGLE_KINDS.items():
        value = getattr(article, field)
        if value:
            found.append((schema.value_id(kind, value), kind, value))
    return found


def article_row(article: Article, indexed: datetime) -> dict[str, object]:
    """Column -> value for REPLACE INTO ARTICLES (lists are multi-value attributes)."""
    names = article.people + article.organizations + article.places
    published = article.published
    row: dict[str, object] = {
        "id": schema.doc_id(article.id),
        "title": article.title, "body": article.body,
        "people": NAME_SEPARATOR.join(article.people),
        "organizations": NAME_SEPARATOR.join(article.organizations),
        "places": NAME_SEPARATOR.join(article.places),
        "actors": NAME_SEPARATOR.join(names), "source": article.source,
        "section": article.section, "tags": NAME_SEPARATOR.join(article.tags),
        "language": article.language, "dateline": article.dateline,
        "quote": "\n\n".join(q.text for q in article.quotes),
        "speaker": NAME_SEPARATOR.join(dict.fromkeys(q.speaker for q in article.quotes
                                                     if q.speaker)),
        "article_id": article.id,
        "cluster_id": schema.value_id("cluster", article.cluster or article.id),
        "published": seconds(published) if published else 0,
        "day": max(0, day_number(published)) if published else 0,  # before 1900: day 0
        "dated": int(published is not None),
        "stored": stored_json(article, indexed),
    }
    for field, kind in SINGLE_KINDS.items():
        value = getattr(article, field)
        row[f"{field}_value"] = schema.value_id(kind, value) if value else 0
        row[f"{field}_key"] = key(kind, value) if value else 0
    for field, kind in FACET_KINDS.items():
        values = getattr(article, field)
        row[f"{field}_values"] = sorted({schema.value_id(kind, name) for name in values})
        row[f"{field}_keys"] = sorted({key(kind, name) for name in values})
    row["actors_keys"] = sorted({key("actor", name) for name in names})
    return {name: _clean(value) if isinstance(value, str) else value
            for name, value in row.items()}


def now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
