"""Reuters-21578 SGML: tolerant record parsing and the code-to-name table."""
from __future__ import annotations

import gzip
from datetime import datetime

import pytest

from index.article import Article, Problem
from index.pipeline import finish_all
from index.readers.reuters import body_paragraphs, parse_date, read_reuters
from index.reuters_codes import TABLE_PATH, build_table, display_name, format_table
from tests.conftest import REUTERS_000, SAMPLE

RECORD = b"""<!DOCTYPE lewis SYSTEM "lewis.dtd">
<REUTERS TOPICS="YES" LEWISSPLIT="TRAIN" CGISPLIT="TRAINING-SET" OLDID="5544" NEWID="42">
<DATE>27-MAR-1987 00:02:59.13&#5;&#5;&#5;RM</DATE>
<TOPICS><D>money-fx</D><D>cocoa</D></TOPICS>
<PLACES><D>west-germany</D><D>usa</D></PLACES>
<PEOPLE><D>reagan</D><D>james-baker</D></PEOPLE>
<ORGS><D>opec</D><D>ec</D></ORGS>
<EXCHANGES><D>nyse</D></EXCHANGES>
<COMPANIES></COMPANIES>
<UNKNOWN>&#5;&#5;&#5;C T&#22;&#22;&#1;f0704&#31;reute</UNKNOWN>
<TEXT>&#2;
<TITLE>U.S. &lt;AMERICAN&gt; SAYS DOLLAR &amp; TRADE TALKS GO ON</TITLE>
<AUTHOR>    By Jane Doe, Reuters</AUTHOR>
<DATELINE>    WASHINGTON, March 27 - </DATELINE><BODY>Treasury Secretary James Baker said
talks would continue\xfc next week.
    A second paragraph starts with an indent
and wraps onto this line.
 Reuter
&#3;</BODY></TEXT>
</REUTERS>
<REUTERS TOPICS="NO" NEWID="43">
<DATE>31-MAR-1987 605:12:19.12</DATE>
<TEXT TYPE="BRIEF">&#2;
<TITLE>BRIEF HEADLINE ONLY</TITLE>
&#3;</TEXT>
</REUTERS>
<REUTERS TOPICS="NO" NEWID="44">
<DATE> 3-APR-1987 07:09:06.48</DATE>
<TEXT TYPE="UNPROC">&#2;
&#3;
</TEXT>
</REUTERS>
<REUTERS TOPICS="NO" NEWID="45">
<DATE>not a date</DATE>
<TEXT TYPE="UNPROC">&#2;
FEDERAL RESERVE WEEKLY REPORT
 Net free reserves....644 vs....1,337
&#3;</TEXT>
</REUTERS>
<REUTERS NEWID="46">
<DATE>1-APR-1987 10:00:00.00</DATE>
<TEXT><TITLE>CUT OFF</TITLE>"""


@pytest.fixture(scope="module")
def records():
    return finish_all(list(read_reuters(RECORD, "test.sgm")))


def articles_of(records) -> dict[str, Article]:
    return {r.id: r for r in records if isinstance(r, Article)}


def test_full_record_maps_every_field(records):
    article = articles_of(records)["reuters21578:42"]
    assert article.title == "U.S. <AMERICAN> SAYS DOLLAR & TRADE TALKS GO ON"
    assert article.published == datetime(1987, 3, 27, 0, 2, 59, 130000)
    assert article.source == "Reuters"
    assert article.dateline == "Washington"
    assert article.authors == ("Jane Doe",)
    assert article.tags == ("money-fx", "cocoa")
    assert article.people == ("Reagan", "James Baker")
    assert article.organizations == ("OPEC", "European Community", "New York Stock Exchange")
    assert article.places[:2] == ("West Germany", "United States")  # the tags, then the text's
    assert article.dateline == "Washington" and "Washington" in article.places
    assert article.origin == "test.sgm#NEWID=42"
    assert article.title_derived is False


def test_body_keeps_paragraphs_drops_noise_and_signature(records):
    body = articles_of(records)["reuters21578:42"].body
    assert body == ("Treasury Secretary James Baker said talks would continue next week.\n\n"
                    "A second paragraph starts with an indent and wraps onto this line.")


