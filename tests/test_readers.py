"""Source expansion and the JSON Lines and plain-text readers (pure, no index)."""
from __future__ import annotations

import gzip
import shutil
from datetime import datetime

from index import ids
from index.article import Article, Problem
from index.pipeline import finish_all
from index.readers import expand_sources
from index.readers import read_path as read_drafts
from index.readers.plaintext import read_text
from index.records import draft_from_mapping
from index.text import derive_title


def read_path(path):
    """Records as the writer receives them: read, then finished by the pipeline."""
    return finish_all(list(read_drafts(path)))


def article_from_mapping(obj, origin):
    return finish_all(list(draft_from_mapping(obj, origin)))
from tests.conftest import ARTICLES, SAMPLE, SEED


def only_articles(records) -> list[Article]:
    return [r for r in records if isinstance(r, Article)]


def test_jsonl_reads_articles_and_reports_bad_lines():
    records = list(read_path(ARTICLES))
    articles = only_articles(records)
    problems = [r for r in records if isinstance(r, Problem)]
    assert len(articles) == 12  # 14 lines: one is not JSON, one has no title or body
    assert [p.reason for p in problems if p.skipped] == [
        "line is not valid JSON (Unterminated string starting at, column 29)",
        "record has neither a title nor a body"]
    assert problems[0].origin.endswith("articles.jsonl#line=12")
    repaired = [p for p in problems if not p.skipped]
    assert len(repaired) == 1 and "sometime soon" in repaired[0].reason


def test_key_aliases_and_timezone_conversion():
    article = only_articles(article_from_mapping({
        "id": "a1", "headline": "H", "text": "Body.", "date": "Tue, 12 Aug 2025 14:03:00 +0200",
        "publisher": "Daily Ledger", "keywords": "chocolate, retail", "lang": "EN",
        "byline": "A. Writer", "link": "https://example.com/x"}, "o"))[0]
    assert (article.title, article.body, article.source) == ("H", "Body.", "Daily Ledger")
    assert article.published == datetime(2025, 8, 12, 12, 3)  # converted to UTC
    assert article.tags == ("chocolate", "retail") and article.language == "en"
    assert article.authors == ("A. Writer",) and article.url == "https://example.com/x"


def test_id_rules():
    own = only_articles(article_from_mapping({"id": "has spaces/x", "title": "T"}, "o"))[0]
    assert ids.is_valid_id(own.id) and own.source_id == "has spaces/x"
    by_url = only_articles(article_from_mapping(
        {"url": "https://Example.com/a/", "title": "T"}, "o"))[0]
    same_url = only_articles(article_from_mapping(
        {"url": "https://example.com/a#top", "title": "Other"}, "o"))[0]
    assert by_url.id == same_url.id and by_url.id.startswith("url:")
    by_text = only_articles(article_from_mapping({"title": "T", "body": "B b"}, "o"))[0]
    assert by_text.id == ids.content_id("t", "b  B") and by_text.id.startswith("text:")


def test_names_lose_commas_and_duplicates():
    article = only_articles(article_from_mapping(
        {"title": "T", "people": ["Kim, Jong Un", "Kim, Jong Un", {"name": "Putin"}]}, "o"))[0]
    assert article.people == ("Kim Jong Un", "Putin")


def test_plain_text_article_gets_derived_title_and_stable_id(tmp_path):
    article = only_articles(read_path(SEED))[0]
    assert article.title_derived
    assert article.title.startswith("North Korean Supreme Leader Kim Jong Un spoke with")
    assert article.source == "" and article.published is None
    assert "Kursk" in article.body and "\n\n" in article.body
    moved = tmp_path / "elsewhere" / "renamed.txt"
    moved.parent.mkdir()
    shutil.copy(SEED, moved)
    assert only_articles(read_path(moved))[0].id == article.id


def test_derived_title_is_first_sentence_or_shortened():
    assert derive_title("Short one. Then more.") == "Short one"
    long = "word " * 60
    title = derive_title(long)
    assert len(title) <= 140 and title.endswith("\u2026")
    assert list(read_text("   \n  ", "empty.txt"))[0].reason == "file has no text"


def test_directory_walk_honours_morgueignore():
    files, problems = expand_sources([str(SAMPLE)])
    names = [f.name for f in files]
    assert problems == []
    assert names[0] == "north-korea-russia-alaska-summit.txt"
    assert len(names) == 23 and all(n.endswith(".sgm.gz") for n in names[1:])


def test_missing_unknown_and_glob_sources(tmp_path):
    (tmp_path / "notes.md").write_text("# not an article")
    (tmp_path / "a.jsonl").write_text('{"title": "A"}\n')
    files, problems = expand_sources([str(tmp_path / "nope"), str(tmp_path / "notes.md"),
                                      str(tmp_path / "*.jsonl"), str(tmp_path / "*.csv")])
    assert files == [tmp_path / "a.jsonl"]
    assert [p.reason for p in problems] == [
        "no such file or directory", "unsupported file type (see README: input formats)",
        "pattern matches no readable files"]


def test_gzip_corrupt_and_wrong_content(tmp_path):
    good = tmp_path / "good.jsonl.gz"
    good.write_bytes(gzip.compress(b'{"title": "Zipped"}\n'))
    assert only_articles(read_path(good))[0].title == "Zipped"
    corrupt = tmp_path / "bad.jsonl.gz"
    corrupt.write_bytes(gzip.compress(b'{"title": "x"}\n' * 50)[:40])
    records = read_path(corrupt)
    assert "corrupt gzip data after" in records[0].reason
    wrong = tmp_path / "wrong.sgm"
    wrong.write_text("just some words")
    (problem,) = read_path(wrong)
    assert problem.reason == "content does not look like Reuters-21578 SGML"


def test_invalid_utf8_is_read_and_reported(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes("Caf\u00e9 society returns to Z\u00fcrich.".encode("cp1252"))
    records = list(read_path(path))
    assert "not valid UTF-8 in 2 place(s)" in records[0].reason and not records[0].skipped
    assert records[1].body == "Caf\u00e9 society returns to Z\u00fcrich."
