"""The JSON API on both backends: the embedded Whoosh index and a real Sphinx cluster.

One small corpus (the tests' hand-written set, the sample article and one
Reuters file) is indexed twice: by writer.rebuild into Whoosh (the session's
small index) and by `reindex.py --backend sphinxql` into a two-shard Sphinx
cluster started for this module. The same API requests go to both apps.
Filter and facet totals must be equal; ranked top tens overlap (printed, not
fixed: BM25 in Sphinx is not Morgue's ranking); what the sphinxql backend
cannot do is a 400 naming it.
"""
from __future__ import annotations

import json
import os

import pytest

from tests.conftest import run_script
from webui import create_app

BACKENDS = ("whoosh", "sphinxql")


@pytest.fixture(scope="module")
def clients(small_index, cluster_app):
    return {"whoosh": create_app({"INDEX_DIR": str(small_index)}).test_client(),
            "sphinxql": cluster_app.test_client()}


def search(client, **params) -> dict:
    answer = client.get("/api/v1/search", query_string=params)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


FILTERED = [
    {"q": "*"},
    {"q": "*", "collapse": "none"},
    {"q": "*", "source": "Reuters"},
    {"q": "*", "place": "usa"},
    {"q": "*", "from": "1987-02-26", "to": "1987-02-27"},
    {"q": "cocoa"},
    {"q": "oil prices", "collapse": "none"},
    {"q": '"cocoa exports"'},
    {"q": "title:cocoa"},
    {"q": "cocoa OR coffee"},
    {"q": "cocoa -brazil"},
    {"q": "export*"},
]


@pytest.mark.parametrize("params", FILTERED, ids=lambda p: "&".join(f"{k}={v}"
                                                                    for k, v in p.items()))
def test_totals_and_facets_agree(clients, params):
    wanted = {**params, "facets": "source,person,organization,place,published",
              "interval": "month"}
    answers = {name: search(client, **wanted) for name, client in clients.items()}
    whoosh, sphinx = answers["whoosh"], answers["sphinxql"]
    assert sphinx["total"] == whoosh["total"]
    assert sphinx["total_copies"] == whoosh["total_copies"]
    for facet in ("source", "person", "organization", "place", "published"):
        assert ([(v["value"], v["count"]) for v in sphinx["facets"][facet]]
                == [(v["value"], v["count"]) for v in whoosh["facets"][facet]]), facet


def test_every_facet_value_filters_to_the_same_total(clients):
    """Click each of the top values of every facet, as a reader would, on both backends."""
    facets = search(clients["whoosh"], q="*", facets="source,person,organization,place,tag",
                    facet_size=5)["facets"]
    checked = 0
    for name, values in facets.items():
        for value in values:
            for typed in (value["value"], value["value"].upper()):  # whole value, any case
                totals = {backend: search(client, q="*", **{name: typed})["total"]
                          for backend, client in clients.items()}
                assert totals["sphinxql"] == totals["whoosh"] > 0, (name, typed)
                checked += 1
    actor = facets["person"][0]["value"]
    totals = {backend: search(client, q="*", actor=actor)["total"]
              for backend, client in clients.items()}
    assert totals["sphinxql"] == totals["whoosh"] > 0
    assert checked >= 20


def test_story_totals_are_exact_past_the_groups_a_page_ranks(clients, monkeypatch):
    """Sphinx estimates a grouped query's total once its groups outnumber max_matches."""
    from search.sphinxql import statement

    monkeypatch.setattr(statement, "DEFAULT_MATCHES", 20)
    for q in ("*", "said"):
        totals = {name: search(client, q=q)["total"] for name, client in clients.items()}
        assert totals["sphinxql"] == totals["whoosh"] > 20, q


RANKED = ["cocoa", "oil prices", "coffee quota talks", "bank interest rates", "grain exports"]


