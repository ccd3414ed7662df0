"""RSS, Atom and RDF feeds: items to Drafts, repairs, dates, stable ids (no index needed)."""
from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest

from index import ids
from index.article import Article, Draft, Problem
from index.pipeline import finish_all
from index.readers import read_path
from index.readers.feeds import looks_like_feed, read_feed

FEEDS = Path(__file__).resolve().parents[2] / "shared" / "data" / "feeds"

HAND_RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>The Example &amp;amp; Times</title>
  <link>https://example.com/</link>
  <language>pt-BR</language>
  <pubDate>Mon, 11 Aug 2025 06:00:00 GMT</pubDate>
  <item>
    <title>Markets &lt;b&gt;rally&lt;/b&gt; as rates fall</title>
    <link> https://example.com/markets/rally </link>
    <guid isPermaLink="false">12345</guid>
    <description>Short teaser.</description>
    <content:encoded><![CDATA[<p>Stocks rose on Tuesday.</p>
      <p>Bonds &amp; gold fell.</p>]]></content:encoded>
    <pubDate>Tue, 12 Aug 2025 14:03:00 EDT</pubDate>
    <category>Markets</category><category>Rates</category>
    <dc:creator>Ana Souza and Bo Lee</dc:creator>
  </item>
  <item><title>Only a headline</title></item>
  <item><link>https://example.com/nothing</link></item>
  <item>
    <title>Zone nobody knows</title>
    <description>Body text.</description>
    <pubDate>Tue, 12 Aug 2025 14:03:00 XYZ</pubDate>
  </item>
