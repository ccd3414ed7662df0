"""The load trials (scripts/load.py) on the small test index: short, but every check for real.

A real server (scripts/serve.py, two workers) on 127.0.0.1 in each trial:
steady load through the command line; the reindex trial on a copy of the
index, whose rebuild from a smaller source set switches generations
mid-run while incremental updates and API writes arrive; and kill -9 of a
worker. No timing is asserted, only what must hold on any machine: no
errors, answers that agree with the generation they name, workers that
follow the switch, a replaced worker. The verifier and the memory summary
are also shown to fail when they should.
"""
from __future__ import annotations

import json
import shutil

import pytest

from bench.load_clients import Outcome
from bench.load_procs import memory_summary
from bench.load_trial import Options, run_trial, server_exceptions
from bench.load_verify import check_answers, generation_archive, request_of, switch_lag
from index import store
from search import Archive, run_search
from search.manifest import index_manifest
from tests.conftest import ARTICLES, MORE, build_index, run_script

WORKERS = 2
CLIENTS = 8
CSV_ROWS = 200  # exports of at most 200 rows: the CI machine has two cores
SAID = "/api/v1/search?q=said&collapse=none&facets="  # many in the old build, few in the new


def test_steady_load_from_the_command_line(small_index, tmp_path):
    report = tmp_path / "steady.json"
    run = run_script("load", "--index-dir", str(small_index), "--workers", str(WORKERS),
                     "--clients", str(CLIENTS), "--seconds", "5", "--csv-max-rows", str(CSV_ROWS),
                     "--json", str(report),
                     timeout=300)
    printed = run.stdout
    result = json.loads(report.read_text())
    assert run.returncode == 0, printed + run.stderr
    assert result["load"]["errors"] == 0 and result["failures"] == []
    assert result["load"]["requests"] > CLIENTS
    assert set(result["load"]["latency_ms"]) >= {"search", "facets", "suggest", "all"}
    assert result["mix"]["csv_rows"], "the mix holds a CSV export"
    assert result["warmup"]["failed"] == 0 and len(result["warmup"]["per_worker_s"]) == WORKERS
    assert len(result["memory"]["workers"]) == WORKERS
    assert all(w["samples"] >= 3 and w["max_mb"] > 0 for w in result["memory"]["workers"])
    assert "verdict: PASS" in printed and "p99 ms" in printed


def test_reindex_under_load_switches_every_worker_without_mixing(small_index, tmp_path):
    index_dir = tmp_path / "index"
    shutil.copytree(small_index, index_dir)
    before = store.live_name(index_dir)
    result = run_trial(Options(index_dir=index_dir, mode="reindex", workers=WORKERS,
                               clients=CLIENTS, seconds=4, tail=3, distinct=10,
                               max_seconds=300, lag_bound=5.0, write_interval=0.5,
                               time_budget_ms=60_000, warmup_max=0, csv_max_rows=CSV_ROWS,
                               reindex_sources=[str(ARTICLES), str(MORE)]))
    section = result["reindex"]
    assert result["failures"] == [], (result["failures"], result.get("server_log_tail"))
    assert all(step["exit"] == 0 for step in section["steps"].values())
    assert [s["name"] for s in section["switches"]] == [store.live_name(index_dir)] != [before]
    lag = section["lag"]
    assert len(lag["lag_s"]) == WORKERS and lag["max_lag_s"] is not None
    assert lag["stale_answers"] == 0 and lag["old_build_after_new"] == 0
    assert section["answers"]["answers_checked"] > 0 and section["answers"]["problems"] == 0
    assert section["posts_accepted"] > 0 and section["writes_missing_after"] == 0
    assert section["expected_404"] > 0  # the new build lacks most articles of the old one


def test_kill_a_worker_under_load(small_index):
    result = run_trial(Options(index_dir=small_index, mode="kill", workers=WORKERS,
                               clients=CLIENTS, seconds=6, warmup_max=0,
                               csv_max_rows=CSV_ROWS))
    kill = result["kill"]
    assert result["failures"] == [], (result["failures"], result.get("server_log_tail"))
    assert kill["replacement"] not in (None, *kill["workers_before"])
    assert "served_after_s" in kill
    assert kill["failed_requests"] <= kill["connections_held"]
    assert result["load"]["errors"] == 0


@pytest.fixture(scope="module")
def two_builds(small_index, tmp_path_factory) -> tuple:
    """A copy of the small index rebuilt from a smaller source set: (dir, old build, new)."""
    index_dir = tmp_path_factory.mktemp("two-builds") / "index"
    shutil.copytree(small_index, index_dir)
    old = store.live_name(index_dir)
    build_index(index_dir, [str(ARTICLES), str(MORE)])
    return index_dir, old, store.live_name(index_dir)