def test_brief_record_has_title_and_empty_body_and_day_kept(records):
    brief = articles_of(records)["reuters21578:43"]
    assert brief.title == "BRIEF HEADLINE ONLY" and brief.body == ""
    assert brief.published == datetime(1987, 3, 31)
    assert any(p.origin.endswith("NEWID=43") and not p.skipped and "kept the day" in p.reason
               for p in records if isinstance(p, Problem))


def test_unproc_record_gets_a_derived_title_and_its_table(records):
    unproc = articles_of(records)["reuters21578:45"]
    assert unproc.title == "FEDERAL RESERVE WEEKLY REPORT" and unproc.title_derived
    assert "Net free reserves....644" in unproc.body
    assert unproc.published is None


def test_broken_records_are_reported_not_fatal(records):
    problems = {p.origin: p for p in records if isinstance(p, Problem)}
    assert problems["test.sgm#NEWID=44"].skipped  # neither title nor body
    assert "truncated" in problems["test.sgm#record=5"].reason
    assert problems["test.sgm#NEWID=45"].reason.startswith("unreadable DATE")
    assert not problems["test.sgm"].skipped  # the stray byte was dropped, the file kept
    assert set(articles_of(records)) == {"reuters21578:42", "reuters21578:43",
                                          "reuters21578:45"}


@pytest.mark.parametrize("raw, expected", [
    ("26-FEB-1987 15:01:01.79", datetime(1987, 2, 26, 15, 1, 1, 790000)),
    (" 3-MAR-1987  09:15:05.40", datetime(1987, 3, 3, 9, 15, 5, 400000)),
    ("27-MAR-1987 00:03:35.68\x05F", datetime(1987, 3, 27, 0, 3, 35, 680000)),
])
def test_parse_date_tolerates_padding_and_junk(raw, expected):
    assert parse_date(raw) == (expected, None)


def test_parse_date_refuses_nonsense():
    with pytest.raises(ValueError):
        parse_date("31-XYZ-1987")


def test_body_paragraphs_rejoins_wrapped_lines():
    assert body_paragraphs("one\ntwo\n    three\nfour") == ["one two", "three four"]


def test_real_file_yields_its_thousand_stories_in_order():
    records = finish_all(list(read_reuters(gzip.decompress(REUTERS_000.read_bytes()),
                                           "reut2-000")))
    articles = [r for r in records if isinstance(r, Article)]
    assert len(articles) == 1000
    assert articles[0].id == "reuters21578:1" and articles[0].title == "BAHIA COCOA REVIEW"
    assert articles[0].places[:3] == ("El Salvador", "United States", "Uruguay")
    assert articles[0].dateline == "Salvador"
    assert all("&#" not in a.body and "\x03" not in a.body for a in articles)


@pytest.mark.parametrize("kind, code, name", [
    ("places", "west-germany", "West Germany"), ("places", "usa", "United States"),
    ("places", "uk", "United Kingdom"), ("organizations", "opec", "OPEC"),
    ("organizations", "ec", "European Community"), ("organizations", "imf",
                                                      "International Monetary Fund"),
    ("people", "reagan", "Reagan"), ("people", "james-baker", "James Baker"),
    ("people", "perez-de-cuellar", "Perez de Cuellar"), ("people", "lee-teng-hui", "Lee Teng-hui"),
    ("exchanges", "lme", "London Metal Exchange"),
])
def test_display_names(kind, code, name):
    assert display_name(kind, code) == name


def test_unknown_code_is_title_cased_not_dropped():
    assert display_name("places", "atlantis-major") == "Atlantis Major"


def test_committed_table_is_what_the_distribution_files_give():
    rows = build_table(SAMPLE / "reuters21578")
    assert len(rows) == 267 + 56 + 175 + 39  # people, orgs, places, exchanges
    assert TABLE_PATH.read_text("utf-8") == format_table(rows), \
        "run python scripts/build_reuters_codes.py"
