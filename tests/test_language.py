"""Language detection: short and unclear texts abstain; real feed items and wire copy are right."""
from __future__ import annotations

import gzip
from pathlib import Path

import feedparser
import pytest

from index.article import Draft
from index.htmltext import html_to_text
from index.language import MAX_CHARS, detect_language
from index.readers.reuters import read_reuters
from tests.conftest import REUTERS_000

FEEDS = Path(__file__).resolve().parents[2] / "shared" / "data" / "feeds"


@pytest.mark.parametrize("text", ["", "   ", "Putin", "Leia mais", "12,500 vs 9,800",
                                  "Shr 81 cts vs 57 cts\n\nNet 3,660,273 vs 2,437,914"])
def test_too_short_or_unclear_is_empty(text):
    assert detect_language(text) == ""


@pytest.mark.parametrize("text, code", [
    ("The president said on Tuesday that the talks would continue next week.", "en"),
    ("Der Bundestag hat am Donnerstag ein neues Gesetz zur Energiepolitik beschlossen.", "de"),
    ("O governo anunciou ontem novas medidas para conter a inflação no país.", "pt"),
    ("Il governo ha approvato ieri una nuova legge sul lavoro e sulle pensioni.", "it"),
    ("Президент заявил во вторник, что переговоры продолжатся на следующей неделе.", "ru"),
    ("KIM JONG UN SPEAKS WITH PUTIN AHEAD OF THE ALASKA SUMMIT\n\n"
     "North Korean leader Kim Jong Un spoke with Russian President Vladimir Putin.", "en"),
])
def test_languages(text, code):
    assert detect_language(text) == code


def test_long_text_is_capped_and_mixed_text_follows_its_start():
    english = "The central bank left interest rates unchanged on Thursday. " * 200
    german = "Die Zentralbank hat die Zinsen am Donnerstag nicht verändert. " * 200
    assert len(english) > MAX_CHARS
    assert detect_language(english + german) == "en"
    assert detect_language(german + english) == "de"


@pytest.mark.parametrize("feed, code", [
    ("FeedReader/Rss10OrfAt.xml", "de"), ("miniflux/rdf_UTF8.xml", "de"),
    ("rss-parser/encoding.rss", "pt"), ("rss-parser/uolNoticias.rss", "pt"),
    ("feed-rs/rss2/rss_2.0_ilmessaggero.xml", "it"), ("node-feedparser/iconv.xml", "ru"),
    ("miniflux/urdu_UTF8.xml", "ur"), ("rss-parser/guardian.rss", "en"),
    ("FeedReader/Rss20MoscowTimes.xml", "en"),
])
def test_real_feed_items(feed, code):
    """Headline and summary of each item: never a wrong language, and most items answered."""
    entries = feedparser.parse(FEEDS / feed).entries
    texts = [f"{e.get('title', '')}\n\n{html_to_text(e.get('summary') or '')}" for e in entries]
    found = [detect_language(text) for text in texts]
    assert entries and set(found) <= {code, ""}
    assert found.count(code) >= 0.9 * len(found)


def test_reuters_stories_are_english():
    drafts = [d for d in read_reuters(gzip.decompress(REUTERS_000.read_bytes()), "r")
              if isinstance(d, Draft)][:300]
    found = [detect_language(f"{d.title}\n\n{d.body}") for d in drafts]
    assert set(found) <= {"en", ""}
    assert found.count("en") >= 0.85 * len(found)
