"""The API on a real Sphinx cluster when shards die, and API writes to it.

Each cluster here holds the hand-written articles only (a few seconds to
load), written by the real `reindex.py --backend sphinxql`. A shard killed
under load: with a mirror, every answer is complete once the head has seen
the primary go (it pings its agents every 100 ms; a few seconds are allowed
on a loaded machine), and none is an error meanwhile; without a mirror,
answers are 200 and marked partial, never errors.
"""
from __future__ import annotations

import threading
import time

import pytest

from index.sphinxql import cluster
from tests.conftest import ARTICLES, MORE, run_script
from webui import create_app

TOKEN = "w" * 24
SWITCH_GRACE = 5.0  # seconds the head may take to stop asking a dead primary
QUERIES = ("*", "cocoa", "oil OR gas", '"vladimir putin"')


def loaded_cluster(root, mirrors: bool):
    cluster.start(root, shards=2, mirrors=mirrors)
    run = run_script("reindex", str(ARTICLES), str(MORE), "--backend", "sphinxql",
                     "--cluster-dir", str(root), "--workers", "1", timeout=300)
    assert run.returncode == 0, run.stderr
    return create_app({"BACKEND": "sphinxql", "SPHINXQL_CLUSTER_DIR": str(root),
                       "API_TOKEN": TOKEN})


@pytest.fixture(scope="module")
def mirrored_cluster(tmp_path_factory):
    root = tmp_path_factory.mktemp("mirrored")
    app = loaded_cluster(root, mirrors=True)
    yield root, app
    cluster.stop(root)


@pytest.fixture()
def mirrored(mirrored_cluster):
    """The module's mirrored cluster with every node up (a test before may have killed one)."""
    root, app = mirrored_cluster
    for number, shard in enumerate(cluster.load(root).shards):
        for role in ("primary", "mirror") if shard.mirror else ("primary",):
            cluster.start_node(root, number, role)
    return root, app


@pytest.fixture()
def unmirrored(tmp_path):
    app = loaded_cluster(tmp_path, mirrors=False)
    yield tmp_path, app
    cluster.stop(tmp_path)


def totals(client) -> dict[str, int]:
    return {q: client.get("/api/v1/search", query_string={"q": q, "collapse": "none"})
            .get_json()["total"] for q in QUERIES}


def complete_answer(client, q: str) -> dict:
    """The first answer not marked partial within SWITCH_GRACE (the head's switch to mirrors)."""
    deadline = time.monotonic() + SWITCH_GRACE
    while True:
        answer = client.get("/api/v1/search", query_string={"q": q}).get_json()
        if not answer["partial"] or time.monotonic() > deadline:
            return answer
        time.sleep(0.1)


def hammer(app, seconds: float, event_at: float, event) -> list[tuple[float, str, int, dict]]:
    """Four clients asking QUERIES in turn for `seconds`; `event()` runs at `event_at`."""
    answers, started = [], time.monotonic()

    def client_loop(offset: int) -> None:
        client = app.test_client()
        number = offset
        while time.monotonic() - started < seconds:
            q = QUERIES[number % len(QUERIES)]
            answer = client.get("/api/v1/search", query_string={"q": q, "collapse": "none"})
            answers.append((time.monotonic() - started, q, answer.status_code,
                            answer.get_json()))
            number += 1

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(event_at)
    event()
    killed_at = time.monotonic() - started
    for thread in threads:
        thread.join()
    return [(at - killed_at, q, status, body) for at, q, status, body in answers]


def test_a_mirror_answers_for_its_killed_primary(mirrored):
    root, app = mirrored
    expected = totals(app.test_client())
    answers = hammer(app, SWITCH_GRACE + 1.5, 1.0, lambda: cluster.kill_node(root, 0, "primary"))
    assert all(status == 200 for _at, _q, status, _body in answers), \
        {status for _at, _q, status, _body in answers}
    late = [(q, body) for at, q, _status, body in answers if at > SWITCH_GRACE - 1.5]
    assert late, "the load went on after the kill"
    for q, body in late:
        assert not body["partial"] and body["total"] == expected[q], (q, body["warnings"])
    for _at, q, _status, body in answers:  # before or after: complete, or honestly partial
        assert body["total"] == expected[q] or body["partial"]


def test_a_shard_without_a_mirror_makes_answers_partial_not_errors(unmirrored):
    root, app = unmirrored
    expected = totals(app.test_client())
    answers = hammer(app, 4.0, 1.0, lambda: cluster.kill_node(root, 1, "primary"))
    assert all(status == 200 for _at, _q, status, _body in answers)
    late = [(q, body) for at, q, _status, body in answers if at > 1.0]
    assert late and all(body["partial"] and body["partial_parts"] == ["shards"]
                        and body["warnings"] for _q, body in late)
    assert any(body["total"] < expected[q] for q, body in late)
    health = app.test_client().get("/api/v1/health").get_json()
    assert health["status"] == "degraded" and health["message"]
    cluster.start_node(root, 1)
    assert totals(app.test_client()) == expected


def test_api_writes_are_searchable_at_once_on_both_copies_of_a_shard(mirrored):
    root, app = mirrored
    client = app.test_client()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    article = {"id": "api-quagga-1", "title": "Quagga sighted near Cape Town",
               "body": "A quagga was seen grazing near Cape Town on Tuesday, officials said.",
               "source": "Morgue Wire", "published": "2024-05-07T09:00:00Z"}
    posted = client.post("/api/v1/articles", json=[article, {"title": ""}], headers=auth)
    assert posted.status_code == 202
    results = posted.get_json()["results"]
    assert [r["status"] for r in results] == ["indexed", "rejected"]
    found = client.get("/api/v1/search?q=quagga").get_json()
    assert [hit["id"] for hit in found["results"]] == ["api-quagga-1"]
    again = client.post("/api/v1/articles", json={**article, "title": "Quagga seen again"},
                        headers=auth)
    assert again.get_json()["results"][0]["status"] == "updated"
    assert client.get("/api/v1/articles/api-quagga-1").get_json()["title"] == "Quagga seen again"
    for shard in range(2):  # whichever shard it went to, its mirror holds it too
        cluster.kill_node(root, shard, "primary")
    assert complete_answer(client, "quagga")["total"] == 1
    for shard in range(2):
        cluster.start_node(root, shard, "primary")
    assert client.delete("/api/v1/articles/api-quagga-1").status_code == 401
    assert client.delete("/api/v1/articles/api-quagga-1", headers=auth).status_code == 202
    assert client.get("/api/v1/search?q=quagga").get_json()["total"] == 0
    assert client.delete("/api/v1/articles/api-quagga-1", headers=auth).status_code == 404
