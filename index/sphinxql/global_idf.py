"""One IDF for the whole cluster, so a document weighs the same on whichever shard it lives.

Each shard ranks with its own document counts, so two copies of one text on two
shards score differently. Sphinx 2.2's answer is a global IDF file, built by
`indextool --buildidf` from the dictionaries of every shard, named by `global_idf`
in each shard's config (read at start only: SIGHUP does not load it) and used by
queries that say `OPTION global_idf=1`.

Two facts of 2.2.11, checked here, shape the build:
- a real-time index applies the global IDF to its RAM chunk only: documents in its
  disk chunks then rank with an IDF of zero. So the live shards are never flushed
  to disk chunks; each shard's index is copied, the copy is flushed by a throwaway
  searchd, and indextool reads the copy's disk chunk. A shard that already has
  disk chunks (its RAM chunk outgrew rt_mem_limit) is refused with the reason.
- `OPTION global_idf=1` on a shard without the file makes every IDF zero too:
  send it only when `Cluster.global_idf` says the file exists.

One copy of each shard is counted (its primary, or its mirror when the primary is
down): a mirror holds the same documents.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pymysql

from index.errors import MorgueError
from index.sphinxql import cluster as clusters
from index.sphinxql import config, connection, schema
from index.sphinxql.cluster import Cluster, ClusterError, Node

TOOL_TIMEOUT = 300  # seconds for one indextool run or one flush


def _tool(*args: str) -> str:
    try:
        result = subprocess.run([clusters.tool_path("indextool"), *args], capture_output=True,
                                text=True, timeout=TOOL_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise ClusterError(f"indextool {args[0]} took over {TOOL_TIMEOUT} s") from None
    if result.returncode != 0:
        raise ClusterError(f"indextool {args[0]} failed:\n"
                           + (result.stdout + result.stderr).strip()[-2000:])
    return result.stdout


def _execute(node: Node, sql: str) -> None:
    conn = connection.connect(node.address, read_timeout=TOOL_TIMEOUT)
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
    finally:
        conn.close()


def disk_chunks(node_dir: Path) -> list[Path]:
    """The disk chunks of a shard node's ARTICLES (`articles.N`, each with its .sph header)."""
    data = config.data_path(node_dir, schema.ARTICLES)
    pattern = re.compile(re.escape(data.name) + r"\.(\d+)\.sph")
    if not data.parent.is_dir():
        return []
    return sorted(data.parent / path.name[:-4] for path in data.parent.iterdir()
                  if pattern.fullmatch(path.name))


def _counted_node(cluster: Cluster, number: int) -> Node:
    for node in cluster.shards[number].nodes:
        if clusters.running_pid(node.dir) is not None:
            return node
    raise ClusterError(f"no node of shard {number} is running",
                       hint="start the cluster before building its global IDF")


def _flushed_copy(node: Node, work: Path) -> Path:
    """A copy of the node's ARTICLES with everything in disk chunks, the live one untouched:
    FLUSH RTINDEX saves its RAM chunk, a throwaway searchd on the copy flushes that."""
    _execute(node, f"FLUSH RTINDEX {schema.ARTICLES}")
    source = config.data_path(node.dir, schema.ARTICLES)
    copy = Node(f"{node.name} (copy)", *clusters.free_ports(2), work / node.name)
    target = config.data_path(copy.dir, schema.ARTICLES)
    target.parent.mkdir(parents=True)
    for path in source.parent.glob(source.name + ".*"):
        if path.suffix != ".lock":
            shutil.copy2(path, target.parent / path.name)
    clusters.start_searchd([(copy, config.shard_config(copy.dir, copy.sql_port, copy.api_port))])
    try:
        _execute(copy, f"FLUSH RAMCHUNK {schema.ARTICLES}")
    finally:
        clusters.stop_searchd([copy.dir])
    return copy.dir


def _dump_dictionary(chunk: Path, out: Path) -> Path:
    """indextool reads one disk chunk as a plain index declared in a throwaway config (with
    a dummy source it never runs), not the real-time index a searchd holds."""
    conf = out.with_suffix(".conf")
    conf.write_text("source dummy\n{\n    type = xmlpipe2\n    xmlpipe_command = true\n}\n\n"
                    f"index chunk\n{{\n    source = dummy\n    path = {chunk}\n}}\n")
    out.write_text(_tool("--config", str(conf), "--dumpdict", "chunk", "--stats"))
    return out


def build(cluster: Cluster) -> Path:
    """Build DIR/global.idf from every shard's documents and restart the shards on it (one
    at a time, so run it after a load rather than during one)."""
    for node in cluster.shard_nodes:
        if chunks := disk_chunks(node.dir):
            raise ClusterError(
                f"{node.name} keeps {len(chunks)} disk chunk(s), whose documents Sphinx 2.2.11 "
                "ranks with zero IDF under a global IDF",
                hint="reload the articles into a cluster whose rt_mem_limit holds them in RAM")
    with tempfile.TemporaryDirectory(prefix="morgue-idf-") as tmp:
        work = Path(tmp)
        dumps = []
        for number in range(len(cluster.shards)):
            copy_dir = _flushed_copy(_counted_node(cluster, number), work)
            dumps += [str(_dump_dictionary(chunk, work / f"shard{number}-{chunk.name}.txt"))
                      for chunk in disk_chunks(copy_dir)]
        if not dumps:
            raise ClusterError("no articles on any shard: nothing to build a global IDF from")
        built = cluster.dir / (clusters.GLOBAL_IDF_FILE + ".new")
        _tool("--buildidf", *dumps, "--out", str(built))
        built.replace(cluster.dir / clusters.GLOBAL_IDF_FILE)
    clusters.restart_shards(cluster)
    return cluster.dir / clusters.GLOBAL_IDF_FILE


def remove(cluster: Cluster) -> None:
    """Back to each shard's own IDF: delete DIR/global.idf and restart the shards (only when
    there was one: without it they already rank by their own)."""
    path = cluster.dir / clusters.GLOBAL_IDF_FILE
    if path.exists():
        path.unlink()
        clusters.restart_shards(cluster)


def refresh(cluster: Cluster) -> str | None:
    """After a load: the global IDF built anew, or, when the shards cannot have one (disk
    chunks), none at all; None when built, else why not (the articles are in either way)."""
    try:
        build(cluster)
    except (MorgueError, OSError, pymysql.err.MySQLError) as exc:
        remove(cluster)
        return exc.message if isinstance(exc, MorgueError) else str(exc)
    return None
