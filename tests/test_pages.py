"""HTML pages through the real app, parsed: what a reader sees, and that it is safe."""
from __future__ import annotations

from html.parser import HTMLParser


class Page(HTMLParser):
    """Collects the text, links, tags and any <script> elements of a page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.text: list[str] = []
        self.links: list[str] = []
        self.tags: list[str] = []
        self.scripts = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.scripts += tag == "script"
        href = dict(attrs).get("href")
        if href:
            self.links.append(href)

    def handle_data(self, data):
        self.text.append(data)

    @property
    def plain(self) -> str:
        return " ".join(" ".join(self.text).split())


def get_page(client, url: str, status: int = 200) -> Page:
    response = client.get(url)
    assert response.status_code == status, response.data[:500]
    assert response.content_type == "text/html; charset=utf-8"
    return Page(response.get_data(as_text=True))


def test_home_page_offers_the_search_box(client):
    page = get_page(client, "/")
    assert "input" in page.tags and "Search" in page.plain
    assert "articles" in page.plain


def test_results_page_lists_titles_dates_sources_and_snippets(client):
    page = get_page(client, "/search?q=cocoa&page_size=3")
    assert "BAHIA COCOA REVIEW" in page.plain
    assert "26 Feb 1987, 15:01 UTC" in page.plain and "Reuters" in page.plain
    assert "mark" in page.tags
    assert any(link.startswith("/articles/reuters21578%3A1?q=cocoa") or
               link.startswith("/articles/reuters21578:1?q=cocoa") for link in page.links)
    assert "/api/v1/search?q=cocoa&page_size=3" in page.links  # the JSON twin
    assert any("page=2" in link for link in page.links)


def test_script_in_a_title_shows_as_text(client):
    response = client.get("/search?q=onerror")
    html = response.get_data(as_text=True)
    page = Page(html)
    assert page.scripts == 0 and "img" not in page.tags and "b" not in page.tags
    assert "<script>window.__xss = 1</script> Markets & <b>bold</b> claims" in page.plain
    assert "&lt;script&gt;" in html


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
    assert page.scripts == 0 and "img" not in page.tags


def test_derived_headline_is_labelled(client):
    page = get_page(client, "/search?q=Kursk")
    link = next(link for link in page.links if link.startswith("/articles/text"))
    article = get_page(client, link)
    assert "Headline derived from the text" in article.plain


def test_facet_links_filter_and_unfilter(client):
    page = get_page(client, "/search?q=cocoa")
    source_link = next(link for link in page.links if "source=Wire+Desk" in link)
    filtered = get_page(client, source_link)
    assert "1 result" in filtered.plain and "source: Wire Desk" in filtered.plain
    remove = next(link for link in filtered.links if link == "/search?q=cocoa")
    assert remove


def test_actor_page_lists_the_articles_about_them(client):
    page = get_page(client, "/actors/place/Ivory%20Coast")
    assert "Cocoa prices climb" in page.plain and "Places" in page.plain
    get_page(client, "/actors/planet/Mars", status=400)


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
