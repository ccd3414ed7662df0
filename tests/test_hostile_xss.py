"""Script payloads in every indexed field stay data: in the API, and in a real browser.

tests/data/xss_payloads.txt holds the forms of the OWASP XSS filter-evasion
cheat sheet (script tags in every case and encoding, event handlers,
javascript:/data:/vbscript: URLs obfuscated with entities, tabs and NULs,
style expressions, attribute and script breakouts, template injection,
UTF-7, nested tags, mutation XSS), each of which would open a dialog or
set window.__xss if it ever ran. A corpus puts every payload into every field
a JSON record has (id, title, body as text and as HTML, url, source, authors,
published, language, section, tags, people, organizations, places,
dateline) and into sentences that name people and quote them, and is indexed
through the real pipeline into a real Whoosh index.

The API: snippets and `title_html`/`body_html` hold no markup but a bare
<mark> (parsed with html.parser); every other string is exactly what the
pipeline made of the record (so nothing is escaped twice or stripped on the
way out); searching for the payloads themselves answers 200 or 400, never
500; the Atom feed is well-formed XML with the titles as text.

The browser (Chromium on a real server): results with every facet and the
timeline, each payload article's page, an actor page, autocomplete and the
error page; no dialog opens, window.__xss stays unset, no element carries an
on* attribute or a javascript:/vbscript:/data: link, and the only script is
/static/morgue.js.
"""
from __future__ import annotations

import base64
import html
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote
from xml.etree import ElementTree

import pytest

from index import ids
from index.pipeline import iter_records
from index.readers import expand_sources
from search.results import article_dict
from tests.conftest import ARTICLES, DATA, Server, build_index
from webui import create_app

PAYLOAD_FILE = DATA / "xss_payloads.txt"
PLACEHOLDERS = {"⟨NUL⟩": "\x00", "⟨TAB⟩": "\t", "⟨LF⟩": "\n", "⟨CR⟩": "\r"}
GROUPS = 8  # payload articles: payload i goes into every field of article i % GROUPS
MARKER = "zebulon"  # a word every payload article holds, to find them all
URLS = ("javascript:window.__xss=90;alert(90)", " JaVaScRiPt:alert(91)",
        "data:text/html,<script>alert(92)</script>", "vbscript:alert(93)",
        "java\tscript:alert(94)", "&#106;avascript:alert(95)")
FACETS = "source,person,organization,place,tag,section,language,published"
LOOKED_FOR = ("script alert", "onerror", "javascript", "svg onload", "iframe srcdoc",
              "constructor", "style expression", "xss", "mark", "zebulon quagmire")


def load_payloads() -> list[str]:
    payloads = []
    for line in PAYLOAD_FILE.read_text("utf-8").splitlines():
        if line and not line.startswith("#"):
            for placeholder, char in PLACEHOLDERS.items():
                line = line.replace(placeholder, char)
            payloads.append(line)
    return payloads


PAYLOADS = load_payloads()


def payload_records() -> list[dict]:
    """GROUPS records; every payload in every field of one of them."""
    records = []
    for group in range(GROUPS):
        mine = PAYLOADS[group::GROUPS]
        joined = " ".join(mine)
        sentences = " ".join(f"Zebulon Quagmire told {payload} Smith in Paris that the "
                             f"{MARKER} market moved. \"{payload} is here,\" said Ada Zebulon."
                             for payload in mine)
        record = {
            "id": joined if group == GROUPS - 1 else f"xss-{group}",  # hashed, kept as source_id
            "title": f"Zebulon report {group}: {joined}",
            "body": f"{sentences}\n\n" + "\n\n".join(mine),
            "url": URLS[group % len(URLS)] if group % 2 else f"https://example.org/{joined}",
            "source": f"Zebulon Wire {group} {mine[0]}",
            "authors": [f"Zebulon {payload}" for payload in mine],
            "published": f"2025-08-0{group + 1}T10:00:00Z" if group < GROUPS // 2 else joined,
            "language": joined if group == 1 else "en",
            "section": joined, "tags": [MARKER, *mine], "dateline": joined,
            "people": [f"Zebulon {payload}" for payload in mine],
            "organizations": mine, "places": mine,
        }
        if group % 2 == 0:  # kept verbatim; the others are read as HTML (and mostly stripped)
            record["body_format"] = "text"
        records.append(record)
    return records


def article_id(record: dict) -> str:
    return ids.own_id(record["id"])[0]


