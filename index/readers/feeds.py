"""RSS 0.9x/1.0/2.0, Atom and RDF feeds: one article per item or entry.

feedparser gets the raw bytes, so it sees the declared encoding, falls back when
the bytes do not match it (undeclared Latin-1) and reads a truncated feed as
far as it goes; such a repair is reported once for the file. Item dates are
parsed from the raw strings by `index.dates`, never taken from feedparser's
`*_parsed`: that fails on Italian or Portuguese names, reads an unknown zone
name as UTC, drops a "PM" and turns a Korean date into 1 November; a date we
cannot read is left empty with a note (the feed's own date may stand in).
Titles and bodies are HTML fragments in practice (even when a feed says plain
text), so both go through `html_to_text`.
"""
from __future__ import annotations

import io
import re
import xml.sax
from collections.abc import Iterator, Mapping
from datetime import datetime
from urllib.parse import urlsplit

import feedparser

from index import ids
from index.article import Draft, Problem
from index.dates import parse_published
from index.htmltext import html_to_text

FEED_ROOTS = frozenset({"rss", "feed", "rdf"})
_PROLOG = re.compile(r"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>)", re.DOTALL)
_ROOT = re.compile(r"\s*<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
_NAME_JOINS = re.compile(r"\s+(?:and|&)\s+|\s*;\s*", re.IGNORECASE)
_ITEM_DATES = ("published", "updated", "created")
_FEED_DATES = ("published", "updated")


def _head_text(head: bytes) -> str:
    """Enough of the file's start to find the root element, whatever the byte encoding."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="ignore")
    if head[:2] == b"<\x00":
        return head.decode("utf-16-le", errors="ignore")
    if head[:2] == b"\x00<":
        return head.decode("utf-16-be", errors="ignore")
    # Tag names are ASCII in every encoding feeds use; Latin-1 never fails.
    return head.removeprefix(b"\xef\xbb\xbf").decode("latin-1")


def looks_like_feed(head: bytes) -> bool:
    """True when the document's root element is <rss>, <feed> or <rdf:RDF>."""
    text = _head_text(head)
    position = 0
    while prolog := _PROLOG.match(text, position):
        position = prolog.end()
    root = _ROOT.match(text, position)
    return bool(root) and root.group(2).lower() in FEED_ROOTS


def _plain(fragment: object) -> str:
    """A one-line plain-text value from a fragment that may carry markup or entities."""
    return " ".join(html_to_text(str(fragment or "")).split())


def _field(item: Mapping, key: str) -> object:
    # Plain dict access: FeedParserDict maps some missing keys to others (updated -> published).
    return dict.get(item, key)


def _date(item: Mapping, keys: tuple[str, ...]) -> tuple[datetime | None, str]:
    """The first date among `keys` that can be read, or None and why the first one cannot."""
    errors = []
    for key in keys:
        raw = _field(item, key)
        if not raw:
            continue
        try:
            return parse_published(str(raw)), ""
        except ValueError as exc:
            errors.append(str(exc))
    return None, errors[0] if errors else ""


def _body(entry: Mapping) -> str:
    """The longest text among content:encoded/content and summary/description."""
    fragments = [part.get("value", "") for part in _field(entry, "content") or []]
    fragments.append(_field(entry, "summary") or "")
    return max((html_to_text(str(f)) for f in fragments), key=len)


def _url(entry: Mapping) -> str:
    """The article's own address: a proxy's original link (feedburner, pheedo) wins."""
    for key, value in entry.items():
        if key.endswith("origlink") and isinstance(value, str) and value.strip():
            return value.strip()
    return str(_field(entry, "link") or "").strip()


def _native_id(entry: Mapping, feed_link: str, url: str) -> str:
    """The namespaced guid; a bare one ("4956764") is only unique within its site."""
    guid = str(_field(entry, "id") or "").strip()
    if not guid:
        return ""
    if ":" not in guid:
        host = urlsplit(feed_link).netloc or urlsplit(url).netloc
        guid = f"{host.lower()}/{guid}" if host else guid
    return ids.native_id("guid", guid)


def _authors(entry: Mapping) -> list[str]:
    names = [a.get("name") or a.get("email") or "" for a in _field(entry, "authors") or []]
    if not any(names):
        names = [str(_field(entry, "author") or "")]
    # Feeds put a whole byline in one field: "MICHAEL D. SHEAR and DAVID E. SANGER".
    return [part for name in names for part in _NAME_JOINS.split(_plain(name)) if part]


def _tags(entry: Mapping) -> list[str]:
    return [_plain(t.get("label") or t.get("term")) for t in _field(entry, "tags") or []]


def _language(entry: Mapping, feed_language: str) -> str:
    for key in ("content", "summary_detail", "title_detail"):
        detail = _field(entry, key)
        detail = detail[0] if isinstance(detail, list) and detail else detail
        if isinstance(detail, Mapping) and detail.get("language"):
            return str(detail["language"])
    return feed_language


def _repair_note(parsed: Mapping, origin: str) -> Problem | None:
    """What feedparser had to work around to read the file, as one repaired note."""
    if not parsed.get("bozo"):
        return None
    exc = parsed.get("bozo_exception")
    if isinstance(exc, feedparser.CharacterEncodingOverride):
        reason = (f"bytes do not match the declared or default encoding ({exc}); "
                  f"read as {parsed.get('encoding')}")
    elif isinstance(exc, xml.sax.SAXParseException):
        reason = (f"not well-formed XML ({exc.getMessage()}, line {exc.getLineNumber()}); "
                  f"read as far as possible")
    else:
        reason = f"malformed feed ({exc}); read as far as possible"
    return Problem(origin, reason, skipped=False)


def _draft(entry: Mapping, where: str, channel: dict) -> Draft | Problem:
    title, body = _plain(_field(entry, "title")), _body(entry)
    if not title and not body:
        return Problem(where, "item has neither a title nor a body")
    published, why = _date(entry, _ITEM_DATES)
    notes = [Problem(where, f"{why}; published left empty", skipped=False)] if why else []
    url = _url(entry)
    return Draft(
        origin=where, native_id=_native_id(entry, channel["link"], url), url=url,
        title=title, body=body, published=published,
        published_fallback=channel["date"] if published is None else None,
        source=channel["title"], authors=_authors(entry), tags=_tags(entry),
        language=_language(entry, channel["language"]), notes=notes)


def read_feed(data: bytes, origin: str) -> Iterator[Draft | Problem]:
    """Every item of a feed as a Draft; a file that is no feed or has no items is a Problem."""
    # A stream, never bytes or a string: feedparser would open a file or URL it names.
    parsed = feedparser.parse(io.BytesIO(data))
    if not parsed.get("version"):
        yield Problem(origin, "not an RSS, Atom or RDF feed")
        return
    note = _repair_note(parsed, origin)
    if note:
        yield note
    if not parsed.entries:
        yield Problem(origin, "feed has no items")
        return
    feed = parsed.feed
    feed_date, _ = _date(feed, _FEED_DATES)
    channel = {"title": _plain(_field(feed, "title")), "link": str(_field(feed, "link") or ""),
               "language": str(_field(feed, "language") or ""),
               "date": (feed_date, "the feed's own date") if feed_date else None}
    for number, entry in enumerate(parsed.entries, 1):
        yield _draft(entry, f"{origin}#item={number}", channel)
