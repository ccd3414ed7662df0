"""Atom, CSV and JSON Lines from /api/v1/search, `fields=`, and the citation manifest.

Real indexes (the session's small one, and a generated one with 2,000
matches for exports), the real app through Flask's test client; Atom is
read back with feedparser, CSV with the csv module.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
from urllib.parse import parse_qs, urlsplit

import feedparser
import pytest

from search.results import EXPORT_FIELDS
from tests.bulk import MATCHING, ODD_TITLES, TOTAL, WORD, bulk_index
from webui import create_app
from webui.formats import article_tag, atom_feed, plain_text


@pytest.fixture(scope="module")
def bulk_client(tmp_path_factory):
    return create_app({"INDEX_DIR": str(bulk_index(tmp_path_factory))}).test_client()


def get_json(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, response.data[:300]
    return response.get_json()


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.data[:300]
    assert response.content_type == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def walked_ids(client, query: str) -> list[str]:
    """Every result id of a search, following next_cursor page by page."""
    ids, url = [], f"/api/v1/search?{query}&page_size=100&fields=id&facets="
    body = get_json(client, url)
    while True:
        ids += [hit["id"] for hit in body["results"]]
        if not body["next_cursor"]:
            return ids
        body = get_json(client, f"{url}&cursor={body['next_cursor']}")


# Atom ---------------------------------------------------------------------------------------

def parsed_feed(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, response.data[:300]
    assert response.content_type == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


@pytest.mark.parametrize("query", ["q=cocoa", "q=*&sort=indexed&page_size=20",
                                   "q=onerror", "q=*&source=Wire+Desk&fields=all"])
def test_atom_feed_has_every_result_of_the_page(client, query):
    feed = parsed_feed(client, f"/api/v1/search?{query}&format=atom")
    fields = "" if "fields=" in query else "&fields=all"
    body = get_json(client, f"/api/v1/search?{query}{fields}")
    assert feed.feed.id.startswith("tag:morgue,2025:search?")
    assert feed.feed.title.startswith("Morgue: ") and feed.feed.updated
    links = {link.rel: link.href for link in feed.feed.links}
    assert "format=atom" in links["self"] and urlsplit(links["alternate"]).path == "/search"
    assert "format" not in parse_qs(urlsplit(links["alternate"]).query)
    assert len(feed.entries) == len(body["results"]) > 0
    for entry, hit in zip(feed.entries, body["results"]):
        assert entry.id == article_tag(hit["id"])
        assert entry.title == hit["title"]  # plain text, markup and all, never interpreted
        assert entry.updated and (entry.get("published") or None) == hit["published"]
        entry_links = {link.rel: link.href for link in entry.links}
        assert urlsplit(entry_links["alternate"]).path == f"/articles/{hit['id']}"
        assert entry_links.get("via") == hit["url"]
        assert entry.summary == plain_text(hit["snippet"]) and "<mark>" not in entry.summary
        if "fields=all" in query:
            assert entry.content[0].value == hit["body"]


def test_atom_of_newly_indexed_is_an_alert_feed(client):
    feed = parsed_feed(client, "/api/v1/search?q=*&sort=indexed&page_size=5&format=atom")
    stamps = [entry.updated for entry in feed.entries]
    assert stamps == sorted(stamps, reverse=True)
    assert feed.feed.updated == stamps[0]
    following = {link.rel: link.href for link in feed.feed.links}["next"]
    assert parse_qs(urlsplit(following).query)["page"] == ["2"]
    second = parsed_feed(client, urlsplit(following).path + "?" + urlsplit(following).query)
    assert not {e.id for e in feed.entries} & {e.id for e in second.entries}


def test_atom_entry_ids_are_stable_per_article(client):
    one = parsed_feed(client, "/api/v1/search?q=cocoa&format=atom")
    other = parsed_feed(client, "/api/v1/search?q=*&tag=cocoa&sort=newest&format=atom")
    assert {e.id for e in one.entries} & {e.id for e in other.entries}
    assert one.feed.id != other.feed.id


def test_atom_writer_escapes_markup_and_drops_what_xml_cannot_carry():
    hit = {"id": "a b/ü", "title": "<script>x</script> & \x03end", "url": None,
           "published": None, "indexed": "2025-01-02T03:04:05Z", "authors": ["Ann <Lee>"],
           "source": None, "tags": ["a&b"], "snippet": "1 &lt; 2 <mark>cocoa</mark>"}
    response = {"total": 1, "query": {"sort": "relevance"}, "results": [hit],
                "index": {"created": "2025-01-01T00:00:00Z"}}
    xml = atom_feed(response, feed_id="tag:morgue,2025:search?q=x", title="Morgue: <x>",
                    self_url="http://h/api?q=x&format=atom", html_url="http://h/search?q=x",
                    article_url=lambda i: "http://h/articles/" + i)
    feed = feedparser.parse(xml)
    assert not feed.bozo and feed.feed.title == "Morgue: <x>"
    entry = feed.entries[0]
    assert entry.title == "<script>x</script> & end" and entry.summary == "1 < 2 cocoa"
    assert entry.id == "tag:morgue,2025:article/a%20b%2F%C3%BC" and entry.author == "Ann <Lee>"
    assert entry.tags[0].term == "a&b" and feed.feed.updated == "2025-01-02T03:04:05Z"


def test_bulk_feed_survives_odd_titles(bulk_client):
    feed = parsed_feed(bulk_client, "/api/v1/search?q=bold+OR+hyperlink+OR+control&format=atom")
    titles = {entry.id: entry.title for entry in feed.entries}
    assert titles[article_tag("g-0008")] == ODD_TITLES[8]
    assert titles[article_tag("g-0007")] == ODD_TITLES[7]  # a feed is not a spreadsheet
    assert titles[article_tag("g-0009")].startswith("Wire copy ends")


# CSV ----------------------------------------------------------------------------------------

def test_csv_of_a_2000_result_query_has_2001_lines(bulk_client):
    response = bulk_client.get(f"/api/v1/search?q={WORD}&format=csv")
    assert response.is_streamed
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="morgue-search.csv"'
    rows = csv_rows(response)
    assert len(rows) == MATCHING + 1 == 2_001
    assert tuple(rows[0]) == EXPORT_FIELDS and all(len(row) == len(rows[0]) for row in rows)
    ids = [row[0] for row in rows[1:]]
    assert len(set(ids)) == MATCHING
    assert ids == walked_ids(bulk_client, f"q={WORD}")  # the same results in the same order
    assert response.get_data(as_text=True).count("\r\n") == 2_001


@pytest.mark.parametrize("query", ["q=*&sort=newest", "q=*&sort=oldest&collapse=none",
                                   f"q={WORD}+OR+w17x&recency=0.5"])
def test_csv_lists_what_the_json_pages_list(bulk_client, query):
    rows = csv_rows(bulk_client.get(f"/api/v1/search?{query}&format=csv&fields=id"))
    total = get_json(bulk_client, f"/api/v1/search?{query}")["total"]
    assert len(rows) == total + 1
    assert [row[0] for row in rows[1:]] == walked_ids(bulk_client, query)


def test_csv_follows_collapse_like_total(client):
    stories = get_json(client, "/api/v1/search?q=*")
    rows = csv_rows(client.get("/api/v1/search?q=*&format=csv&fields=id,cluster"))
    assert len(rows) - 1 == stories["total"] < stories["total_copies"]
    copies = csv_rows(client.get("/api/v1/search?q=*&format=csv&collapse=none&fields=id"))
    assert len(copies) - 1 == stories["total_copies"]
    cluster = json.loads(rows[1][1])
    assert set(cluster) >= {"id", "size"}


def test_csv_cells(client, bulk_client):
    rows = csv_rows(client.get("/api/v1/search?q=cocoa&tag=commodities&format=csv"
                               "&fields=id,tags,places,title_derived,snippet,score"))
    assert rows[0] == ["id", "tags", "places", "title_derived", "snippet", "score"]
    first = dict(zip(rows[0], rows[1]))
    assert first["id"] == "t-cocoa-1" and first["tags"] == "cocoa; commodities"
    assert "Ivory Coast" in first["places"].split("; ") and first["title_derived"] == "false"
    assert "<mark>" not in first["snippet"] and "Cocoa futures" in first["snippet"]
    assert float(first["score"]) > 0
    odd = {row[0]: row[1] for row in csv_rows(bulk_client.get(
        "/api/v1/search?q=*&format=csv&fields=id,title"))[1:]}
    assert odd["g-0007"] == "'" + ODD_TITLES[7]  # never a live formula in a spreadsheet
    assert odd["g-0008"] == ODD_TITLES[8]


def test_csv_with_bodies_keeps_their_paragraphs(client):
    body = get_json(client, "/api/v1/search?q=cocoa&fields=id,body&page_size=100")
    rows = csv_rows(client.get("/api/v1/search?q=cocoa&format=csv&fields=id,body"))
    assert {row[0]: row[1] for row in rows[1:]} == {h["id"]: h["body"] for h in body["results"]}
    assert any("\n\n" in row[1] for row in rows[1:])


def test_a_bad_export_is_a_400_not_a_broken_file(client):
    response = client.get("/api/v1/search?q=*ocoa&format=csv")
    assert response.status_code == 400 and response.content_type == "application/json"
    assert response.get_json()["error"]["param"] == "q"
    explained = client.get("/api/v1/search?q=cocoa&format=csv&explain=true")
    assert explained.status_code == 400
    assert explained.get_json()["error"]["param"] == "explain"


# JSON Lines ---------------------------------------------------------------------------------

def test_jsonl_streams_every_result(bulk_client):
    response = bulk_client.get(f"/api/v1/search?q={WORD}&format=jsonl&fields=id,title,published")
    assert response.status_code == 200 and response.is_streamed
    assert response.content_type == "application/x-ndjson; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment")
    lines = response.get_data(as_text=True).splitlines()
    assert len(lines) == MATCHING
    records = [json.loads(line) for line in lines]
    assert all(list(r) == ["id", "title", "published"] for r in records)
    assert [r["id"] for r in records] == walked_ids(bulk_client, f"q={WORD}")


def test_jsonl_with_all_fields_has_the_bodies(client):
    lines = client.get("/api/v1/search?q=cocoa&format=jsonl&fields=all").get_data(as_text=True)
    records = [json.loads(line) for line in lines.splitlines()]
    page = get_json(client, "/api/v1/search?q=cocoa&fields=all&page_size=100")["results"]
    assert [r["id"] for r in records] == [h["id"] for h in page]
    assert records[0]["body"] == page[0]["body"] and records[0]["snippet"] == page[0]["snippet"]


# fields= in every format ---------------------------------------------------------------------

def test_lean_fields_in_json(client):
    hit = get_json(client, "/api/v1/search?q=cocoa&fields=id,title,published")["results"][0]
    assert list(hit) == ["id", "title", "published"]
    full = get_json(client, "/api/v1/search?q=cocoa&fields=all")["results"][0]
    assert "body" in full and "indexed" in full and "snippet" in full


# The citation manifest -----------------------------------------------------------------------

def test_every_search_carries_the_index_and_a_results_hash(client):
    body = get_json(client, "/api/v1/search?q=cocoa&page_size=2")
    health = get_json(client, "/api/v1/health")
    assert body["index"]["build_id"] == health["index"]["build_id"]
    assert body["index"]["documents"] == health["documents"]
    assert isinstance(body["index"]["commit"], int)
    ids = [hit["id"] for hit in body["results"]]
    recipe = json.dumps([1, 2, None, ids], separators=(",", ":"))
    assert body["results_hash"] == hashlib.sha256(recipe.encode()).hexdigest()
    assert get_json(client, "/api/v1/search?q=cocoa&page_size=2")["results_hash"] == \
        body["results_hash"]
    lean = get_json(client, "/api/v1/search?q=cocoa&page_size=2&fields=title")
    assert lean["results_hash"] == body["results_hash"]  # ids count even when not shown
    second = get_json(client, "/api/v1/search?q=cocoa&page_size=2&page=2")
    assert second["results_hash"] != body["results_hash"]
    assert body["partial"] is False and body["partial_parts"] == []


def test_total_and_bulk_counts_agree(bulk_client):
    body = get_json(bulk_client, f"/api/v1/search?q={WORD}")
    assert body["total"] == MATCHING and body["index"]["documents"] == TOTAL
