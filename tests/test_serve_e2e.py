"""End to end over real HTTP: scripts/serve.py on a free port, every API endpoint, writes
that become searchable, deletes that stop being found, and a restart that keeps both.

The server runs two worker processes, so appends come from both and the applier
lock decides which one writes. The measured delay from a 202 to the first search
that finds the article (or no longer finds it) is printed (`pytest -s`).
"""
from __future__ import annotations

import json
import shutil
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from index.journal import Journal
from index.posted import check
from tests.conftest import Server
from webui import create_app

TOKEN = "e2e-token-7f3a9c"
DEADLINE = 30.0


def call(method: str, url: str, payload=None, token: str | None = TOKEN,
         content_type: str = "application/json") -> tuple[int, dict, bytes]:
    data = None
    if payload is not None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode("utf-8")
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", content_type)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def get_json(url: str) -> tuple[int, dict]:
    status, _, body = call("GET", url, token=None)
    return status, json.loads(body)


def search_ids(server: Server, q: str) -> list[str]:
    # fields=id: polling with snippets would spend the server's CPU on highlighting.
    query = urllib.parse.urlencode({"q": q, "collapse": "none", "page_size": 100, "fields": "id"})
    status, body = get_json(f"{server.url}/api/v1/search?{query}")
    assert status == 200, body
    return [result["id"] for result in body["results"]]


def posted_ids(server: Server, q: str) -> list[str]:
    """The matches this test posted, whatever else the sample holds."""
    return [i for i in search_ids(server, q) if i.startswith("e2e-")]


def wait_for(predicate) -> float:
    started = time.monotonic()
    while not predicate():
        assert time.monotonic() - started < DEADLINE, "not applied within the deadline"
        time.sleep(0.05)
    return time.monotonic() - started