class Markup(HTMLParser):
    """Every tag, attribute, comment and declaration in a piece of HTML."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list]] = []
        self.other: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_endtag(self, tag):
        self.tags.append(("/" + tag, []))

    def handle_comment(self, data):
        self.other.append(f"<!--{data}-->")

    def handle_decl(self, decl):
        self.other.append(f"<!{decl}>")

    def handle_pi(self, data):
        self.other.append(f"<?{data}>")

    def unknown_decl(self, data):
        self.other.append(f"<![{data}]>")


def foreign_markup(html: str) -> list:
    """What in `html` is not a bare <mark> or </mark>."""
    parsed = Markup(html)
    return [tag for tag in parsed.tags if tag not in (("mark", []), ("/mark", []))] + parsed.other


@pytest.fixture(scope="module")
def xss_index(tmp_path_factory) -> tuple[Path, dict]:
    """A real index of the payload records and the hand-written articles; and each payload
    article as the pipeline made it, by id."""
    root = tmp_path_factory.mktemp("xss")
    corpus = root / "xss.jsonl"
    corpus.write_text("".join(json.dumps(record) + "\n" for record in payload_records()),
                      "utf-8")
    build_index(root / "index", [str(corpus), str(ARTICLES)])
    files, _ = expand_sources([str(corpus)])
    made = {record.id: record for record in iter_records(files) if hasattr(record, "title")}
    assert len(made) == GROUPS
    return root / "index", made


@pytest.fixture(scope="module")
def client(xss_index):
    return create_app({"INDEX_DIR": str(xss_index[0])}).test_client()


COMMA_JOINED = ("people", "organizations", "places", "tags")


def as_data(article) -> dict:
    """An article as the API should give it: the pipeline's values, untouched but for one
    thing: the index stores list fields comma-joined (index/schema.py), so a name holding
    a comma comes back as two. That is a limit of the storage, not escaping."""
    data = article_dict(article)
    for name in COMMA_JOINED:
        data[name] = [part for value in data[name] for part in value.split(",") if part]
    return {k: v for k, v in data.items() if k not in ("origin", "cluster")}


def revealed(payload: str) -> str:
    """The payload with what a browser would decode decoded: entities, base64 data URLs."""
    text = html.unescape(payload)
    for encoded in re.findall(r"base64,([A-Za-z0-9+/=]+)", text):
        text += " " + base64.b64decode(encoded).decode("utf-8")
    return text


def test_the_payload_set_is_the_cheat_sheet():
    assert len(PAYLOADS) >= 60 and len(set(PAYLOADS)) == len(PAYLOADS)
    for payload in PAYLOADS:  # each would be seen if it ran
        assert re.search(r"alert\(|window\.__xss=", revealed(payload)), payload
    assert any("\x00" in p for p in PAYLOADS) and any("\t" in p for p in PAYLOADS)
    assert any(p.startswith("+ADw-") for p in PAYLOADS)  # UTF-7


def test_payloads_reach_every_field_as_they_were_given(xss_index):
    _, made = xss_index
    records = {article_id(record): record for record in payload_records()}
    assert set(records) == set(made)
    for key, record in records.items():
        article = made[key]
        assert "<" in article.title and "<" in article.source  # kept as text, not stripped
        assert any("<" in name for name in article.people)
        if record.get("body_format") == "text":  # a plain-text body keeps payloads whole
            assert any(payload in article.body for payload in record["tags"][1:]
                       if not re.search(r"[\x00-\x1f]", payload))
    hashed = made[article_id(payload_records()[-1])]  # an id outside the id set
    assert hashed.id.startswith("id:") and "<" in hashed.source_id


def test_search_answers_are_data_and_snippets_only_mark(client, xss_index):
    _, made = xss_index
    body = client.get(f"/api/v1/search?q={MARKER}&collapse=none&page_size=100&fields=all"
                      f"&facets={FACETS}&facet_size=100").get_json()
    payload_hits = [hit for hit in body["results"] if hit["id"] in made]
    assert len(payload_hits) == GROUPS
    for hit in body["results"]:
        assert foreign_markup(hit["snippet"] or "") == [], hit["snippet"]
        assert foreign_markup(hit["title_html"] or "") == [], hit["title_html"]
        assert "<mark>" in hit["title_html"] + hit["snippet"]
    for hit in payload_hits:
        expected = as_data(made[hit["id"]])
        for name in ("title", "url", "source", "authors", "people", "organizations", "places",
                     "tags", "section", "language", "dateline", "body"):
            assert hit[name] == expected[name], name
    values = [item["value"] for items in body["facets"].values() for item in items]
    assert any("<script>" in value for value in values)  # facet values are data too


@pytest.mark.parametrize("words", LOOKED_FOR)
def test_searching_the_payloads_words_marks_only_them(client, words):
    body = client.get("/api/v1/search", query_string={
        "q": words, "page_size": "100", "collapse": "none", "fields": "id,title,title_html,snippet"}
    ).get_json()
    for hit in body["results"]:
        assert foreign_markup(hit["snippet"] or "") == [], hit["snippet"]
        assert foreign_markup(hit["title_html"] or "") == [], hit["title_html"]


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_a_payload_as_the_query(client, payload):
    for path in ("/api/v1/search", "/search", "/api/v1/suggest"):
        answer = client.get(path, query_string={"q": payload})
        assert answer.status_code in (200, 400), (path, answer.status_code)
        if path.startswith("/api/") and answer.status_code == 400:
            assert answer.get_json()["error"]["code"] == "bad_request"
        if path == "/api/v1/search" and answer.status_code == 200:
            for hit in answer.get_json()["results"]:
                assert foreign_markup(hit["snippet"] or "") == [] and \
                    foreign_markup(hit["title_html"] or "") == []
        if path == "/search":  # the query is shown back in the page (and the box), escaped
            tags = Markup(answer.get_data(as_text=True)).tags
            assert [attrs for tag, attrs in tags if tag == "script"] == [
                [("src", "/static/morgue.js"), ("defer", None)]]
            assert [(tag, name) for tag, attrs in tags for name, _ in attrs
                    if name.lower().startswith("on")] == []


def test_article_answers_are_data_and_highlights_only_mark(client, xss_index):
    _, made = xss_index
    for key, article in made.items():
        body = client.get(f"/api/v1/articles/{quote(key, safe='')}",
                          query_string={"q": f"{MARKER} script alert onerror"}).get_json()
        expected = as_data(article)
        assert {k: body[k] for k in expected} == expected
        assert foreign_markup(body["title_html"]) == []
        assert "<mark>" in body["title_html"]
        for paragraph in body["body_html"]:
            assert foreign_markup(paragraph) == [], paragraph


def test_the_atom_feed_is_well_formed_with_titles_as_text(client, xss_index):
    _, made = xss_index
    answer = client.get(f"/api/v1/search?q={MARKER}&format=atom&page_size=100&collapse=none")
    feed = ElementTree.fromstring(answer.data)
    atom = "{http://www.w3.org/2005/Atom}"
    titles = {entry.findtext(f"{atom}title") for entry in feed.iter(f"{atom}entry")}
    # XML parsers read a carriage return written as itself as a line feed (XML 1.0, 2.11).
    assert {article.title.replace("\r", "\n") for article in made.values()} <= titles


# -- the real browser -------------------------------------------------------------------------

CHECK_PAGE = """() => {
    const handlers = [], links = [];
    for (const element of document.querySelectorAll('*')) {
        for (const attribute of element.attributes) {
            const name = attribute.name.toLowerCase();
            const value = attribute.value.replace(/[\\s\\u0000]+/g, '').toLowerCase();
            if (name.startsWith('on')) handlers.push(element.tagName + ' ' + name);
            if (['href', 'src', 'action', 'formaction', 'data', 'xlink:href', 'srcdoc',
                 'background', 'dynsrc'].includes(name)
                && /^(javascript|vbscript|data):/.test(value))
                links.push(element.tagName + ' ' + name + '=' + attribute.value);
        }
    }
    return {
        xss: window.__xss === undefined ? null : String(window.__xss),
        handlers, links,
        scripts: [...document.scripts].map(s => s.src),
        embedded: document.querySelectorAll(
            'iframe, object, embed, base, frame, meta[http-equiv], link[rel=import]').length,
    };
}"""


@pytest.fixture(scope="module")
def xss_server(xss_index, tmp_path_factory):
    copy = tmp_path_factory.mktemp("xss-server") / "index"
    shutil.copytree(xss_index[0], copy)  # the server's applier never touches the API tests' index
    running = Server(copy)
    yield running
    running.stop()


def browser_pages(made: dict) -> list[str]:
    # `"><script>...`: an unclosed quote, so the error page, which shows the query marked
    hostile_query = quote(next(p for p in PAYLOADS if p.startswith('"><script>')))
    person = next(name for article in made.values() for name in article.people if "<" in name)
    return [f"/search?q={MARKER}&collapse=none&page_size=100&facets={FACETS}&facet_size=100",
            f"/search?q=*&from=2025-08-01&to=2025-08-31&facets={FACETS}",
            *(f"/articles/{quote(key, safe='')}?q={MARKER}+script" for key in made),
            f"/actors/person/{quote(person, safe='')}",
            f"/search?q={hostile_query}"]


@pytest.mark.browser
def test_no_payload_runs_in_the_browser(xss_server, xss_index):
    from playwright.sync_api import sync_playwright

    from tests.test_browser import CHROMIUM_FLAGS, open_page

    _, made = xss_index
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    assert executable, "Chromium is missing: run the test command from README (it installs it)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            page = open_page(browser)
            seen = {}
            for path in browser_pages(made):
                answer = page.goto(xss_server.url + path)
                assert answer.status in (200, 400), (path, answer.status)
                # What is folded away is shown too (opened from here: a payload may have
                # broken the page's layout enough that a click would not reach a summary).
                page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
                page.mouse.move(200, 300)
                seen[path] = page.evaluate(CHECK_PAGE)
            page.goto(xss_server.url + "/")
            page.get_by_role("combobox", name="Search the archive").press_sequentially(
                "zebulon", delay=20)
            options = page.get_by_role("option")
            options.first.wait_for()
            assert any("<" in text for text in options.all_inner_texts())  # payloads as text
            seen["autocomplete"] = page.evaluate(CHECK_PAGE)
            dialogs, errors = page.dialogs, page.errors
            page.context.close()
        finally:
            browser.close()
    for path, found in seen.items():
        assert found["xss"] is None, path
        assert found["handlers"] == [] and found["links"] == [], (path, found)
        assert found["scripts"] == [xss_server.url + "/static/morgue.js"], (path, found)
        assert found["embedded"] == 0, path
    assert dialogs == [] and errors == []
