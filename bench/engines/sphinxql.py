"""Morgue's SphinxQL tier: a local Sphinx 2.2 cluster (a head and two shards, no mirrors).

Build: a cluster started in INDEX_DIR/cluster, the articles written by
`index.sphinxql.rebuild.rebuild` fed by `index.pipeline.iter_records` (what
`reindex.py --backend sphinxql` runs), then the cluster-wide IDF file; when
`global_idf.build` refuses (a shard whose RAM chunk outgrew rt_mem_limit and
keeps disk chunks) the shards rank by their own word statistics, and the
session's notes say which. The build ends by stopping the cluster, so its
size on disk includes the saved RAM chunks and no searchd outlives the phase.
Search: the session starts the cluster again (so "open ms" is the searchd
processes loading their indexes, as a restart of the tier would), asks the
same API parameters as bench/engines/morgue.py through `parse_request`, and
answers with `search.sphinxql.backend.run_search` on the head. The backend
has no cursors, so `deep` walks by page number. A query the backend refuses
(BadRequest) is a `Refused` for the runner, an error from the cluster a
`Failed` (with the head's message), never a timed answer. Closing the
session stops the searchd processes it started and notes their peak RSS,
which the query process's own RSS does not include.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pymysql  # the backend's client: without it the engine is unavailable

from bench.engines import Answer, answer_of, offset_token
from bench.queries import PAGE_SIZE, Query, api_params
from bench.runner import Failed, Refused

if shutil.which("searchd") is None:  # bench skips the engine, saying why, as for tantivy
    raise ImportError("searchd not found on PATH (apt-get install sphinxsearch)")

SCALES = ("x1", "x10")
NOTES = ("run_search on the head of 2 local shards (searchd 2.2.11) with Morgue's default "
         "fields (the stories of a page's results in one statement), a GROUP BY statement per "
         "facet, collapse=none, deep by page number (no cursors)")
CLUSTER_DIR = "cluster"
SHARDS = 2
BUILD_NOTES = "build-notes.json"


def _cluster_dir(index_dir: Path) -> Path:
    return Path(index_dir) / CLUSTER_DIR


def build(files: list[Path], index_dir: Path, workers: int) -> int:
    from index.pipeline import iter_records
    from index.sphinxql import cluster, global_idf, rebuild

    root = _cluster_dir(index_dir)
    spec = cluster.start(root, shards=SHARDS, mirrors=False)
    try:
        tally = rebuild.rebuild(spec.write_addresses(), iter_records(files, workers))
        chunks = {node.name: len(global_idf.disk_chunks(node.dir)) for node in spec.shard_nodes}
        why_not = global_idf.refresh(spec)
        ranking = ("global IDF file built" if why_not is None
                   else f"no global IDF (refused: {why_not}); each shard ranks by its own IDF")
    finally:
        cluster.stop(root)
    (Path(index_dir) / BUILD_NOTES).write_text(json.dumps(
        {"documents": tally.indexed, "disk_chunks": chunks, "ranking": ranking}, indent=2))
    return tally.indexed


class SphinxqlSession:
    def __init__(self, index_dir: Path) -> None:
        from index.settings import load_settings
        from index.sphinxql import cluster
        from search.sphinxql.archive import ClusterArchive

        self.root = _cluster_dir(index_dir)
        self.max_query_length = load_settings({})["MAX_QUERY_LENGTH"]
        recorded = Path(index_dir) / BUILD_NOTES
        self.built = json.loads(recorded.read_text()) if recorded.exists() else {}
        self.searchd_mb: float | None = None
        # Started here unless it already runs (then whoever started it stops it).
        self.started = not any(cluster.status(self.root).values())
        spec = cluster.start(self.root) if self.started else cluster.load(self.root)
        try:
            self.pids = [pid for node in spec.nodes
                         if (pid := cluster.running_pid(node.dir)) is not None]
            self.archive: ClusterArchive | None = ClusterArchive(spec.head, self.root)
        except BaseException:
            self.close()
            raise

    def search(self, query: Query, token: object = None) -> Answer:
        from index.errors import BadRequest, MorgueError
        from search import parse_request
        from search.sphinxql.backend import run_search

        page = int(token or 1)
        params = api_params(query)
        params["page"] = [str(page)]
        try:
            request = parse_request(params, max_query_length=self.max_query_length)
            response = run_search(self.archive, request)
        except BadRequest as exc:
            raise Refused(exc.message) from exc
        except (MorgueError, pymysql.err.MySQLError) as exc:  # the cluster's error, said
            raise Failed(f"{type(exc).__name__}: {exc}"[:300]) from exc
        following = offset_token((page - 1) * PAGE_SIZE, response["total"], PAGE_SIZE)
        return answer_of(response, None if following is None else page + 1)

    @property
    def notes(self) -> str:
        """NOTES, with how the shards ranked and what the searchd processes held."""
        extra = [self.built.get("ranking", "ranking unknown (no build notes)")]
        if self.built.get("disk_chunks"):
            extra.append("disk chunks after the load: " + ", ".join(
                f"{name} {count}" for name, count in self.built["disk_chunks"].items()))
        if self.searchd_mb is not None:
            extra.append(f"searchd peak RSS {self.searchd_mb:,.0f} MB (head + shards), "
                         "not in the query process's figure")
        return NOTES + "; " + "; ".join(extra)

    def close(self) -> None:
        from index.sphinxql import cluster

        if getattr(self, "archive", None) is not None:
            self.archive.close()
            self.archive = None
        self.searchd_mb = _peak_rss_mb(getattr(self, "pids", []))
        if self.started:
            cluster.stop(self.root)
            self.started = False


def _peak_rss_mb(pids: list[int]) -> float | None:
    """The sum of each process's VmHWM (peak resident set), or None when unreadable."""
    total = 0
    for pid in pids:
        try:
            lines = Path(f"/proc/{pid}/status").read_text().splitlines()
        except OSError:
            return None
        total += next((int(line.split()[1]) for line in lines if line.startswith("VmHWM:")), 0)
    return total / 1024


def open_session(index_dir: Path) -> SphinxqlSession:
    return SphinxqlSession(index_dir)