@pytest.fixture()
def index_copy(small_index, tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(small_index, copy)
    return copy


def api_routes() -> set[tuple[str, str]]:
    """(rule, method) of every JSON API route of the app, to check the test calls each one."""
    app = create_app({"INDEX_DIR": "/nonexistent"})
    return {(rule.rule, method) for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/api/v1/") for method in rule.methods - {"HEAD", "OPTIONS"}}


def exercise_read_endpoints(server: Server, called: set) -> None:
    status, body = get_json(f"{server.url}/api/v1/search?q=cocoa")
    assert status == 200 and body["total"] >= 1
    called.add(("/api/v1/search", "GET"))
    article_id = body["results"][0]["id"]
    status, article = get_json(f"{server.url}/api/v1/articles/{article_id}")
    assert status == 200 and article["id"] == article_id and article["body"]
    assert get_json(f"{server.url}/api/v1/articles/no-such-article")[0] == 404
    called.add(("/api/v1/articles/<article_id>", "GET"))
    status, related = get_json(f"{server.url}/api/v1/articles/{article_id}/related")
    assert status == 200 and article_id not in [r["id"] for r in related["results"]]
    called.add(("/api/v1/articles/<article_id>/related", "GET"))
    status, suggest = get_json(f"{server.url}/api/v1/suggest?q=coc")
    assert status == 200 and suggest["suggestions"]
    called.add(("/api/v1/suggest", "GET"))
    status, health = get_json(f"{server.url}/api/v1/health")
    assert status == 200 and health["status"] == "ok" and health["documents"] > 1000
    called.add(("/api/v1/health", "GET"))
    for rule, method in api_routes() - called:  # anything else without parameters
        if method == "GET" and "<" not in rule:
            status, _, _ = call("GET", server.url + rule, token=None)
            assert status == 200, rule
            called.add((rule, method))
    for page in ("/", "/search?q=cocoa", f"/articles/{article_id}", "/actors/place/Brazil"):
        assert call("GET", server.url + page, token=None)[0] == 200, page


def test_every_endpoint_writes_and_a_restart_over_real_http(index_copy):
    server = Server(index_copy, workers=2, env={"MORGUE_API_TOKEN": TOKEN})
    called: set[tuple[str, str]] = set()
    try:
        exercise_read_endpoints(server, called)

        # Writes: refused without the token, accepted with it, searchable soon after.
        assert call("POST", f"{server.url}/api/v1/articles", {"title": "x"}, token=None)[0] == 401
        assert call("POST", f"{server.url}/api/v1/articles", {"title": "x"}, token="no")[0] == 401
        assert call("POST", f"{server.url}/api/v1/articles", b"{oops")[0] == 400
        articles = [{"id": "e2e-1", "title": "Quinoa growers meet in La Paz",
                     "body": "Quinoa growers from Bolivia and Peru met in La Paz."},
                    {"id": "e2e-2", "title": "Quinoa exports", "body": "Quinoa exports rose."},
                    {"id": "not valid!", "title": "Rejected"}]
        status, _, body = call("POST", f"{server.url}/api/v1/articles", articles)
        assert status == 202, body
        results = json.loads(body)["results"]
        assert [r["status"] for r in results] == ["indexed", "indexed", "rejected"]
        called.add(("/api/v1/articles", "POST"))
        post_delay = wait_for(lambda: sorted(search_ids(server, "quinoa")) == ["e2e-1", "e2e-2"])
        assert "Bolivia" in get_json(f"{server.url}/api/v1/articles/e2e-1")[1]["places"]

        status, _, body = call("DELETE", f"{server.url}/api/v1/articles/e2e-2")
        assert status == 202 and json.loads(body)["status"] == "deleted"
        assert call("DELETE", f"{server.url}/api/v1/articles/never-was")[0] == 404
        called.add(("/api/v1/articles/<article_id>", "DELETE"))
        delete_delay = wait_for(lambda: search_ids(server, "quinoa") == ["e2e-1"])

        # Concurrent writes from several threads (and both worker processes).
        statuses: list[int] = []

        def poster(worker: int) -> None:
            for n in range(5):
                payload = {"id": f"e2e-c{worker}-{n}", "title": f"Kernza {worker} {n}",
                           "body": f"Kernza harvest report number {worker} {n}."}
                statuses.append(call("POST", f"{server.url}/api/v1/articles", payload)[0])

        threads = [threading.Thread(target=poster, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert statuses == [202] * 20
        wait_for(lambda: len(posted_ids(server, "kernza")) == 20)

        # Acknowledged just before the server stops: the journal keeps it.
        last = {"id": "e2e-last", "title": "Teff", "body": "Teff from Ethiopia."}
        assert call("POST", f"{server.url}/api/v1/articles", last)[0] == 202
        missing = sorted(api_routes() - called)
        assert missing == [], f"endpoints this test does not exercise: {missing}"
    finally:
        server.stop()
    output = server.output()
    assert TOKEN not in output and "Traceback" not in output, output

    # An entry acknowledged but never applied (as if the server died at once): each worker
    # starts its applier as it boots, so no write request is needed to apply it.
    unapplied = check(0, {"id": "e2e-journal", "title": "Fonio", "body": "Fonio from Mali."})
    Journal(index_copy).append([("put", unapplied.id, unapplied.mapping)])
    restarted = Server(index_copy, workers=1, env={"MORGUE_API_TOKEN": TOKEN})
    try:
        assert search_ids(restarted, "quinoa") == ["e2e-1"]
        assert len(posted_ids(restarted, "kernza")) == 20
        wait_for(lambda: search_ids(restarted, "teff") == ["e2e-last"])
        wait_for(lambda: search_ids(restarted, "fonio") == ["e2e-journal"])
        assert get_json(f"{restarted.url}/api/v1/articles/e2e-2")[0] == 404
    finally:
        restarted.stop()
    print(f"\nwrite-to-searchable delay over HTTP: POST {post_delay:.2f} s, "
          f"DELETE {delete_delay:.2f} s (applier interval 0.2 s)")