def test_the_verifier_catches_an_answer_labelled_with_the_wrong_build(two_builds, tmp_path):
    """An answer computed on the old build but naming the new one is caught."""
    index_dir, old, new = two_builds
    archives = {name: generation_archive(index_dir, name, tmp_path) for name in (old, new)}
    answers = {name: run_search(archives[name], request_of(SAID)) for name in (old, new)}
    assert answers[old]["total"] != answers[new]["total"]

    def outcome(build: str, answer: dict) -> Outcome:
        return Outcome("search", SAID, 1.0, 1.1, 200, build=build,
                       commit=answer["index"]["commit"], total=answer["total"],
                       ids=tuple(r["id"] for r in answer["results"]))

    honest = check_answers([outcome(old, answers[old]), outcome(new, answers[new])], archives)
    assert honest["problems"] == 0 and honest["compared_exactly"] == 2
    mixed = check_answers([outcome(new, answers[old])], archives)
    assert mixed["problems"] == 1


def test_a_search_names_the_build_it_read_when_current_moves_meanwhile(two_builds, tmp_path):
    """What the reindex trial found: a rebuild switching CURRENT during a search made the
    answer name the new build while its results came from the old one."""
    index_dir, old, new = two_builds
    copy = tmp_path / "index"
    shutil.copytree(index_dir, copy)
    store.switch_to(copy, copy / store.GENERATIONS / old)
    archive = Archive(copy)
    with archive.searcher() as searcher:
        store.switch_to(copy, copy / store.GENERATIONS / new)  # the rebuild finishes
        assert index_manifest(archive, searcher)["build_id"] == old
    assert run_search(archive, request_of(SAID))["index"]["build_id"] == new


@pytest.mark.parametrize("growth, within", [(10.0, True), (80.0, False)])
def test_memory_growth_is_judged_per_worker_against_the_bound(growth, within):
    samples = [(t, 7, 100.0 + growth * t / 59) for t in range(60)]
    summary = memory_summary(samples, duration=60, bound_mb=50)
    (worker,) = summary["workers"]
    assert worker["spans_run"] and worker["samples"] == 60
    assert worker["growth_mb"] == pytest.approx(growth * 0.8, abs=growth * 0.1)
    assert summary["within_bound"] is within


def test_switch_lag_counts_stale_answers_by_when_they_were_sent():
    """An old-build answer queued before the switch is late, not stale; one sent after the
    bound is stale; a worker answering old after new went back."""
    def answer(worker: int, build: str, started: float, ended: float) -> Outcome:
        return Outcome(kind="search", path="/api/v1/search?q=x", started=started, ended=ended,
                       status=200, worker=worker, build=build)

    switch = {"name": "new", "t": 100.0, "workers": [1, 2]}
    queued = [answer(1, "old", 95.0, 140.0), answer(1, "new", 99.0, 141.0),
              answer(2, "new", 101.0, 102.0)]
    late = switch_lag(queued, switch, bound=10.0)
    assert late["lag_s"] == {1: 41.0, 2: 2.0} and late["max_lag_s"] == 41.0
    assert late["stale_answers"] == 0 and late["old_build_after_new"] == 0
    stale = switch_lag([*queued, answer(2, "old", 111.0, 112.0)], switch, bound=10.0)
    assert stale["stale_answers"] == 1 and stale["old_build_after_new"] == 1
    assert stale["latest_old_answer_sent_after_s"] == 11.0
    assert switch_lag([*queued, answer(2, "old", 111.0, 112.0)], switch,
                      bound=None)["stale_answers"] == 0


def test_the_verdict_names_what_the_server_raised():
    """A 500 in a CI log says which exception and where, not only that there was one."""
    log = ("[ERROR] unhandled error on /api/v1/search\nTraceback (most recent call last):\n"
           '  File "/app/flask/app.py", line 10, in wsgi_app\n    return view()\n'
           '  File "/app/search/marks.py", line 147, in _phrase_end\n    tail = _phrase_end()\n'
           "  [Previous line repeated 996 more times]\n"
           "RecursionError: maximum recursion depth exceeded\n"
           "[ERROR] Worker (pid:1) was sent SIGKILL! Perhaps out of memory?\n")
    assert server_exceptions(log) == [
        'RecursionError: maximum recursion depth exceeded '
        '(File "/app/search/marks.py", line 147, in _phrase_end)']
    assert server_exceptions("[ERROR] Worker (pid:1) was sent SIGKILL!\n") == []
