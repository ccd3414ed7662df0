"""WARC web archives (`.warc`, `.warc.gz`): each HTML page the crawler fetched is one article.

Only `response` records with status 200 and an HTML Content-Type are
articles; requests, metadata, redirects, errors, images and stylesheets are
not, and are passed over. The record's target URI is the article's native
id (`warc:` namespace), so re-reading the archive never duplicates it. The
crawl's date (HTTP `Date`, else `WARC-Date`) is only a fallback for a page
that gives no date of its own, and the pipeline reports when it is used. A
damaged archive keeps the articles read before the damage and reports the
file.
"""
from __future__ import annotations

import codecs
import io
import zlib
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from email.utils import parsedate_to_datetime

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.limitreader import LimitReader
from warcio.recordloader import ArcWarcRecord

from index import ids
from index.article import Draft, Problem
from index.dates import parse_published, to_utc_naive

_HTML_TYPES = ("text/html", "application/xhtml+xml")


def looks_like_warc(head: bytes) -> bool:
    return head.lstrip(b"\r\n").startswith(b"WARC/")


def _http_date(record: ArcWarcRecord) -> tuple[datetime, str] | None:
    """When the page was fetched: the server's Date header, else the WARC-Date."""
    header = record.http_headers.get_header("Date") if record.http_headers else None
    try:
        if header:
            return to_utc_naive(parsedate_to_datetime(header)), "the crawl's HTTP date"
    except (TypeError, ValueError, IndexError):
        pass  # a malformed Date header: fall back to the archive's own date
    warc_date = record.rec_headers.get_header("WARC-Date")
    try:
        return (parse_published(warc_date), "the crawl's WARC-Date") if warc_date else None
    except ValueError:
        return None


def _page(payload: bytes, content_type: str) -> bytes | str:
    """The payload, decoded by the HTTP charset only when it is not UTF-8 (charsets lie)."""
    charset = next((p.split("=", 1)[1].strip(" \"'") for p in content_type.split(";")
                    if p.strip().lower().startswith("charset=")), "")
    try:
        payload.decode("utf-8")
        return payload
    except UnicodeDecodeError:
        pass
    try:
        return payload.decode(codecs.lookup(charset).name, errors="replace") if charset else payload
    except LookupError:
        return payload  # the page's own <meta charset> decides (index/html.py)


def _kind(record: ArcWarcRecord) -> str:
    """Why a record is or is not an article page: 'page', or what it is instead."""
    if record.rec_type != "response":
        return f"{record.rec_type} record"
    if record.http_headers is None:
        return "response without HTTP headers"
    content_type = (record.http_headers.get_header("Content-Type") or "").lower()
    if not content_type.startswith(_HTML_TYPES):
        return "non-HTML response"
    status = record.http_headers.get_statuscode()
    return "page" if status == "200" else f"HTTP {status} response"


def _draft(record: ArcWarcRecord, records: ArchiveIterator, origin: str) -> Draft | Problem:
    try:  # warcio undoes chunking and gzip/deflate Content-Encoding here
        payload, error = record.content_stream().read(), ""
    except (OSError, EOFError, ValueError, zlib.error) as exc:
        payload, error = b"", str(exc)
    # Only after the payload is read: asking for the offset reads the record to its end.
    record_id = (record.rec_headers.get_header("WARC-Record-ID") or "").strip("<>")
    where = f"{origin}#{record_id or f'offset={records.get_record_offset()}'}"
    if error:
        return Problem(where, f"cannot read the page in this record: {error}")
    uri = (record.rec_headers.get_header("WARC-Target-URI") or "").strip("<> ")
    content_type = record.http_headers.get_header("Content-Type") or ""
    return Draft(origin=where, native_id=ids.native_id("warc", uri) if uri else "", url=uri,
                 html=_page(payload, content_type), published_fallback=_http_date(record))


def _cut_short(record: ArcWarcRecord) -> bool:
    """The data ended before the record's declared Content-Length."""
    return isinstance(record.raw_stream, LimitReader) and record.raw_stream.limit > 0


def read_warc(data: bytes, origin: str) -> Iterator[Draft | Problem]:
    """One Draft per HTML page fetched with status 200; a Problem if there is none."""
    records = ArchiveIterator(io.BytesIO(data))
    seen: Counter[str] = Counter()  # complete records by kind
    end = 0  # where the last complete record ends
    try:
        for record in records:
            kind = _kind(record)
            page = _draft(record, records, origin) if kind == "page" else None
            records.read_to_end()
            if _cut_short(record):
                break
            seen[kind] += 1
            end = records.get_record_offset() + records.get_record_length()
            if page is not None:
                yield page
        # warcio stops quietly when the data ends inside a record's headers.
        damage = (f"the archive ends inside a record ({len(data) - end:,} bytes after the "
                  f"last complete one)") if data[end:].strip() else ""
    except (ArchiveLoadFailed, EOFError, OSError, ValueError, zlib.error) as exc:
        damage = str(exc).strip() or type(exc).__name__
    if damage:
        yield Problem(origin, f"damaged WARC: {damage}; the {seen['page']:,} page(s) in the "
                              f"{sum(seen.values()):,} records before it are kept")
    elif not seen["page"]:
        what = ", ".join(f"{n:,} {kind}" for kind, n in seen.most_common()) or "no records"
        yield Problem(origin, f"WARC has no HTML pages (status 200) to index: {what}")