</channel>
</rss>
"""


def records_of(path: Path) -> list[Draft | Problem]:
    return list(read_path(path))


def drafts_of(records) -> list[Draft]:
    return [r for r in records if isinstance(r, Draft)]


@pytest.fixture
def hand_feed(tmp_path) -> Path:
    path = tmp_path / "hand.rss"
    path.write_bytes(HAND_RSS)
    return path


def test_rss_items_become_drafts_with_plain_text_fields(hand_feed):
    records = records_of(hand_feed)
    first, title_only, empty, odd_zone = records
    assert first.origin == f"{hand_feed.as_posix()}#item=1"
    assert first.title == "Markets rally as rates fall"  # markup in a title is dropped
    assert first.body == "Stocks rose on Tuesday.\n\nBonds & gold fell."  # the longest text
    assert first.url == "https://example.com/markets/rally"
    assert first.published == datetime(2025, 8, 12, 18, 3)  # EDT is UTC-4
    assert first.published_fallback is None
    assert first.source == "The Example & Times"
    assert first.authors == ["Ana Souza", "Bo Lee"]
    assert first.tags == ["Markets", "Rates"]
    assert first.language == "pt-BR"
    # A bare guid is unique only within its site, so the feed's host qualifies it.
    assert first.native_id == ids.native_id("guid", "example.com/12345")
    assert (title_only.title, title_only.body) == ("Only a headline", "")
    assert title_only.published is None
    assert title_only.published_fallback == (datetime(2025, 8, 11, 6), "the feed's own date")
    assert empty == Problem(f"{hand_feed.as_posix()}#item=3", "item has neither a title nor a body")
    # feedparser would read XYZ as UTC; we refuse the date and fall back to the feed's.
    assert odd_zone.published is None
    assert "unknown time zone 'XYZ'" in odd_zone.notes[0].reason
    assert odd_zone.published_fallback[0] == datetime(2025, 8, 11, 6)


def test_finished_title_only_item_keeps_an_empty_body_and_the_feed_date(hand_feed):
    finished = finish_all(records_of(hand_feed))
    articles = [r for r in finished if isinstance(r, Article)]
    title_only = next(a for a in articles if a.title == "Only a headline")
    assert title_only.body == ""
    assert title_only.published == datetime(2025, 8, 11, 6)
    assert title_only.language == "pt"
    assert any(p.reason == "no publication date; used the feed's own date"
               for p in finished if isinstance(p, Problem) and p.origin == title_only.origin)


@pytest.mark.parametrize("name, count, first_published, first_title", [
    ("FeedReader/Rss20Reuters.xml", 10, datetime(2017, 1, 7, 13, 52, 27),
     "Iraq says deal reached over withdrawal of Turkish forces from Bashiqa"),  # -0500
    ("feed-rs/atom/atom_example_2.xml", 2, datetime(2019, 7, 31, 11, 54, 28),
     "Will someone plz dump our shizz on the Moon, NASA begs as one of the space biz vendors "
     "drops out"),
    ("FeedReader/Rss10OrfAt.xml", 50, datetime(2017, 1, 23, 20, 54, 55),
     "US-Band New Edition mit Stern auf \u201eWalk of Fame\u201c geehrt"),  # RSS 1.0, dc:date
    ("miniflux/rdf_UTF8.xml", 60, None, "OLED-TVs: Vorsichtsma\u00dfnahmen gegen Einbrennen"),
    ("feed-rs/rss2/rss_2.0_ilmessaggero.xml", 1, datetime(2022, 11, 15, 23, 38, 15), None),
    ("rss-parser/uolNoticias.rss", 15, datetime(2018, 9, 24, 22, 42, 40),
     "Ibope: Bolsonaro perde de Haddad, Ciro e Alckmin em simula\u00e7\u00f5es de 2\u00ba turno"),
    ("node-feedparser/iconv.xml", 10, datetime(2014, 1, 22, 14, 31, 31), None),  # windows-1251
])
def test_real_feeds(name, count, first_published, first_title):
    drafts = drafts_of(records_of(FEEDS / name))
    assert len(drafts) == count
    assert drafts[0].published == first_published
    if first_title:
        assert drafts[0].title == first_title


def test_undeclared_latin1_is_read_with_a_repair_note():
    records = records_of(FEEDS / "rss-parser/uolNoticias.rss")
    note = records[0]
    assert isinstance(note, Problem) and not note.skipped
    assert "read as windows-1252" in note.reason
    assert all("\ufffd" not in d.title + d.body for d in drafts_of(records))


def test_truncated_feed_is_read_as_far_as_possible():
    origin = (FEEDS / "feed-rs/rss2/rss_2.0_invalid_1.xml").as_posix()
    repaired, skipped = records_of(FEEDS / "feed-rs/rss2/rss_2.0_invalid_1.xml")
    assert repaired == Problem(origin, "not well-formed XML (no element found, line 19); "
                                       "read as far as possible", skipped=False)
    assert skipped == Problem(origin, "feed has no items")


def test_truncated_feed_keeps_the_items_before_the_cut(tmp_path):
    data = (FEEDS / "rss-parser/guardian.rss").read_bytes()
    path = tmp_path / "cut.rss"
    path.write_bytes(data[:len(data) // 2])
    records = records_of(path)
    assert records[0].reason.startswith("not well-formed XML") and not records[0].skipped
    assert 20 < len(drafts_of(records)) < 55


def test_empty_channel_is_one_skipped_problem():
    path = FEEDS / "FeedReader/Rss20DailyMail.xml"
    assert records_of(path) == [Problem(path.as_posix(), "feed has no items")]


def test_xml_that_is_not_a_feed_is_reported_not_guessed(tmp_path):
    path = tmp_path / "sitemap.xml"
    sitemap = b'<?xml version="1.0"?><urlset><url><loc>https://a.example/</loc></url></urlset>'
    path.write_bytes(sitemap)
    assert records_of(path) == [Problem(path.as_posix(),
                                        "content does not look like an RSS, Atom or RDF feed")]
    assert list(read_feed(sitemap, "x.rss")) == [Problem("x.rss", "not an RSS, Atom or RDF feed")]


@pytest.mark.parametrize("head, expected", [
    (b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- c --><rss version="2.0">', True),
    (b'<!DOCTYPE rss [<!ENTITY x "y">]><rss>', True),
    (b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="x">', True),
    (b'<feed xmlns="http://www.w3.org/2005/Atom">', True),
    ('<?xml version="1.0" encoding="UTF-16"?><rss>'.encode("utf-16"), True),
    (b"<!DOCTYPE html><html><body>rss feed</body></html>", False),
    (b"<urlset><url/></urlset>", False),
    (b"not xml", False),
])
def test_looks_like_feed_checks_the_root_element(head, expected):
    assert looks_like_feed(head) is expected


def test_ids_are_stable_across_runs_and_moves(tmp_path):
    """Guids (Reuters) and, without guids, URLs (UOL) give ids that ignore the file's path."""
    for name in ("FeedReader/Rss20Reuters.xml", "rss-parser/uolNoticias.rss"):
        original = FEEDS / name
        moved = tmp_path / "elsewhere" / "renamed.xml"
        moved.parent.mkdir(exist_ok=True)
        shutil.copyfile(original, moved)
        runs = [finish_all(records_of(path)) for path in (original, original, moved)]
        id_lists = [[r.id for r in run if isinstance(r, Article)] for run in runs]
        assert id_lists[0] == id_lists[1] == id_lists[2]
        assert len(set(id_lists[0])) == len(id_lists[0])


def test_an_unreadable_item_date_is_left_empty_never_guessed():
    """feedparser reads this Korean date as 1 November 2004 and drops "PM"; we do neither."""
    rss = """<rss version="2.0"><channel><title>T</title>
      <item><title>A</title><pubDate>2004년 05월 28일  01:31:15</pubDate></item>
      <item><title>B</title><pubDate>Sat, Dec 16 2023 02:02:33 PM</pubDate></item>
      <item><title>C</title><pubDate>Tue, 12 Aug 14:03:00 GMT</pubDate></item>
      </channel></rss>""".encode("utf-8")
    korean, afternoon, no_year = read_feed(rss, "x.rss")
    assert korean.published == datetime(2004, 5, 28, 1, 31, 15)
    assert afternoon.published == datetime(2023, 12, 16, 14, 2, 33)
    assert no_year.published is None and no_year.published_fallback is None
    assert no_year.notes == [Problem("x.rss#item=3", "date 'Tue, 12 Aug 14:03:00 GMT' has no "
                                                     "year; published left empty", skipped=False)]
