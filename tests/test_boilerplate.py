"""Boilerplate removal: each rule on a small example, the seed article, real copy left whole."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from index.article import Draft
from index.boilerplate import remove_boilerplate
from index.readers.plaintext import read_text
from index.readers.reuters import read_reuters
from tests.conftest import REUTERS_000, SEED

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
PROSE_BEFORE = ("The minister said on Tuesday that the talks with the unions would resume next "
                "week in the capital.")
PROSE_AFTER = ("Union leaders have warned that they will strike again if the government does not "
               "raise its offer.")


def kept(*paragraphs: str) -> list[str]:
    return remove_boilerplate([PROSE_BEFORE, *paragraphs, PROSE_AFTER])


@pytest.mark.parametrize("line", [
    "Advertisement", "ADVERTISEMENT", "Story continues below advertisement",
    "- Advertisement 1Story continues below", "Share this article", "Facebook Twitter Email",
    "Sign up for our daily newsletter", "Subscribe to our newsletter for the latest news.",
    "Get the latest headlines in your inbox. Sign up for the newsletter.",
    "Follow us on Twitter", "Follow Jane Doe on Twitter.", "Click here to get the app",
    "CLICK HERE TO GET THE FOX NEWS APP",
    "We use cookies to improve your experience. By continuing to use this site you agree.",
    "Copyright 2024 The Associated Press. All rights reserved.", "\u00a9 2025 Reuters",
    "Photo: Evan Vucci/AP", "(Photo by John Doe/Getty Images)", "Image source, Getty Images",
    "Protesters gather outside parliament (AP Photo/Jane Doe)", "John Doe/Getty Images",
    "Read more: Talks collapse as unions walk out", "Related: How the strike began",
    "Continue reading...", "Read full article >>",
    "Our Standards: The Thomson Reuters Trust Principles.",
    "Reporting by Jane Doe; Editing by John Roe", "Email: jdoe@example.com",
    "Postmedia may earn an affiliate commission from purchases made through links on this page.",
    "Mehr zum Thema: Streik bei der Bahn", "Leia mais: Greve continua", "Anzeige", "Publicidade",
])
def test_furniture_lines_go(line):
    assert kept(line) == [PROSE_BEFORE, PROSE_AFTER]


@pytest.mark.parametrize("heading", ["Recommended Stories", "Related Articles", "More stories",
                                     "Read more:", "See also", "You may also like",
                                     "Mehr zum Thema", "Leia mais", "Leggi anche"])
def test_related_block_goes_with_its_links(heading):
    links = ["- Strike spreads to the ports", "Unions reject the latest pay offer",
             "\u2022 What the strike means for commuters"]
    assert kept(heading, *links) == [PROSE_BEFORE, PROSE_AFTER]


def test_related_block_ends_at_the_first_real_paragraph():
    sentence = "The strike began on Monday."
    assert kept("Related", "- Strike spreads to the ports", sentence) == [
        PROSE_BEFORE, sentence, PROSE_AFTER]


def test_stray_headline_between_prose_goes():
    assert kept("STRIKE SPREADS TO THE PORTS AS UNIONS REJECT OFFER") == [PROSE_BEFORE, PROSE_AFTER]
    title_case = "Strike Spreads to the Ports as Unions Reject Latest Offer From Ministers"
    assert kept(title_case) == [PROSE_BEFORE, PROSE_AFTER]


@pytest.mark.parametrize("line", [
    "What Happens Next",  # an article's own sub-heading: short Title Case
    "Why the Strike Matters for Commuters",
    "STRIKE TALKS",  # too short to be a headline
    "Terms were not disclosed",  # sentence case
    "(SEE ECRA FOR SPOTLIGHT HEADLINES)",  # a wire pointer, not a headline
    "EAST WEST U.S. 1-2 210-250 LB 49.50-50.50 49.50-50.50",  # a price table row
    "The newsletter, Vision, will be published every three weeks.",
    "Photo Moto recorded a net loss for the first quarter.",
    "Getty said it plans to use the money for mineral projects.",
    "Subscribers to the service rose 12 pct, the company said.",
    "Click",
])
def test_article_lines_stay(line):
    assert kept(line) == [PROSE_BEFORE, line, PROSE_AFTER]


def test_headline_shape_is_left_alone_outside_prose():
    table = ["Shr 81 cts vs 57 cts", "Net 3,660,273 vs 2,437,914",
             "SIX MONTHS ENDED JANUARY THIRTY FIRST", "Shr 29 cts vs 12 cts"]
    assert remove_boilerplate(table) == table


def test_seed_article_loses_boilerplate_and_nothing_else():
    draft = next(read_text(SEED.read_text("utf-8"), str(SEED)))
    paragraphs = draft.body.split("\n\n")
    result = remove_boilerplate(paragraphs)
    removed = [p for p in paragraphs if p not in result]
    assert removed == [
        "Recommended Stories",
        "- Zelensky touts Erdogan\u2019s support for Ukraine\u2019s presence in peace negotiations",
        "- US planning corridor from Israel into Syria for humanitarian aid to Druze",
        "- US designates Pakistani separatist group Balochistan Liberation Army as terrorists "
        "following resource deal",
        "ZELENSKY TOUTS ERDOGAN\u2019S SUPPORT FOR UKRAINE\u2019S PRESENCE IN PEACE NEGOTIATIONS",
    ]
    assert result == [p for p in paragraphs if p not in removed]  # order kept, all else kept
    text = " ".join(result)
    for gone in ("Erdogan", "Druze", "Balochistan", "Israel"):
        assert gone not in text
    assert "Volodin" in text and "listening exercise" in text and "Kursk" in text


def test_reuters_bodies_come_through_whole():
    drafts = [d for d in read_reuters(gzip.decompress(REUTERS_000.read_bytes()), "r")
              if isinstance(d, Draft)]
    assert len(drafts) > 900
    changed = [d.origin for d in drafts
               if remove_boilerplate(d.body.split("\n\n"), d.title) != d.body.split("\n\n")]
    assert changed == []


def test_fundus_gold_bodies_lose_nothing():
    """Real article text from 17 publishers, with sub-headings: every paragraph stays."""
    total = 0
    for gold in sorted((SHARED / "html-fundus").glob("*/*.json")):
        for version in json.loads(gold.read_text("utf-8")).values():
            body = version["body"]
            paragraphs = list(body.get("summary", []))
            for section in body["sections"]:
                paragraphs += section.get("headline", []) + section["paragraphs"]
            assert remove_boilerplate(paragraphs) == paragraphs, gold.name
            total += len(paragraphs)
    assert total > 1000