def test_ranked_top_tens_overlap(clients, capsys):
    overlaps = []
    for q in RANKED:
        tops = {name: [hit["id"] for hit in search(client, q=q, collapse="none",
                                                   page_size=10)["results"]]
                for name, client in clients.items()}
        shared = len(set(tops["whoosh"]) & set(tops["sphinxql"]))
        overlaps.append(shared / max(1, min(len(tops["whoosh"]), 10)))
    with capsys.disabled():
        print("\ntop-10 overlap, sphinxql vs whoosh:", dict(zip(RANKED, overlaps)))
    assert sum(overlaps) / len(overlaps) >= 0.5


def test_results_page_and_article_agree(clients):
    whoosh = search(clients["whoosh"], q="cocoa", sort="newest", collapse="none", page_size=5)
    sphinx = search(clients["sphinxql"], q="cocoa", sort="newest", collapse="none",
                    page_size=5)
    assert [h["published"] for h in sphinx["results"]] == \
        [h["published"] for h in whoosh["results"]]
    article_id = whoosh["results"][0]["id"]
    articles = {name: client.get(f"/api/v1/articles/{article_id}").get_json()
                for name, client in clients.items()}
    for key in ("id", "title", "body", "source", "published", "people", "places"):
        assert articles["sphinxql"][key] == articles["whoosh"][key], key
    assert clients["sphinxql"].get("/api/v1/articles/no-such-id").status_code == 404


def test_a_story_s_copies_are_told_alike(clients):
    tops = {name: search(client, q="*", sort="oldest", collapse="none", fields="id,cluster",
                         page_size=100)
            for name, client in clients.items()}
    whoosh = {hit["id"]: hit["cluster"] for hit in tops["whoosh"]["results"]}
    sphinx = {hit["id"]: hit["cluster"] for hit in tops["sphinxql"]["results"]}
    shared = set(whoosh) & set(sphinx)
    assert len(shared) > 50
    for article_id in shared:
        assert sphinx[article_id] == whoosh[article_id], article_id
    assert any(whoosh[article_id]["size"] > 1 for article_id in shared)


def test_snippets_mark_words_and_hold_no_other_markup(clients):
    answer = search(clients["sphinxql"], q="cocoa", page_size=10)
    snippets = [hit["snippet"] for hit in answer["results"]]
    assert snippets and all("<mark>" in s for s in snippets)
    stripped = [s.replace("<mark>", "").replace("</mark>", "") for s in snippets]
    assert not any("<" in s or ">" in s for s in stripped)


@pytest.mark.parametrize("params, named", [
    ({"q": "kursk~1"}, "fuzzy"),
    ({"q": "cocoa", "recency": "0.5"}, "recency"),
    ({"q": "cocoa", "explain": "true"}, "explain"),
    ({"q": "cocoa", "sort": "indexed"}, "sort=indexed"),
])
def test_what_sphinxql_cannot_do_is_a_400_naming_it(clients, params, named):
    answer = clients["sphinxql"].get("/api/v1/search", query_string=params)
    assert answer.status_code == 400
    assert named in answer.get_json()["error"]["message"]
    assert "sphinxql" in answer.get_json()["error"]["message"]


def test_every_other_endpoint_answers_or_refuses_plainly(clients):
    client = clients["sphinxql"]
    assert client.get("/api/v1/health").get_json()["status"] == "ok"
    assert client.get("/search?q=cocoa").status_code == 200
    for path in ("/api/v1/suggest?q=coc", "/api/v1/articles/x/related"):
        answer = client.get(path)
        assert answer.status_code == 400 and "sphinxql" in answer.get_json()["error"]["message"]


def test_the_query_script_searches_the_cluster(clients, small_cluster):
    env = {**os.environ, "MORGUE_BACKEND": "sphinxql",
           "MORGUE_SPHINXQL_CLUSTER_DIR": str(small_cluster)}
    run = run_script("query", "cocoa", "--collapse", "none", "--json", env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert answer["index"]["backend"] == "sphinxql"
    assert answer["total"] == search(clients["whoosh"], q="cocoa", collapse="none")["total"]
