"""The JSON API through the real Flask app: a table of requests and what they must answer.

Each test that takes `client` runs on both backends: the embedded Whoosh index and a real
Sphinx cluster holding the same articles (MORGUE_BACKEND=sphinxql). Where the sphinxql
backend answers differently by design, the test says so for that backend.
"""
from __future__ import annotations

import pytest

from webui import create_app


@pytest.fixture(params=("whoosh", "sphinxql"))
def client(request, app):
    if request.param == "whoosh":
        return app.test_client()
    return request.getfixturevalue("cluster_app").test_client()


def backend(client) -> str:
    return client.application.config["MORGUE"]["BACKEND"]


@pytest.mark.parametrize("query, first_id", [
    ("q=Kursk", None),  # checked below by title: the seed article's id is a content hash
    ("q=coffee+Geneva", "t-coffee-1"),
    ("q=*&source=Wire+Desk&place=Brazil", "t-coffee-1"),
    ("q=*&from=2025-07-31&to=2025-08-01&sort=oldest", "t-coffee-2"),
    ("q=cocoa&tag=commodities", "t-cocoa-1"),
    ("q=*&sort=newest&page_size=1", "t-cocoa-2"),
])
def test_search_answers(client, query, first_id):
    response = client.get(f"/api/v1/search?{query}")
    assert response.status_code == 200
    assert response.content_type == "application/json"
    body = response.get_json()
    assert body["results"], body
    if first_id:
        assert body["results"][0]["id"] == first_id


def test_search_response_shape(client):
    body = client.get("/api/v1/search?q=Kursk").get_json()
    assert list(body)[:6] == ["query", "total", "page", "page_size", "pages", "took_ms"]
    assert body["query"]["q"] == "Kursk" and body["query"]["sort"] == "relevance"
    hit = body["results"][0]
    for key in ("id", "url", "title", "source", "published", "people", "organizations",
                "places", "snippet", "score", "cluster"):
        assert key in hit
    assert "<mark>Kursk</mark>" in hit["snippet"]
    assert body["suggestion"] is None and "next_cursor" in body
    assert isinstance(body["facets"]["source"], list)


def test_dates_are_iso_utc(client):
    body = client.get("/api/v1/search?q=chocolate").get_json()
    assert body["results"][0]["published"] == "2025-08-12T12:03:00Z"


# Where the sphinxql backend answers otherwise, by design: (param, message), or None for a 200.
SPHINXQL_ANSWERS = {
    "q=the": None,  # Sphinx's index keeps every word: no stop words
    "q=*ocoa": ("q", "wildcards other than a * ending a word (*ocoa) are not supported by the "
                     "sphinxql backend"),
    "q=cocoa&cursor=abc": ("cursor", "cursors are not supported by the sphinxql backend"),
    "q=kursk~3": ("q", "fuzzy terms (kursk~3) are not supported by the sphinxql backend"),
}


@pytest.mark.parametrize("query, param, message", [
    ("", "q", "q is required"),
    ("q=", "q", "q is required"),
    ("q=%20%20", "q", "q is required"),
    ("q=cocoa&page_size=500", "page_size", "page_size must be between 1 and 100 (got 500)"),
    ("q=cocoa&page_size=0", "page_size", "page_size must be between 1 and 100 (got 0)"),
    ("q=cocoa&page_size=ten", "page_size", "page_size must be a whole number"),
    ("q=cocoa&page=0", "page", "page must be at least 1 (got 0)"),
    ("q=cocoa&page=-3", "page", "page must be at least 1"),
    ("q=cocoa&page=1001", "page", "page * page_size must be at most 10,000"),
    ("q=cocoa&from=last+tuesday", "from", "from must be an ISO 8601 date"),
    ("q=cocoa&to=1987-02-30", "to", "to must be an ISO 8601 date"),
    ("q=cocoa&from=1987-03-02&to=1987-03-01", "from", "from must not be later than to"),
    ("q=cocoa&sort=best", "sort", "sort must be one of relevance, newest, oldest, indexed"),
    ("q=cocoa&facets=colour", "facets", "facets has unknown value 'colour'"),
    ("q=cocoa&fields=id,secret", "fields", "fields has unknown value 'secret'"),
    ("q=cocoa&q=coffee", "q", "q may be given only once"),
    ("q=the", "q", "has no searchable words"),
    ("q=*ocoa", "q", "may not start a word"),
    ("q=" + "a" * 1001, "q", "q must be at most 1000 characters"),
    ("q=cocoa&cursor=abc", "cursor", "cursor is not one this server gave out"),
    ("q=cocoa&format=xml", "format", "format must be one of"),
    ("q=cocoa&collapse=story", "collapse", "collapse must be one of cluster, none"),
    ("q=cocoa&count=all", "count", "count must be one of stories, copies"),
    ("q=cocoa&interval=hour", "interval", "interval must be one of auto, day, week, month, year"),
    ("q=cocoa&explain=maybe", "explain", "explain must be true or false"),
    ("q=cocoa&recency=2", "recency", "recency must be a number from 0"),
    ("q=cocoa&recency=0.5&sort=newest", "recency", "needs sort=relevance"),
    ("q=published:[2025-08-01", "q", "is not closed"),
    ("q=published:soon", "q", "soon is not a date"),
    ("q=kursk~3", "q", "at most 2 letters may differ"),
    ('q="unclosed', "q", "quotation mark is not closed"),
    ("q=published:[now+TO%00+1987]", "q", "a date or range in the query cannot be read"),
])
def test_bad_requests_name_the_parameter(client, query, param, message):
    if backend(client) == "sphinxql" and query in SPHINXQL_ANSWERS:
        expected = SPHINXQL_ANSWERS[query]
        if expected is None:
            assert client.get(f"/api/v1/search?{query}").status_code == 200
            return
        param, message = expected
    response = client.get(f"/api/v1/search?{query}")
    assert response.status_code == 400
    assert response.content_type == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == "bad_request" and error["param"] == param
    assert message in error["message"]


