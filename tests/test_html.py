"""HTML article pages: metadata from JSON-LD, <meta> and <time>; body; the .html reader."""
from __future__ import annotations

import gzip
import json
import shutil
from datetime import datetime
from pathlib import Path

from index.article import Article, Draft, Problem
from index.html import decode_html, extract_page
from index.pipeline import finish, finish_all
from index.readers import read_path

FUNDUS = Path(__file__).resolve().parents[2] / "shared" / "data" / "html-fundus"
STORY = "".join(f"<p>Paragraph {n} of the story about the harbour, long enough to be text "
                f"that a reader would read, with a few more words in it.</p>" for n in range(1, 7))


def page(head: str = "", body: str = "", lang: str = "en") -> str:
    return (f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'>{head}</head>"
            f"<body><nav><a href='/'>Home</a> <a href='/world'>World</a></nav>{body}</body></html>")


def article(headline: str, extra: str = "") -> str:
    return f"<article><h1>{headline}</h1>{extra}{STORY}</article>"


GRAPH = {"@context": "https://schema.org", "@graph": [
    {"@type": "WebPage", "@id": "https://news.example/a#page", "datePublished": "2020-01-01"},
    {"@type": "Person", "@id": "https://news.example/#/person/1", "name": "Ana Souza"},
    {"@type": "NewsMediaOrganization", "@id": "https://news.example/#org", "name": "Daily Ledger"},
    {"@type": ["NewsArticle"], "headline": "Harbour &#8216;reopens&#8217; after storm",
     "datePublished": "2025-08-12T16:03:00+02:00", "url": "https://news.example/a",
     "author": [{"@id": "https://news.example/#/person/1"}, {"@type": "Person", "name": "Bo Lee"}],
     "publisher": {"@id": "https://news.example/#org"}, "articleSection": ["Local", "Weather"],
     "keywords": "harbour, storms, tag:internal", "inLanguage": "pt-BR"}]}


def test_json_ld_graph_gives_every_field():
    html = page(f"<script type='application/ld+json'>{json.dumps(GRAPH)}</script>"
                "<link rel='canonical' href='/a'>",
                article("Harbour \u2018reopens\u2019 after storm"), lang="")
    got = extract_page(html, "https://news.example/a?utm=x")
    assert got.title == "Harbour \u2018reopens\u2019 after storm"
    assert got.published == datetime(2025, 8, 12, 14, 3)  # +02:00 converted to naive UTC
    assert got.authors == ["Ana Souza", "Bo Lee"]  # the @id reference resolved in the graph
    assert got.source == "Daily Ledger" and got.section == "Local"
    assert got.tags == ["harbour", "storms"]  # a machine code is not a topic
    assert got.language == "pt" and got.url == "https://news.example/a"
    assert got.body.startswith("Paragraph 1 of the story") and "\n\nParagraph 6" in got.body
    assert "Home" not in got.body


def test_open_graph_and_meta_only():
    head = ("<title>Tide tables change | Coast Post</title>"
            "<meta property='og:title' content='Tide tables change | Coast Post'>"
            "<meta property='og:site_name' content='Coast Post'>"
            "<meta property='article:published_time' content='2024-03-05T09:30:00-05:00'>"
            "<meta property='article:section' content='Science'>"
            "<meta property='article:tag' content='tides'><meta property='article:tag' content='sea'>"
            "<meta name='author' content='By Jane Doe and John Roe'>"
            "<meta property='og:url' content='https://coast.example/tides'>")
    got = extract_page(page(head, article("Tide tables change"), lang="en-GB"))
    assert got.title == "Tide tables change"  # the site's name is not part of the headline
    assert got.published == datetime(2024, 3, 5, 14, 30)
    assert got.authors == ["Jane Doe", "John Roe"]
    assert (got.source, got.section, got.tags) == ("Coast Post", "Science", ["tides", "sea"])
    assert got.url == "https://coast.example/tides" and got.language == "en"


def test_a_canonical_link_to_the_front_page_is_not_the_article_url():
    head = "<link rel='canonical' href='https://coast.example/'>"
    assert extract_page(page(head, article("Tide tables change"))).url == ""


def test_time_element_after_the_headline_gives_the_date():
    body = ("<header><time datetime='2026-01-01T00:00:00Z'>Today</time></header>"
            + article("Ferry timetable", "<time datetime='2024-03-05T09:30:00-05:00'>"
                      "March 5</time>"))
    assert extract_page(page("", body)).published == datetime(2024, 3, 5, 14, 30)


def test_a_day_only_date_is_completed_by_a_timed_one_and_none_is_never_invented():
    head = ("<meta name='date' content='2024-03-05'>"
            "<meta property='article:published_time' content='2024-03-05T22:10:00Z'>")
    assert extract_page(page(head, article("Ferry"))).published == datetime(2024, 3, 5, 22, 10)
    assert extract_page(page("", article("Ferry"))).published is None


def test_page_with_no_article_text_is_reported_not_raised():
    html = page("<title>Home | Coast Post</title>", "<ul><li><a href='/a'>A</a></li></ul>")
    got = extract_page(html)
    assert (got.title, got.body) == ("", "")
    records = finish(Draft(origin="front.html", html=html.encode()))
    assert records == [Problem("front.html", "page has no article text")]
    assert extract_page(b"").title == "" and extract_page(b"\x00\x01binary").body == ""


