"""JSON and CSV files as input: objects and rows to Drafts, aliases, bad input reported."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from index.article import Draft, Problem
from index.readers import read_path


def read(tmp_path: Path, name: str, content: str | bytes) -> list[Draft | Problem]:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return list(read_path(path))


def drafts(records) -> list[Draft]:
    return [r for r in records if isinstance(r, Draft)]


# JSON

def test_json_object_is_one_article(tmp_path):
    records = read(tmp_path, "one.json", json.dumps(
        {"id": "a-1", "headline": "Rates fall", "content": "<p>Banks cut.</p><p>Again.</p>",
         "pubDate": "2025-08-12T14:03:00+02:00", "publisher": "Example", "author": "A. Writer"}))
    (draft,) = records
    assert draft.origin == (tmp_path / "one.json").as_posix()
    assert (draft.own_id, draft.title, draft.body) == ("a-1", "Rates fall", "Banks cut.\n\nAgain.")
    assert draft.published == datetime(2025, 8, 12, 12, 3)
    assert (draft.source, draft.authors) == ("Example", ["A. Writer"])


def test_json_array_uses_aliases_and_reports_non_objects(tmp_path):
    records = read(tmp_path, "many.json", json.dumps([
        {"title": "First", "text": "One.", "link": "https://x.example/1", "keywords": ["a", "b"],
         "lang": "de", "date": "mer, 16 nov 2022 00:38:15 +0100"},
        42,
        {"headline": "Third", "publication_date": "August 12, 2025"},
    ]))
    first, problem, third = records
    origin = (tmp_path / "many.json").as_posix()
    assert first.origin == f"{origin}#item=1"
    assert (first.url, first.tags, first.language) == ("https://x.example/1", ["a", "b"], "de")
    assert first.published == datetime(2022, 11, 15, 23, 38, 15)
    assert problem == Problem(f"{origin}#item=2", "expected a JSON object, got int")
    assert (third.origin, third.title, third.published) == (
        f"{origin}#item=3", "Third", datetime(2025, 8, 12))


def test_invalid_json_is_one_problem_with_the_position(tmp_path):
    records = read(tmp_path, "bad.json", '[{"title": "A"},\n {"title": "B",}]')
    assert records == [Problem((tmp_path / "bad.json").as_posix(),
                               "not valid JSON (Expecting property name enclosed in double "
                               "quotes: line 2, column 16, character 32)")]


def test_json_lines_in_a_json_file_is_read_with_a_note(tmp_path):
    records = read(tmp_path, "lines.json", '{"title": "A"}\n{"title": "B"}\n')
    assert not records[0].skipped and "JSON Lines" in records[0].reason
    assert [d.title for d in drafts(records)] == ["A", "B"]


def test_wrapper_object_with_one_article_array(tmp_path):
    records = read(tmp_path, "api.json", json.dumps(
        {"status": "ok", "totalResults": 2, "articles": [{"title": "A"}, {"title": "B"}]}))
    assert [(d.origin.rsplit("#", 1)[1], d.title) for d in drafts(records)] == [
        ("item=1", "A"), ("item=2", "B")]


# CSV

CSV_TEXT = (
    ' Headline ,TEXT,Link,pubDate,Authors,Keywords,Publisher\r\n'
    'Rates fall,"Banks cut rates.\r\n\r\nMarkets rose.",https://x.example/1,'
    '"Tue, 12 Aug 2025 14:03:00 EDT","Smith, John; Doe, Jane","rates, banks",Example\r\n'
    'Short row,Only a body\r\n'
    ',,https://x.example/3\r\n'
    'Long row,Body,https://x.example/4,2025-01-01,A,b,Example,surplus\r\n'
)


def test_csv_header_aliases_quoted_newlines_and_lists(tmp_path):
    first = drafts(read(tmp_path, "a.csv", CSV_TEXT))[0]
    assert first.origin == f"{(tmp_path / 'a.csv').as_posix()}#row=1"
    assert (first.title, first.url, first.source) == ("Rates fall", "https://x.example/1",
                                                      "Example")
    assert first.body == "Banks cut rates.\n\nMarkets rose."  # a quoted newline kept
    assert first.published == datetime(2025, 8, 12, 18, 3)
    assert first.authors == ["Smith, John", "Doe, Jane"]  # ";" wins over ","
    assert first.tags == ["rates", "banks"]


def test_csv_rows_with_missing_or_extra_fields_are_reported(tmp_path):
    records = read(tmp_path, "a.csv", CSV_TEXT)
    origin = (tmp_path / "a.csv").as_posix()
    short, skipped, long = records[1:]
    assert short.title == "Short row" and short.body == "Only a body"
    assert short.notes == [Problem(f"{origin}#row=2", "row has 2 fields, the header 7; "
                                                      "missing ones left empty", skipped=False)]
    assert skipped == Problem(f"{origin}#row=3", "row has 3 fields, the header 7; missing "
                                                 "ones left empty; and it has neither a title "
                                                 "nor a body")
    assert long.notes[0].reason == "row has 8 fields, the header 7; extra ones ignored"


def test_csv_semicolon_dialect_and_a_huge_field(tmp_path):
    huge = "word " * 1_200_000  # 6 MB in one field, far above the csv module's default limit
    records = read(tmp_path, "big.csv", f'title;body\nBig one;"{huge}"\nSmall;text\n')
    big, small = records
    assert big.title == "Big one" and len(big.body) == len(huge.strip())
    assert (small.title, small.body) == ("Small", "text")


def test_csv_without_title_or_body_columns_is_one_problem(tmp_path):
    records = read(tmp_path, "x.csv", "name,price\nwidget,3\n")
    assert len(records) == 1 and records[0].skipped
    assert records[0].reason.startswith("header names no title or body column")


@pytest.mark.parametrize("name, content, reason", [
    ("bin.csv", b"title\x00\x01\x02", "content does not look like CSV"),
    ("page.json", b"<html></html>", "content does not look like JSON"),
])
def test_content_check(tmp_path, name, content, reason):
    assert read(tmp_path, name, content) == [Problem((tmp_path / name).as_posix(), reason)]
