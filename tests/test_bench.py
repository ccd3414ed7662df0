"""The speed benchmark (scripts/bench.py) on a tiny corpus: every engine, every class, one mix.

One CLI run over the first 300 sample-corpus articles, Morgue, FTS5,
Tantivy and the SphinxQL cluster, 20 queries, no HTTP, in a temp work dir
(some 20 s); the other tests read its JSON and its cached corpus. Real parts
throughout: Morgue's pipeline and read path, sqlite3, tantivy, searchd.
"""
from __future__ import annotations

import importlib.util
import json
import shutil
from collections import Counter

import pytest

from bench import report, runner, stats
from bench.corpus import Document, iter_documents
from bench.queries import CLASSES, Vocabulary, build_mix, digest
from bench.workspace import Workspace
from tests.conftest import SAMPLE, run_script

HAVE_TANTIVY = importlib.util.find_spec("tantivy") is not None
HAVE_SEARCHD = shutil.which("searchd") is not None
ENGINES = ("morgue", "fts5") + (("tantivy",) if HAVE_TANTIVY else ()) + \
    (("sphinxql",) if HAVE_SEARCHD else ())
ARTICLES = 300
QUERIES = 20


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("bench")
    output = workdir / "out.json"
    done = run_script("bench", "--limit", str(ARTICLES),
                      "--engines", "morgue,fts5,tantivy,sphinxql", "--queries", str(QUERIES),
                      "--no-http", "--workdir", str(workdir),
                      "--source", str(SAMPLE), "--json", str(output), timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return workdir, done, json.loads(output.read_text())


def test_every_engine_answers_every_class_with_sane_figures(bench_run):
    _workdir, done, results = bench_run
    scale = results["scales"]["x1"]
    assert scale["corpus"]["documents"] == ARTICLES
    assert tuple(scale["engines"]) == ENGINES
    for name, engine in scale["engines"].items():
        assert engine["build"]["documents"] == ARTICLES, name
        assert engine["build"]["articles_per_s"] > 0 and engine["build"]["index_bytes"] > 0
        assert 0 <= engine["open_ms"] < 60_000 and engine["first_query_ms"] > 0
        assert engine["rss_mb"]["peak"] >= engine["rss_mb"]["baseline"] > 0
        assert list(engine["classes"]) == list(CLASSES), name
        for cls, figures in engine["classes"].items():
            assert figures["n"] == QUERIES // len(CLASSES), (name, cls)
            assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"] < 30_000
        # Every engine materialises a page of highlighted snippets, and counts facets.
        assert engine["classes"]["snippets"]["highlighted_per_query"] > 0, name
        assert engine["classes"]["common"]["results_per_query"] == 10, name
        assert engine["classes"]["facets"]["facet_values_per_query"] > 0, name
    assert scale["ratios"]["fts5"]["classes.common.p50_ms"] > 0
    assert done.stdout.startswith("machine: ") and "load average" in done.stdout
    assert "== x1: 300 articles" in done.stdout and "morgue/fts5" in done.stdout
    if not HAVE_TANTIVY:  # said plainly, not a failure: the bench extra is not installed
        assert "skipped tantivy" in done.stdout and "requirements-bench.txt" in done.stdout
    if not HAVE_SEARCHD:
        assert "skipped sphinxql" in done.stdout and "sphinxsearch" in done.stdout


@pytest.mark.skipif(not HAVE_SEARCHD, reason="searchd not installed (apt-get install sphinxsearch)")
def test_the_sphinxql_engine_stops_its_cluster_and_says_how_it_ranked(bench_run):
    workdir, done, results = bench_run
    from index.sphinxql import cluster

    engine = results["scales"]["x1"]["engines"]["sphinxql"]
    assert "global IDF file built" in engine["notes"]  # 300 articles stay in RAM chunks
    assert "searchd peak RSS" in engine["notes"]
    assert not any(engine["classes"][cls].get("refused") for cls in CLASSES)
    cluster_dir = Workspace(workdir, [str(SAMPLE)], ARTICLES).index_dir("x1", "sphinxql") / \
        "cluster"
    assert not any(cluster.status(cluster_dir).values())  # nothing outlives the run


def test_every_engine_gets_the_same_query_mix(bench_run):
    _workdir, _done, results = bench_run
    scale = results["scales"]["x1"]
    assert scale["mix"]["count"] == QUERIES
    assert Counter(q["cls"] for q in scale["mix"]["queries"]) == {c: 2 for c in CLASSES}
    assert {e["mix_digest"] for e in scale["engines"].values()} == {scale["mix"]["digest"]}
    # Engines answer the same questions: the single headline words of `rare` find the same
    # documents everywhere (stemmers differ elsewhere, so only the share is checked).
    for name, shares in scale["overlap_with_morgue"].items():
        assert shares["rare"] >= 0.5, name


def test_ten_copies_have_new_ids_and_shifted_years(bench_run):
    workdir, _done, _results = bench_run
    workspace = Workspace(workdir, [str(SAMPLE)], ARTICLES)
    base = workspace.base(workers=1)
    assert base.reused  # the run above cached it
    copies = workspace.scaled("x10", base)
    documents = list(iter_documents(copies.files))
    assert copies.documents == len(documents) == 10 * ARTICLES
    assert len({d.id for d in documents}) == len(documents)
    years = Counter(d.published.year for d in documents if d.published)
    assert sorted(years) == list(range(1987, 1997))
    assert len(set(years.values())) == 1  # each copy shifted whole, not a sample


def test_query_mix_is_fixed_by_the_seed():
    documents = [Document(id=f"d{n}", title=f"Cocoa exports rise in {place}",
                          body=f"Cocoa exports from {place} rose sharply, traders said. "
                               f"Coffee and sugar followed {n}.",
                          published=None, source="Reuters", places=(place,))
                 for n, place in enumerate(["Ghana", "Brazil", "Ivory Coast"] * 4)]
    vocabulary = Vocabulary(documents)
    first = build_mix(vocabulary, 30, seed=7)
    assert digest(first) == digest(build_mix(vocabulary, 30, seed=7))
    assert digest(first) != digest(build_mix(vocabulary, 30, seed=8))
    assert all(word not in ("and", "in", "from") for q in first for word in q.words)


def test_percentiles_interpolate_between_ranks():
    assert stats.percentile([4, 1, 3, 2, 5], 50) == 3
    assert stats.percentile([1, 2, 3, 4, 5], 95) == pytest.approx(4.8)
    assert stats.summary([0.001, 0.003])["p50_ms"] == pytest.approx(2.0)
    assert stats.ratio(3.0, 0.0) is None


def test_unanswered_queries_are_counted_with_their_reason_never_timed():
    def answer(cls: str, **unanswered: str) -> dict:
        found = {"cls": cls, "total": 0 if unanswered else 7,
                 "ids": [] if unanswered else ["a"], "highlighted": 0, "partial": False,
                 "short": False, "facet_values": 0}
        return {**found, **unanswered}

    why = "proximity searches are not supported by the sphinxql backend"
    summary = runner.summarise({"timings": {"common": [0.004]}, "answers": [
        answer("common"), answer("common", refused=why), answer("common", failed="boom"),
        answer("phrase", refused=why)]})
    assert summary["common"]["n"] == 1 and summary["common"]["median_total"] == 7
    assert (summary["common"]["refused"], summary["common"]["failed"]) == (1, 1)
    assert summary["phrase"] == {"n": 0, "refused": 1, "refused_reason": why}
    table = report.format_answers({"engines": {"x": {"classes": summary}}})
    assert "[1 refused]" in table and f"x: 1 phrase query refused, e.g. {why}" in table
