"""HTML pages through the real app, parsed: what a reader sees, and that it is safe."""
from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from index import writer
from index.pipeline import iter_records
from index.readers import expand_sources
from webui import create_app
from webui.timeline import layout

BROWSER_DATA = Path(__file__).resolve().parent / "data" / "browser.jsonl"


def add_browser_data(small_index: Path, copy: Path) -> Path:
    """A copy of the small index plus hostile records and an Urdu story (tests/data/browser.jsonl).

    A copy, so the other tests' shared index keeps its counts.
    """
    shutil.copytree(small_index, copy)
    files, _ = expand_sources([str(BROWSER_DATA)])
    tally, _ = writer.update_in_place(copy, iter_records(files))
    assert tally.indexed == 3, tally
    return copy


@pytest.fixture(scope="module")
def hostile_client(small_index, tmp_path_factory):
    index_dir = add_browser_data(small_index, tmp_path_factory.mktemp("pages") / "index")
    return create_app({"INDEX_DIR": str(index_dir)}).test_client()


class Page(HTMLParser):
    """Collects the text, links, tags, attributes and any <script> elements of a page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.text: list[str] = []
        self.links: list[str] = []
        self.tags: list[str] = []
        self.attrs: list[tuple[str, dict]] = []
        self.scripts = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.append((tag, dict(attrs)))
        self.scripts += tag == "script"
        href = dict(attrs).get("href")
        if href:
            self.links.append(href)

    def handle_data(self, data):
        self.text.append(data)

    @property
    def plain(self) -> str:
        return " ".join(" ".join(self.text).split())

    def having(self, name: str, value: str | None = None) -> list[tuple[str, dict]]:
        """Elements with attribute `name` (equal to `value`, when given)."""
        return [(tag, attrs) for tag, attrs in self.attrs
                if name in attrs and (value is None or attrs[name] == value)]


def get_page(client, url: str, status: int = 200) -> Page:
    response = client.get(url)
    assert response.status_code == status, response.data[:500]
    assert response.content_type == "text/html; charset=utf-8"
    return Page(response.get_data(as_text=True))


def query_of(link: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(link).query)


def test_home_page_offers_the_search_box(client):
    page = get_page(client, "/")
    assert "input" in page.tags and "Search" in page.plain
    assert "articles" in page.plain
    assert "/help" in page.links  # the syntax help, one click away


def test_results_page_lists_titles_dates_sources_and_snippets(client):
    page = get_page(client, "/search?q=cocoa&page_size=3")
    assert "BAHIA COCOA REVIEW" in page.plain
    assert "26 Feb 1987, 15:01 UTC" in page.plain and "Reuters" in page.plain
    assert "mark" in page.tags
    assert any(link.startswith("/articles/reuters21578%3A1?q=cocoa") or
               link.startswith("/articles/reuters21578:1?q=cocoa") for link in page.links)
    assert any("page=2" in link for link in page.links)
    assert "6 results" in page.plain and " ms" in page.plain  # the count and the timing


def test_results_page_links_to_its_json_atom_and_csv_twins(client):
    page = get_page(client, "/search?q=cocoa&page_size=3&source=Reuters")
    assert "/api/v1/search?q=cocoa&page_size=3&source=Reuters" in page.links
    assert "/api/v1/search?q=cocoa&page_size=3&source=Reuters&format=atom" in page.links
    assert "/api/v1/search?q=cocoa&page_size=3&source=Reuters&format=csv" in page.links
    actor = get_page(client, "/actors/place/Ivory%20Coast")
    assert any(link.startswith("/api/v1/search?") and "place=Ivory+Coast" in link
               and link.endswith("format=atom") for link in actor.links)


def test_result_cards_carry_actor_chips_and_syndicated_copies(client):
    page = get_page(client, "/search?q=rates+central+bank")
    assert "/actors/person/Maria%20Lopez" in page.links
    assert "details" in page.tags and "Also in 2 other outlets" in page.plain
    copies = [link for link in page.links
              if query_of(link).get("q") == ['cluster:"t-syn-1"']]
    assert {tuple(query_of(link).get("source", [])) for link in copies} == \
        {(), ("Daily Ledger",), ("Le Temps",)}
    every_copy = get_page(client, next(link for link in copies if "source" not in link))
    assert "3 results" in every_copy.plain


def test_article_text_carries_its_language_and_direction(client):
    page = get_page(client, "/search?q=berlin")
    assert page.having("lang", "de") and all(
        attrs.get("dir") == "auto" for _tag, attrs in page.having("lang", "de"))
    article = get_page(client, "/articles/t-de-1")
    assert {tag for tag, _attrs in article.having("lang", "de")} >= {"h1", "div"}


def test_facet_sidebar_lists_sources_people_organisations_places_and_topics(client):
    page = get_page(client, "/search?q=cocoa")
    for heading in ("Sources", "People", "Organisations", "Places", "Topics", "Dates"):
        assert heading in page.plain
    for name, value in (("person", "Jane Smith"), ("organization", "International Cocoa "
                        "Organisation"), ("place", "Ivory Coast"), ("tag", "cocoa")):
        assert any(query_of(link).get(name) == [value] for link in page.links), name


def test_facet_links_filter_and_unfilter(client):
    page = get_page(client, "/search?q=cocoa")
    source_link = next(link for link in page.links if "source=Wire+Desk" in link)
    filtered = get_page(client, source_link)
    assert "1 result" in filtered.plain and "Source: Wire Desk" in filtered.plain
    assert filtered.links.count("/search?q=cocoa") == 2  # the chip and the facet, to remove it
    by_hand = get_page(client, "/search?q=cocoa&source=wire+desk")  # any case filters
    assert "/search?q=cocoa" in by_hand.links
    several = get_page(client, "/search?q=cocoa&sort=newest&source=Wire+Desk&from=2025-01-01")
    assert "Clear all" in several.plain and "/search?q=cocoa&sort=newest" in several.links


def test_date_range_form_and_presets(client):
    page = get_page(client, "/search?q=cocoa&from=2025-08-01&to=2025-08-31&page=1")
    assert "2 results" in page.plain and "1 Aug 2025 – 31 Aug 2025" in page.plain
    inputs = {attrs["name"]: attrs for tag, attrs in page.attrs
              if tag == "input" and "name" in attrs}
    assert inputs["from"]["value"] == "2025-08-01" and inputs["to"]["value"] == "2025-08-31"
    assert inputs["from"]["type"] == "date" and inputs["q"]["type"] == "hidden"
    week_ago = (datetime.now(timezone.utc).date() - timedelta(days=7)).isoformat()
    assert any(query_of(link).get("from") == [week_ago] and "to" not in query_of(link)
               for link in page.links)
    assert "/search?q=cocoa" in page.links  # the chip that removes the range


def test_timeline_is_accessible_svg_with_a_link_per_bar(client):
    page = get_page(client, "/search?q=*&from=2025-06-01&to=2025-08-31")
    assert "svg" in page.tags
    svg = next(attrs for tag, attrs in page.attrs if tag == "svg")
    assert svg["role"] == "group" and svg["aria-labelledby"] == "timeline-caption"
    assert "Matching stories by day" in page.plain
    bars = [attrs for tag, attrs in page.attrs if tag == "a" and "data-from" in attrs]
    assert bars and all(attrs["aria-label"].split(": ")[1].endswith(("story", "stories"))
                        for attrs in bars)
    one = next(attrs for attrs in bars if attrs["data-from"] == "2025-08-05")
    assert query_of(one["href"])["from"] == ["2025-08-05"] == query_of(one["href"])["to"]
    assert one["aria-label"] == "5 August 2025: 2 stories"


def test_timeline_layout():
    buckets = [{"from": "1987-01-01", "to": "1987-12-31", "count": 40},
               {"from": "1988-01-01", "to": "1988-12-31", "count": 0},
               {"from": "1989-01-01", "to": "1989-12-31", "count": 1}]
    chart = layout(buckets, "year", ("article", "articles"),
                   lambda start, end: f"/s?from={start}&to={end}")
    first, empty, last = chart["bars"]
    assert first["height"] == 100 and first["y"] == 0 and last["height"] == 3  # still visible
    assert empty["url"] is None and empty["height"] == 0
    assert first["label"] == "1987: 40 articles" and last["label"] == "1989: 1 article"
    assert last["url"] == "/s?from=1989-01-01&to=1989-12-31"
    assert chart["first"] == "1987" and chart["interval"] == "year"
    week = layout([{"from": "2025-08-04", "to": "2025-08-10", "count": 2}], "week",
                  ("story", "stories"), lambda start, end: "")
    assert week["bars"][0]["label"] == "week of 4 August 2025: 2 stories"
    assert layout([], "auto", ("story", "stories"), lambda start, end: "") is None


def test_deep_results_continue_by_cursor(client):
    cursor = client.get("/api/v1/search?q=*&sort=newest").get_json()["next_cursor"]
    page = get_page(client, "/search?q=*&sort=newest&cursor=" + cursor)
    assert "continued" in page.plain
    following = next(attrs["href"] for tag, attrs in page.having("rel", "next"))
    assert query_of(following)["cursor"] != [cursor] and "page" not in query_of(following)
    assert "/search?q=%2A&sort=newest" in page.links  # back to the first page


def test_script_in_a_title_shows_as_text(client):
    response = client.get("/search?q=onerror")
    html = response.get_data(as_text=True)
    page = Page(html)
    assert page.scripts == 1 and page.having("src") and "img" not in page.tags
    assert "b" not in page.tags
    assert "<script>window.__xss = 1</script> Markets & <b>bold</b> claims" in page.plain
    assert "&lt;script&gt;" in html


def test_pages_allow_no_inline_script_or_style(client, hostile_client):
    for app_client, url in ((client, "/search?q=cocoa"), (client, "/articles/t-cocoa-1?q=cocoa"),
                            (client, "/actors/place/Ivory%20Coast"), (client, "/help"),
                            (hostile_client, "/search?q=quagga&collapse=none"),
                            (hostile_client, "/articles/t-hostile-1?q=quagga")):
        response = app_client.get(url)
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert "style-src 'self'" in policy and "default-src 'self'" in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        page = Page(response.get_data(as_text=True))
        assert [attrs.get("src") for tag, attrs in page.attrs if tag == "script"] == \
            ["/static/morgue.js"], url
        assert not page.having("style"), url
        assert not [name for _tag, attrs in page.attrs for name in attrs
                    if name.startswith("on")], url
        assert not [link for link in page.links if link.lower().startswith(("javascript:",
                                                                             "data:"))], url
        assert "img" not in page.tags and "b" not in page.tags, url


def test_hostile_article_links_only_web_addresses(hostile_client):
    page = get_page(hostile_client, "/articles/t-hostile-1?q=quagga")
    assert "Original" not in page.plain  # its url is javascript:
    assert "<script>window.__xss = 11; alert(11)</script>" in page.plain.replace("</mark>", "")
    copy = get_page(hostile_client, "/articles/t-hostile-2")
    assert 'https://example.org/quagga"><script>alert(24)</script>' in copy.links


def test_article_page_shows_the_story_with_matches_marked(client):
    page = get_page(client, "/articles/t-cocoa-1?q=cocoa")
    assert "Cocoa prices climb as Ivory Coast harvest slows" in page.plain
    assert page.tags.count("mark") == 3  # title and two in the body
    assert "Traders in London said" in page.plain
    assert "/actors/place/Ivory%20Coast" in page.links
    unmarked = get_page(client, "/articles/t-cocoa-1")
    assert "mark" not in unmarked.tags


def test_article_page_of_the_xss_story_is_inert(client):
    page = get_page(client, "/articles/t-xss?q=markets")
    assert page.scripts == 1 and "img" not in page.tags


def test_derived_headline_is_labelled(client):
    page = get_page(client, "/search?q=Kursk")
    link = next(link for link in page.links if link.startswith("/articles/text"))
    article = get_page(client, link)
    assert "Headline derived from the text" in article.plain


def test_actor_page_lists_the_articles_about_them(client):
    page = get_page(client, "/actors/place/Ivory%20Coast")
    assert "Cocoa prices climb" in page.plain and "Place" in page.plain
    get_page(client, "/actors/planet/Mars", status=400)


def test_actor_page_has_a_timeline_and_the_actors_in_the_same_stories(client):
    html = client.get("/actors/place/United%20States").get_data(as_text=True)
    page = Page(html)
    assert "svg" in page.tags and "Matching stories by" in page.plain
    assert "People in the same stories" in page.plain
    places = Page(html.split("Places in the same stories")[1].split("</section>")[0]).links
    assert "/actors/place/New%20York" in places
    assert "/actors/place/United%20States" not in places  # not its own company
    assert "Remove filter" not in page.plain  # its own filter is the page, not a chip


def test_friendly_errors_never_tracebacks(client):
    empty = get_page(client, "/search?q=")
    assert "Type what you are looking for" in empty.plain
    bad = get_page(client, "/search?q=*ocoa", status=400)
    assert "may not start a word" in bad.plain and "mark" in bad.tags
    too_big = get_page(client, "/search?q=cocoa&page_size=1000", status=400)
    assert "page_size must be between 1 and 100" in too_big.plain
    missing = get_page(client, "/articles/nope", status=404)
    assert "Not found" in missing.plain and "Traceback" not in missing.plain
    get_page(client, "/no/such/page", status=404)


def test_article_page_shows_copies_quotes_and_related_stories(client):
    page = get_page(client, "/articles/t-syn-2")
    assert "Also published by" in page.plain and "Wire Desk" in page.plain
    assert "All 3 copies" in page.plain
    assert "Related stories" in page.plain
    seed_link = next(link for link in get_page(client, "/search?q=Kursk").links
                     if link.startswith("/articles/text"))
    seed = get_page(client, seed_link)
    assert "Quotes" in seed.plain and "Karoline Leavitt" in seed.plain


def test_help_page_lists_the_syntax(client):
    page = get_page(client, "/help")
    assert "published:[1987-03-01 TO 1987-03-15]" in page.plain and "speaker:leavitt" in page.plain
    assert any(link.startswith("/search?q=") for link in page.links)


def test_did_you_mean_on_the_results_page(client):
    page = get_page(client, "/search?q=chocolat")
    assert "Did you mean chocolate ?" in page.plain  # the link, then the question mark


def test_zero_results_say_which_clause_emptied_them(client):
    page = get_page(client, "/search?q=cocoa+zzzqqq")
    assert "No articles match cocoa zzzqqq" in page.plain
    assert "Without zzzqqq there would be 6 results" in page.plain
