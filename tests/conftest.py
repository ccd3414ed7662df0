"""Shared fixtures: a hand-written article set, real indexes in temp dirs, the app, a server.

The pyramid: pure functions are tested without an index; search and API
tests share one small index built once per session (the hand-written set,
the sample article and one Reuters file); the acceptance tests build the
whole sample corpus once through the real reindex command.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.server import Server  # noqa: F401 (the tests import it from here)
from index import writer
from index.pipeline import iter_records
from index.readers import expand_sources
from search import Archive
from webui import create_app

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
ARTICLES = DATA / "articles.jsonl"
MORE = DATA / "more.jsonl"  # syndicated copies of one story, and a German article
SAMPLE = ROOT / "sample-corpus"
SEED = SAMPLE / "articles" / "north-korea-russia-alaska-summit.txt"
REUTERS_000 = SAMPLE / "reuters21578" / "reut2-000.sgm.gz"
SMALL_SOURCES = [str(ARTICLES), str(MORE), str(SEED), str(REUTERS_000)]


def build_index(index_dir: Path, sources: list[str]) -> writer.Tally:
    files, problems = expand_sources(sources)
    tally, _ = writer.rebuild(index_dir, iter_records(files), sources=sources)
    tally.problems[:0] = problems
    return tally


def run_script(name: str, *args: str, timeout: float = 600, **kwargs) -> subprocess.CompletedProcess:
    """Run scripts/NAME.py from the repo root as a user would, with this interpreter."""
    return subprocess.run([sys.executable, f"scripts/{name}.py", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, **kwargs)


@pytest.fixture(scope="session")
def small_index(tmp_path_factory) -> Path:
    index_dir = tmp_path_factory.mktemp("small") / "index"
    build_index(index_dir, SMALL_SOURCES)
    return index_dir


@pytest.fixture(scope="session")
def archive(small_index) -> Archive:
    return Archive(small_index)


@pytest.fixture(scope="session")
def app(small_index):
    return create_app({"INDEX_DIR": str(small_index)})


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def live_server(small_index):
    server = Server(small_index)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def small_cluster(tmp_path_factory) -> Path:
    """The small index's sources in a real two-shard Sphinx cluster, loaded by the real
    `reindex.py --backend sphinxql`; stopped when the session ends."""
    from index.sphinxql import cluster

    root = tmp_path_factory.mktemp("cluster")
    cluster.start(root, shards=2)
    try:
        run = run_script("reindex", *SMALL_SOURCES, "--backend", "sphinxql", "--cluster-dir",
                         str(root), "--workers", "1", timeout=600)
        assert run.returncode == 0, run.stderr
        yield root
    finally:
        cluster.stop(root)


@pytest.fixture(scope="session")
def cluster_app(small_cluster):
    return create_app({"BACKEND": "sphinxql", "SPHINXQL_CLUSTER_DIR": str(small_cluster)})


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """The whole shipped sample corpus, indexed by the real reindex command."""
    index_dir = tmp_path_factory.mktemp("sample") / "index"
    result = run_script("reindex", "sample-corpus", "--index-dir", str(index_dir),
                        "--report", str(index_dir.parent / "report.json"), timeout=1200)
    assert result.returncode == 0, result.stderr
    return index_dir, result


@pytest.fixture(autouse=True)
def _no_morgue_env(monkeypatch):
    """Tests choose their own settings: none leak in from the developer's environment."""
    for name in list(os.environ):
        if name.startswith("MORGUE_"):
            monkeypatch.delenv(name)
