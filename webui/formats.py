"""The search as Atom, CSV and JSON Lines: other renderings of the same plain data.

Atom is one page of `run_search`'s response as a feed (with `sort=indexed`, a
saved search becomes an alert feed of newly indexed stories). CSV and JSON
Lines are exports: every result of `iter_results`, written row by row as the
response streams. XML is built with ElementTree, which escapes every text
and attribute; characters XML 1.0 cannot carry at all (control characters
found in old wire copy) are dropped first.
"""
from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import datetime, timezone
from urllib.parse import quote
from xml.etree import ElementTree as ET

from search import SearchRequest

ATOM = "http://www.w3.org/2005/Atom"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
CSV_TYPE = "text/csv; charset=utf-8"
JSONL_TYPE = "application/x-ndjson; charset=utf-8"
# Stable ids: a tag URI (RFC 4151) per article, the same in every feed and on every host.
TAG = "tag:morgue,2025:"
ATOM_FIELDS = ("id", "url", "title", "source", "published", "indexed", "authors", "tags",
               "snippet")
HTML_FIELDS = ("snippet", "title_html")  # <mark> markup: plain text in CSV and Atom
ROWS_PER_CHUNK = 100
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_MARK = re.compile(r"</?mark>")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

ET.register_namespace("", ATOM)


def for_atom(request: SearchRequest) -> SearchRequest:
    """The request with the keys a feed entry needs (and the body, as content, if asked)."""
    extra = ("body",) if "body" in request.fields else ()
    return replace(request, fields=ATOM_FIELDS + extra)


def plain_text(marked: str | None) -> str:
    """Highlighted HTML as the plain text it shows.

    Only for `snippet` and `title_html`, which search/sanitize.py has already
    reduced to escaped text and bare <mark> tags (so no <script> text can hide
    in it): dropping the tags and unescaping is exact, and far cheaper per row
    of an export than parsing it again.
    """
    return html.unescape(_MARK.sub("", marked or ""))


def _xml(text: str | None) -> str:
    return _NOT_XML.sub("", text or "")


def _el(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{name}", {k: _xml(v) for k, v in attrs.items()})
    if text is not None:
        element.text = _xml(text)
    return element


def article_tag(article_id: str) -> str:
    return TAG + "article/" + quote(article_id, safe=":@!$&'()*+,;=-._~")


def atom_feed(response: dict, *, feed_id: str, title: str, self_url: str, html_url: str,
              article_url: Callable[[str], str], next_url: str | None = None) -> bytes:
    """One page of a search response as an Atom 1.0 feed (RFC 4287), UTF-8 bytes."""
    feed = ET.Element(f"{{{ATOM}}}feed")
    _el(feed, "id", feed_id)
    _el(feed, "title", title, type="text")
    _el(feed, "subtitle", f"{response['total']:,} results, newest indexed first"
        if response["query"]["sort"] == "indexed" else f"{response['total']:,} results",
        type="text")
    stamps = [hit.get("indexed") or hit.get("published") for hit in response["results"]]
    fallback = response["index"].get("created") or _utc_now()
    _el(feed, "updated", max((s for s in stamps if s), default=fallback))
    _el(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _el(feed, "link", rel="alternate", type="text/html", href=html_url)
    if next_url:
        _el(feed, "link", rel="next", type="application/atom+xml", href=next_url)
    _el(_el(feed, "author"), "name", "Morgue")
    _el(feed, "generator", "Morgue")
    for hit in response["results"]:
        _entry(feed, hit, article_url(hit["id"]), fallback)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _entry(feed: ET.Element, hit: dict, page_url: str, fallback: str) -> None:
    entry = _el(feed, "entry")
    _el(entry, "id", article_tag(hit["id"]))
    _el(entry, "title", hit["title"] or hit["id"], type="text")
    _el(entry, "updated", hit.get("indexed") or hit.get("published") or fallback)
    if hit.get("published"):
        _el(entry, "published", hit["published"])
    _el(entry, "link", rel="alternate", type="text/html", href=page_url)
    if hit.get("url"):
        _el(entry, "link", rel="via", href=hit["url"])  # where the story was first published
    for name in hit.get("authors") or ([hit["source"]] if hit.get("source") else []):
        _el(_el(entry, "author"), "name", name)
    for tag in hit.get("tags") or []:
        _el(entry, "category", term=tag)
    _el(entry, "summary", plain_text(hit.get("snippet")), type="text")
    if "body" in hit:
        _el(entry, "content", hit["body"], type="text")


def _utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _cell(name: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        text = "; ".join(str(item) for item in value)
    elif isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    else:
        text = plain_text(value) if name in HTML_FIELDS else str(value)
    # A spreadsheet would run a cell starting like this as a formula (CSV injection).
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_chunks(fields: tuple[str, ...], rows: Iterable[dict]) -> Iterator[str]:
    """A header row, then one row per result: lists joined with "; ", objects as JSON."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(fields)
    for count, row in enumerate(rows, 1):
        writer.writerow([_cell(name, row.get(name)) for name in fields])
        if count % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def jsonl_chunks(rows: Iterable[dict]) -> Iterator[str]:
    """One JSON object per line, each exactly a JSON result's keys and values."""
    lines = []
    for row in rows:
        lines.append(json.dumps(row, ensure_ascii=False) + "\n")
        if len(lines) == ROWS_PER_CHUNK:
            yield "".join(lines)
            lines = []
    yield "".join(lines)
