"""HTTP semantics of the API: ETag and 304, Cache-Control, CORS, 405, HEAD, unknown parameters,
query limits and the time budget. Real indexes in temp dirs, the real app and its test client."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from index import writer
from index.pipeline import iter_records
from index.readers import expand_sources
from index.settings import SETTINGS, load_settings
from search.request import MAX_QUERY_TERMS, SEARCH_PARAMETERS
from tests.bulk import MATCHING, WORD, bulk_index
from tests.conftest import ROOT, build_index
from webui import create_app

CACHEABLE = "public, max-age=0, must-revalidate"
GET_ENDPOINTS = ["/api/v1/search?q=cocoa", "/api/v1/articles/t-cocoa-1",
                 "/api/v1/articles/t-cocoa-1?q=cocoa", "/api/v1/articles/t-cocoa-1/related",
                 "/api/v1/suggest?q=ivo", "/api/v1/search?q=cocoa&format=atom",
                 "/api/v1/search?q=cocoa&format=csv"]


def story(article_id: str, title: str) -> dict:
    return {"id": article_id, "title": title, "body": f"{title}. The harbour master said so.",
            "published": "2025-03-01T10:00:00Z", "source": "Harbour Gazette", "language": "en"}


def write_jsonl(path: Path, articles: list[dict]) -> Path:
    path.write_text("".join(json.dumps(a) + "\n" for a in articles), "utf-8")
    return path


@pytest.fixture()
def tiny_index(tmp_path) -> Path:
    """A few articles of its own: these tests change the index under the app."""
    source = write_jsonl(tmp_path / "first.jsonl",
                         [story("h-1", "Ferry delayed by fog"), story("h-2", "Fog lifts")])
    build_index(tmp_path / "index", [str(source)])
    return tmp_path / "index"


# ETag, 304, Cache-Control ------------------------------------------------------------------

@pytest.mark.parametrize("url", GET_ENDPOINTS)
def test_etag_and_304(client, url):
    first = client.get(url)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag.startswith('W/"') and first.headers["Cache-Control"] == CACHEABLE
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag and again.headers["Cache-Control"] == CACHEABLE
    listed = client.get(url, headers={"If-None-Match": f'"other", {etag}'})
    assert listed.status_code == 304
    stale = client.get(url, headers={"If-None-Match": 'W/"not-this-one"'})
    assert stale.status_code == 200 and stale.headers["ETag"] == etag


def test_if_none_match_star_only_matches_what_exists(client):
    star = {"If-None-Match": "*"}
    assert client.get("/api/v1/articles/t-cocoa-1", headers=star).status_code == 304
    assert client.get("/api/v1/articles/nope", headers=star).status_code == 404
    assert client.get("/api/v1/search?q=cocoa&page_size=500", headers=star).status_code == 400
    assert client.get("/api/v1/search?q=cocoa&nope=1", headers=star).status_code == 400


def test_etag_is_keyed_on_the_whole_query_string(client):
    one = client.get("/api/v1/search?q=cocoa").headers["ETag"]
    assert client.get("/api/v1/search?q=cocoa&page_size=5").headers["ETag"] != one
    assert client.get("/api/v1/search?q=coffee").headers["ETag"] != one
    answer = client.get("/api/v1/search?q=coffee", headers={"If-None-Match": one})
    assert answer.status_code == 200


def test_commits_and_rebuilds_change_the_etag(tiny_index, tmp_path):
    client = create_app({"INDEX_DIR": str(tiny_index)}).test_client()
    url = "/api/v1/search?q=fog"
    before = client.get(url)
    assert before.get_json()["total"] == 2
    etag, manifest = before.headers["ETag"], before.get_json()["index"]
    article_etag = client.get("/api/v1/articles/h-1").headers["ETag"]
    # An in-place commit: same generation, a new Whoosh commit.
    files, _ = expand_sources([str(write_jsonl(tmp_path / "more.jsonl",
                                               [story("h-3", "Fog returns")]))])
    writer.update_in_place(tiny_index, iter_records(files))
    after = client.get(url, headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.get_json()["total"] == 3
    assert after.get_json()["index"]["build_id"] == manifest["build_id"]
    assert after.get_json()["index"]["commit"] > manifest["commit"]
    assert after.headers["ETag"] != etag
    assert client.get("/api/v1/articles/h-1",
                      headers={"If-None-Match": article_etag}).status_code == 200
    # A full rebuild: a new generation.
    files, _ = expand_sources([str(tmp_path / "first.jsonl")])
    writer.rebuild(tiny_index, iter_records(files), sources=[str(tmp_path / "first.jsonl")])
    rebuilt = client.get(url, headers={"If-None-Match": after.headers["ETag"]})
    assert rebuilt.status_code == 200 and rebuilt.get_json()["total"] == 2
    assert rebuilt.get_json()["index"]["build_id"] != manifest["build_id"]


def test_errors_and_health_are_never_stored(client):
    for url, status in [("/api/v1/search?q=cocoa&page_size=500", 400),
                        ("/api/v1/articles/nope", 404), ("/api/v1/nope", 404),
                        ("/search?q=*ocoa", 400)]:
        response = client.get(url)
        assert response.status_code == status
        assert response.headers["Cache-Control"] == "no-store" and "ETag" not in response.headers
    health = client.get("/api/v1/health")
    assert health.status_code == 200 and health.headers["Cache-Control"] == "no-store"


def test_relative_dates_are_not_cached(client):
    response = client.get('/api/v1/search?q=cocoa+published:>"last+week"')
    assert response.status_code == 200
    assert "ETag" not in response.headers and response.headers["Cache-Control"] == "no-cache"


# CORS --------------------------------------------------------------------------------------

def cors_client(small_index, origins: str):
    return create_app({"INDEX_DIR": str(small_index), "CORS_ORIGINS": origins}).test_client()


def test_no_cors_headers_by_default(client):
    response = client.get("/api/v1/search?q=cocoa", headers={"Origin": "https://a.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_cors_for_any_origin(small_index):
    client = cors_client(small_index, "*")
    response = client.get("/api/v1/search?q=cocoa", headers={"Origin": "https://a.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    error = client.get("/api/v1/search?q=", headers={"Origin": "https://a.example"})
    assert error.status_code == 400 and error.headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options("/api/v1/search", headers={
        "Origin": "https://a.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "If-None-Match"})
    assert preflight.status_code in (200, 204)
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert "POST" not in preflight.headers["Access-Control-Allow-Methods"]
    assert "If-None-Match" in preflight.headers["Access-Control-Allow-Headers"]
    page = client.get("/search?q=cocoa", headers={"Origin": "https://a.example"})
    assert "Access-Control-Allow-Origin" not in page.headers  # the API only


def test_cors_for_listed_origins(small_index):
    client = cors_client(small_index, "https://news.example, http://localhost:8080")
    allowed = client.get("/api/v1/articles/t-cocoa-1", headers={"Origin": "https://news.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://news.example"
    assert "Origin" in allowed.headers["Vary"]
    other = client.get("/api/v1/articles/t-cocoa-1", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers and "Origin" in other.headers["Vary"]


def test_cors_setting_is_checked_and_documented():
    with pytest.raises(SystemExit, match="MORGUE_CORS_ORIGINS"):
        load_settings(environ={"MORGUE_CORS_ORIGINS": "news.example/path"})
    with pytest.raises(SystemExit, match="give it alone"):
        load_settings(environ={"MORGUE_CORS_ORIGINS": "https://a.example, *"})
    listed = load_settings(environ={"MORGUE_CORS_ORIGINS": "https://a.example/, http://b:8080"})
    assert listed["CORS_ORIGINS"] == ("https://a.example", "http://b:8080")
    readme = (ROOT / "README.md").read_text("utf-8")
    for name in ("CORS_ORIGINS", "SEARCH_TIME_BUDGET_MS"):
        assert name in {s.name for s in SETTINGS} and f"`MORGUE_{name}`" in readme


# 405 and HEAD ------------------------------------------------------------------------------

@pytest.mark.parametrize("method, url", [("post", "/api/v1/search?q=cocoa"),
                                         ("put", "/api/v1/health"),
                                         ("delete", "/api/v1/suggest?q=a")])
def test_wrong_method_is_a_json_405_with_allow(client, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 405 and response.content_type == "application/json"
    assert {"GET", "HEAD"} <= {m.strip() for m in response.headers["Allow"].split(",")}
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("url", GET_ENDPOINTS + ["/api/v1/health", "/api/v1/articles/nope",
                                                 "/api/v1/search?q=cocoa&nope=1"])
def test_head_answers_like_get_without_a_body(client, url):
    got, head = client.get(url), client.head(url)
    assert head.status_code == got.status_code and head.data == b""
    for name in ("Content-Type", "ETag", "Cache-Control", "Content-Disposition"):
        assert head.headers.get(name) == got.headers.get(name)
    if not got.is_streamed:
        assert head.headers["Content-Length"] == str(len(got.data))


# Unknown parameters and limits -------------------------------------------------------------

@pytest.mark.parametrize("url, param, hint", [
    ("/api/v1/search?q=cocoa&pagesize=5", "pagesize", "did you mean page_size?"),
    ("/api/v1/search?q=cocoa&sources=Reuters", "sources", "did you mean source?"),
    ("/api/v1/search?q=cocoa&limit=5", "limit", "this endpoint accepts q, from, to"),
    ("/api/v1/articles/t-cocoa-1?highlight=cocoa", "highlight", "accepts q"),
    ("/api/v1/articles/t-cocoa-1/related?size=3", "size", "accepts limit"),
    ("/api/v1/suggest?q=ivo&limits=3", "limits", "did you mean limit?"),
    ("/api/v1/health?verbose=1", "verbose", "accepts no parameters"),
])
def test_unknown_parameters_are_refused_by_name(client, url, param, hint):
    response = client.get(url)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["param"] == param and f"unknown parameter {param!r}" in error["message"]
    assert hint in error["message"]


def test_the_html_search_page_refuses_them_too(client):
    response = client.get("/search?q=cocoa&pagesize=5")
    assert response.status_code == 400 and response.content_type.startswith("text/html")
    assert "unknown parameter" in response.get_data(as_text=True)


VALID = {"q": "cocoa", "from": "1987-01-01", "to": "2030-01-01", "source": "Reuters",
         "actor": "Brazil", "person": "Jane Smith", "organization": "ICO", "place": "Brazil",
         "tag": "cocoa", "section": "news", "language": "en", "sort": "newest", "recency": "0",
         "page": "1", "page_size": "5", "cursor": "", "collapse": "none", "count": "copies",
         "facets": "source", "facet_size": "3", "interval": "year", "fields": "id",
         "explain": "false", "format": "json"}


@pytest.mark.parametrize("name", SEARCH_PARAMETERS)
def test_every_declared_parameter_is_accepted(client, name):
    response = client.get("/api/v1/search", query_string={"q": "cocoa", name: VALID[name]})
    assert response.status_code == 200, response.get_json()
    assert set(VALID) == set(SEARCH_PARAMETERS)


def test_at_most_64_terms(client):
    words = [f"cocoa{n}" for n in range(MAX_QUERY_TERMS)]
    assert client.get("/api/v1/search", query_string={"q": " OR ".join(words)}).status_code == 200
    response = client.get("/api/v1/search", query_string={"q": " OR ".join(words + ["coffee"])})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["param"] == "q" and "65 terms" in error["message"]
    phrase = '"' + " ".join(f"word{n}" for n in range(65)) + '"'
    assert client.get("/api/v1/search", query_string={"q": phrase}).status_code == 400


def test_long_highlight_and_suggest_queries_are_refused(client):
    assert client.get("/api/v1/articles/t-cocoa-1?q=" + "a" * 1001).status_code == 400
    assert client.get("/api/v1/suggest?q=" + "a" * 1001).status_code == 400


# The time budget ---------------------------------------------------------------------------

def test_a_spent_budget_answers_partially(tmp_path_factory):
    index_dir = bulk_index(tmp_path_factory)
    url = f"/api/v1/search?q={WORD}&facets=source,tag,published&page_size=20"
    full = create_app({"INDEX_DIR": str(index_dir)}).test_client().get(url).get_json()
    assert full["partial"] is False and full["total"] == MATCHING
    client = create_app({"INDEX_DIR": str(index_dir), "SEARCH_TIME_BUDGET_MS": 1}).test_client()
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store" and "ETag" not in response.headers
    body = response.get_json()
    assert body["partial"] is True and body["partial_parts"]
    assert set(body["partial_parts"]) <= {"total", "results", "facets"}
    assert 0 < body["total"] <= MATCHING and body["results"]
    if "total" in body["partial_parts"]:
        assert body["total"] < MATCHING
    if "facets" in body["partial_parts"]:
        assert set(body["facets"]) < {"source", "tag", "published"}
    if "results" in body["partial_parts"]:
        assert body["next_cursor"] is None
    # What it did gather is real: every result is one the full search finds.
    everything = create_app({"INDEX_DIR": str(index_dir)}).test_client().get(
        f"/api/v1/search?q={WORD}&format=jsonl&fields=id").get_data(as_text=True)
    found = {json.loads(line)["id"] for line in everything.splitlines()}
    assert {hit["id"] for hit in body["results"]} <= found
    # A query at fault is still a 400, never a partial 200.
    assert client.get("/api/v1/search?q=*ocoa").status_code == 400