def test_syntax_error_carries_a_position(client):
    error = client.get("/api/v1/search?q=cocoa+*ocoa").get_json()["error"]
    assert error["position"] == 6


def test_article_endpoint(client):
    article = client.get("/api/v1/articles/reuters21578:1").get_json()
    assert article["title"] == "BAHIA COCOA REVIEW"
    assert article["published"] == "1987-02-26T15:01:01Z"
    assert article["source"] == "Reuters" and article["tags"] == ["cocoa"]
    # The source's tags come first, then the places found in the text and dateline.
    assert article["places"][:3] == ["El Salvador", "United States", "Uruguay"]
    assert "Salvador" in article["places"] and "Bahia" in article["places"]
    assert article["title_derived"] is False and article["quotes"] == []
    assert article["origin"].endswith("reut2-000.sgm.gz#NEWID=1")
    assert article["body"].startswith("Showers continued throughout the week")


def test_unknown_article_is_a_json_404(client):
    response = client.get("/api/v1/articles/no-such-story")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_unknown_route_and_wrong_method_are_json(client):
    assert client.get("/api/v1/nope").get_json()["error"]["code"] == "not_found"
    response = client.post("/api/v1/search?q=cocoa")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_health(client):
    response = client.get("/api/v1/health")
    body = response.get_json()
    assert response.status_code == 200 and body["status"] == "ok"
    assert body["documents"] > 1000 and body["index"]["documents"] == body["documents"]
    if backend(client) == "whoosh":
        assert body["index"]["schema_version"] >= 1


def test_missing_index_says_how_to_build_it(tmp_path):
    client = create_app({"INDEX_DIR": str(tmp_path / "nothing")}).test_client()
    health = client.get("/api/v1/health")
    assert health.status_code == 503
    assert health.get_json()["status"] == "missing"
    assert "python scripts/reindex.py" in health.get_json()["message"]
    search = client.get("/api/v1/search?q=cocoa")
    assert search.status_code == 503
    error = search.get_json()["error"]
    assert error["code"] == "index_missing" and "reindex.py" in error["hint"]
    page = client.get("/search?q=cocoa")
    assert page.status_code == 503 and b"reindex.py" in page.data


def test_unexpected_errors_reveal_nothing(app, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals /etc/passwd")

    monkeypatch.setattr("webui.api.run_search", broken)
    response = app.test_client().get("/api/v1/search?q=cocoa")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"
    assert b"secret" not in response.data and b"Traceback" not in response.data


def test_did_you_mean_in_the_search_response(client):
    body = client.get("/api/v1/search?q=chocolat").get_json()
    if backend(client) == "sphinxql":  # no spelling suggestions from the cluster
        assert body["suggestion"] is None
        return
    assert body["suggestion"] == "chocolate"
    assert client.get("/api/v1/search?q=chocolate").get_json()["suggestion"] is None


def refused_by_sphinxql(answer) -> bool:
    error = answer.get_json()["error"]
    return answer.status_code == 400 and "not supported by the sphinxql backend" in error["message"]


def test_suggest_endpoint(client):
    if backend(client) == "sphinxql":
        assert refused_by_sphinxql(client.get("/api/v1/suggest?q=ivory"))
        return
    body = client.get("/api/v1/suggest?q=ivory").get_json()
    assert {"value": "Ivory Coast", "kind": "place"} in [
        {k: s[k] for k in ("value", "kind")} for s in body["suggestions"]]
    assert client.get("/api/v1/suggest?q=ivory&limit=0").status_code == 400
    assert client.get("/api/v1/suggest?q=").get_json() == {"suggestions": []}


def test_related_endpoint_leaves_out_the_story_itself(client):
    if backend(client) == "sphinxql":
        assert refused_by_sphinxql(client.get("/api/v1/articles/t-syn-1/related?limit=5"))
        return
    body = client.get("/api/v1/articles/t-syn-1/related?limit=5").get_json()
    ids = [result["id"] for result in body["results"]]
    assert ids and not {"t-syn-1", "t-syn-2", "t-syn-3"} & set(ids)
    assert client.get("/api/v1/articles/nope/related").status_code == 404
    assert client.get("/api/v1/articles/t-syn-1/related?limit=x").status_code == 400


def test_article_endpoint_marks_a_query(client):
    body = client.get("/api/v1/articles/t-cocoa-1?q=cocoa").get_json()
    assert body["title_html"].startswith("<mark>Cocoa</mark>")
    assert any("<mark>" in paragraph for paragraph in body["body_html"])
