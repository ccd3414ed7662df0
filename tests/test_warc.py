"""WARC archives: HTML responses become articles; everything else is passed over or reported."""
from __future__ import annotations

import gzip
import io
from datetime import datetime
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from index import ids
from index.article import Article, Draft, Problem
from index.pipeline import finish_all
from index.readers import read_path
from index.readers.warc import read_warc

STORY = "".join(f"<p>Paragraph {n} of the harbour story, long enough to read as the text "
                f"of an article, with a few more words in it.</p>" for n in range(1, 6))
DATED = ("<html><head><meta property='article:published_time' content='2025-08-11T09:00:00Z'>"
         "</head><body><article><h1>Harbour reopens</h1>" + STORY + "</article></body></html>")
UNDATED = "<html><body><article><h1>Ferry returns</h1>" + STORY + "</article></body></html>"
HTTP_DATE = "Tue, 12 Aug 2025 14:03:00 GMT"


def response(writer, uri, status, content_type, body: bytes, date=HTTP_DATE):
    headers = [("Content-Type", content_type)] + ([("Date", date)] if date else [])
    http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
    return writer.create_warc_record(uri, "response", payload=io.BytesIO(body),
                                     http_headers=http,
                                     warc_headers_dict={"WARC-Date": "2025-08-12T14:05:00Z"})


def build_warc(compress: bool = False, pages: bool = True) -> bytes:
    """A small crawl: a request, two article pages, a stylesheet, a 404, a redirect, metadata."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=compress)
    request = StatusAndHeaders("GET /harbour HTTP/1.1", [("Host", "news.example")],
                               is_http_request=True)
    writer.write_record(writer.create_warc_record(
        "https://news.example/harbour", "request", payload=io.BytesIO(b""), http_headers=request))
    if pages:
        writer.write_record(response(writer, "https://news.example/harbour", "200 OK",
                                     "text/html; charset=utf-8", DATED.encode()))
        writer.write_record(response(writer, "https://news.example/ferry", "200 OK",
                                     "text/html", UNDATED.encode()))
    writer.write_record(response(writer, "https://news.example/site.css", "200 OK", "text/css",
                                 b"body { color: red }"))
    writer.write_record(response(writer, "https://news.example/gone", "404 Not Found",
                                 "text/html", b"<html><body><h1>Not found</h1></body></html>"))
    writer.write_record(response(writer, "https://news.example/old", "301 Moved Permanently",
                                 "text/html", b""))
    writer.write_record(writer.create_warc_record(
        "https://news.example/harbour", "metadata", payload=io.BytesIO(b"outlinks: none"),
        warc_content_type="text/plain"))
    return out.getvalue()


def test_only_html_200_responses_become_drafts():
    drafts = list(read_warc(build_warc(), "crawl.warc"))
    assert [d.url for d in drafts] == ["https://news.example/harbour", "https://news.example/ferry"]
    assert all(isinstance(d, Draft) for d in drafts)
    assert drafts[0].native_id == ids.native_id("warc", "https://news.example/harbour")
    assert drafts[0].native_id.startswith("warc:")
    assert drafts[0].origin.startswith("crawl.warc#urn:uuid:")
    assert drafts[0].published_fallback == (datetime(2025, 8, 12, 14, 3), "the crawl's HTTP date")


def test_articles_keep_the_page_date_and_fall_back_to_the_crawl_date_with_a_note():
    records = finish_all(list(read_warc(build_warc(), "crawl.warc")))
    articles = [r for r in records if isinstance(r, Article)]
    notes = [r for r in records if isinstance(r, Problem)]
    assert [a.title for a in articles] == ["Harbour reopens", "Ferry returns"]
    assert articles[0].published == datetime(2025, 8, 11, 9, 0)  # the page's own date wins
    assert articles[1].published == datetime(2025, 8, 12, 14, 3)
    assert [(n.reason, n.skipped) for n in notes] == [
        ("no publication date; used the crawl's HTTP date", False)]
    assert notes[0].origin == articles[1].origin
    assert articles[0].source == "news.example"  # the target host, when the page names none


def test_ids_are_stable_across_copies_and_compression(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    plain = tmp_path / "a" / "crawl.warc"
    packed = tmp_path / "b" / "renamed.warc.gz"
    plain.write_bytes(build_warc())
    packed.write_bytes(build_warc(compress=True))  # one gzip member per record
    first = [r.id for r in finish_all(list(read_path(plain))) if isinstance(r, Article)]
    second = [r.id for r in finish_all(list(read_path(packed))) if isinstance(r, Article)]
    assert first == second and len(first) == 2
    assert first[0] == ids.native_id("warc", "https://news.example/harbour")


def test_a_warc_without_html_pages_is_reported():
    records = list(read_warc(build_warc(pages=False), "empty.warc"))
    assert len(records) == 1 and isinstance(records[0], Problem)
    reason = records[0].reason
    assert reason.startswith("WARC has no HTML pages (status 200) to index:")
    assert "1 request record" in reason and "1 HTTP 404 response" in reason
    assert "1 non-HTML response" in reason


def test_a_damaged_warc_keeps_the_records_before_the_damage(tmp_path):
    data = build_warc()
    cut = data.index(b"WARC/1", data.index(b"news.example/ferry"))  # after the first two pages
    damaged = data[:cut] + b"this is not a WARC header\r\n\r\n" + data[cut:]
    records = list(read_warc(damaged, "bad.warc"))
    assert [type(r) for r in records] == [Draft, Draft, Problem]
    assert records[-1].origin == "bad.warc" and "damaged WARC" in records[-1].reason
    truncated = tmp_path / "cut.warc"
    truncated.write_bytes(data[:data.index(b"news.example/ferry") + 200])
    kept = list(read_path(truncated))
    assert [type(r) for r in kept] == [Draft, Problem]
    assert kept[0].url == "https://news.example/harbour"
    assert "the archive ends inside a record" in kept[1].reason
    assert "the 1 page(s) in the 2 records before it are kept" in kept[1].reason


def test_reader_is_registered_and_checks_content(tmp_path):
    wrong = tmp_path / "notes.warc"
    wrong.write_text("just some text", "utf-8")
    assert list(read_path(wrong)) == [Problem(wrong.as_posix(),
                                              "content does not look like a WARC archive")]
    packed = tmp_path / "crawl.warc.gz"
    packed.write_bytes(gzip.compress(build_warc()))
    assert len([r for r in read_path(packed) if isinstance(r, Draft)]) == 2
    assert Path(packed).suffixes == [".warc", ".gz"]