def test_markup_characters_in_a_title_come_out_as_plain_text():
    headline = "&lt;script&gt;alert(1)&lt;/script&gt; Tom &amp; Jerry"
    head = (f"<title>{headline}</title><meta property='og:title' content='{headline}'>"
            "<script>document.write('<p>injected words</p>')</script>")
    got = extract_page(page(head, article(headline)))
    assert got.title == "<script>alert(1)</script> Tom & Jerry"  # text, neither HTML nor escaped
    assert "injected" not in got.body and "&amp;" not in got.body


def test_standfirst_and_headings_belong_to_the_body_but_the_headline_does_not():
    body = ("<article><header><h1>Storm closes harbour</h1>"
            "<div class='article__dek'>Boats stay in port for a third day.</div>"
            "<div class='byline'>By Ana Souza</div></header>"
            f"<div class='article-body'>{STORY}<h2>What happens next</h2>{STORY}</div></article>")
    paragraphs = extract_page(page("", body)).body.split("\n\n")
    assert paragraphs[0] == "Boats stay in port for a third day."
    assert "What happens next" in paragraphs and "Storm closes harbour" not in paragraphs


def test_a_box_of_other_stories_inside_the_article_is_not_body():
    cards = "".join(f"<div class='card'><h3><a href='/s{n}'>Other story {n} about a thing</a></h3>"
                    f"<p>Teaser for other story {n}, one sentence.</p></div>" for n in range(4))
    body = (f"<article><h1>Storm closes harbour</h1><div class='article-body'>{STORY}"
            f"<section><h2>More from Coast Post</h2>{cards}</section>"
            f"{STORY.replace('Paragraph', 'Closing paragraph')}</div></article>")
    text = extract_page(page("", body)).body
    assert "Other story" not in text and "Teaser" not in text and "More from" not in text
    assert "Closing paragraph 6" in text  # the story goes on after the box


def test_embedded_social_posts_are_not_body():
    tweet = ("<blockquote class='twitter-tweet'><p>Someone else's post about the harbour, "
             "quoted in full with its own words.</p>&mdash; Someone (@someone)</blockquote>")
    body = f"<article><h1>Harbour</h1>{STORY}{tweet}{STORY}</article>"
    assert "Someone" not in extract_page(page("", body)).body


def test_charset_decoding():
    assert decode_html("caf\u00e9 \u2019".encode("utf-8")) == "caf\u00e9 \u2019"
    declared = b"<meta charset='windows-1252'><p>It\x92s</p>"
    assert "It\u2019s" in decode_html(declared)
    lying = "<meta charset='iso-8859-1'><p>caf\u00e9</p>".encode("utf-8")
    assert "caf\u00e9" in decode_html(lying)  # valid UTF-8 wins over a wrong declaration


def fundus(name: str) -> tuple[bytes, dict]:
    """A fundus page and its gold record (n-th JSON key = n-th page in date order)."""
    path = next(FUNDUS.glob(f"*/{name}"))
    publisher = name.rsplit("_", 3)[0]
    pages = sorted(path.parent.glob(f"{publisher}_*.html.gz"))
    gold = json.loads((path.parent / f"{publisher}.json").read_text("utf-8"))
    return gzip.decompress(path.read_bytes()), list(gold.values())[pages.index(path)]


def test_real_fundus_page_through_the_pipeline():
    html, gold = fundus("Reuters_2024_03_07.html.gz")
    article_ = next(r for r in finish(Draft(origin="r.html", html=html)) if isinstance(r, Article))
    assert article_.title == gold["title"]
    assert article_.published == datetime(2024, 3, 7, 7, 55, 25)
    assert list(article_.authors) == gold["authors"] == ["Maya Gebeily", "Anthony Deutsch"]
    assert gold["body"]["summary"][0] in article_.body  # the standfirst is body text


def test_real_fundus_page_with_a_chunked_body_and_dek():
    html, gold = fundus("TheNewYorker_2023_05_16.html.gz")
    got = extract_page(html)
    last = gold["body"]["sections"][-1]["paragraphs"][-1]
    assert got.body.split("\n\n")[0] == gold["body"]["summary"][0]
    assert " ".join(last.split()) in got.body  # the third chunk of the story is there
    assert got.published == datetime(2023, 4, 25, 10, 0) and got.authors == ["Rachel Riederer"]


def test_reader_registers_html_and_checks_content(tmp_path):
    source = next(FUNDUS.glob("*/OttawaCitizen_*.html.gz"))
    shutil.copy(source, tmp_path / "story.html.gz")
    (tmp_path / "page.htm").write_text(page("", article("Short story")), "utf-8")
    (tmp_path / "fake.html").write_text('{"not": "html"}', "utf-8")
    records = finish_all([r for p in sorted(tmp_path.iterdir()) for r in read_path(p)])
    by_origin = {Path(r.origin).name: r for r in records}
    assert by_origin["fake.html"] == Problem(str(tmp_path / "fake.html"),
                                             "content does not look like an HTML page")
    assert by_origin["page.htm"].title == "Short story"
    citizen = by_origin["story.html.gz"]
    assert citizen.title.startswith("IRCC gave up office space")
    assert citizen.id.startswith("url:")  # the canonical URL names the page, wherever the file is
