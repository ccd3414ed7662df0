"""A SphinxQL cluster on this machine: searchd processes described by DIR/cluster.json.

One head (distributed indexes; every read goes to it) and, per shard, a primary
and an optional mirror, each a searchd with its own directory under DIR,
listening on 127.0.0.1 only. Sphinx 2.2 does not replicate real-time indexes,
so a mirror is a second copy that the writer writes too (`write_addresses()`).
A restart reuses the ports of cluster.json and keeps the data: searchd saves its
RAM chunk on SIGTERM and replays its binlog after a SIGKILL. The processes
themselves (ports, launching, waiting, stopping) are searchd.py's.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from index.sphinxql import config
from index.sphinxql.connection import split_address
from index.sphinxql.searchd import (ClusterError, free_ports, running_pid, searchd_path,
                                    start_searchd, stop_searchd)
# Reached through this module too (global_idf.py, bench/): the searchd helpers it builds on.
from index.sphinxql.searchd import tool_path  # noqa: F401

SPEC_FILE = "cluster.json"
GLOBAL_IDF_FILE = "global.idf"
ROLES = ("primary", "mirror")


@dataclass(frozen=True)
class Node:
    """One searchd: a SphinxQL (mysql41) port, a Sphinx API port for the head's agents, a dir."""

    name: str
    sql_port: int
    api_port: int
    dir: Path

    @property
    def address(self) -> str:
        return f"{config.HOST}:{self.sql_port}"

    def to_dict(self, root: Path) -> dict:
        return {"address": self.address, "api_address": f"{config.HOST}:{self.api_port}",
                "dir": str(self.dir.relative_to(root))}

    @classmethod
    def from_dict(cls, name: str, data: dict, root: Path) -> Node:
        return cls(name, split_address(data["address"])[1],
                   split_address(data["api_address"])[1], root / data["dir"])


@dataclass(frozen=True)
class Shard:
    """A slice of the articles: a primary node and, optionally, a mirror holding the same."""

    primary: Node
    mirror: Node | None = None

    @property
    def nodes(self) -> list[Node]:
        return [self.primary] + ([self.mirror] if self.mirror else [])


@dataclass(frozen=True)
class Cluster:
    """What DIR/cluster.json says: the head and each shard's nodes (dirs relative to DIR)."""

    dir: Path
    head_node: Node
    shards: tuple[Shard, ...]

    @property
    def head(self) -> str:
        """Where every read goes: the head's SphinxQL address, 127.0.0.1:PORT."""
        return self.head_node.address

    def write_addresses(self) -> list[list[str]]:
        """For shard i, every node a write to it must reach, primary first: Sphinx 2.2 does
        not replicate real-time indexes (what a ShardWriter takes)."""
        return [[node.address for node in shard.nodes] for shard in self.shards]

    @property
    def shard_nodes(self) -> list[Node]:
        return [node for shard in self.shards for node in shard.nodes]

    @property
    def nodes(self) -> list[Node]:
        return [*self.shard_nodes, self.head_node]

    def node(self, shard: int, role: str = "primary") -> Node:
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)} (got {role!r})")
        found = getattr(self.shards[shard], role)
        if found is None:
            raise ClusterError(f"shard {shard} of the cluster in {self.dir} has no {role}")
        return found

    @property
    def global_idf(self) -> Path | None:
        """The cluster-wide IDF file, when built: shards load it at start, and only then may a
        query say OPTION global_idf=1 (without the file every keyword's IDF is zero)."""
        path = self.dir / GLOBAL_IDF_FILE
        return path if path.exists() else None

    def config_text(self, node: Node) -> str:
        if node == self.head_node:
            return config.head_config(node.dir, node.sql_port, node.api_port,
                                      [[copy.api_port for copy in shard.nodes]
                                       for shard in self.shards])
        return config.shard_config(node.dir, node.sql_port, node.api_port, self.global_idf)

    def to_dict(self) -> dict:
        return {"head": self.head_node.to_dict(self.dir),
                "shards": [{role: node.to_dict(self.dir) if (node := getattr(shard, role)) else None
                            for role in ROLES} for shard in self.shards]}

    @classmethod
    def from_dict(cls, root: Path, data: dict) -> Cluster:
        shards = tuple(
            Shard(Node.from_dict(f"shard{i}", entry["primary"], root),
                  Node.from_dict(f"shard{i}-mirror", entry["mirror"], root)
                  if entry.get("mirror") else None)
            for i, entry in enumerate(data["shards"]))
        return cls(root, Node.from_dict("head", data["head"], root), shards)


def _new_cluster(root: Path, shards: int, mirrors: bool) -> Cluster:
    if shards < 1:
        raise ClusterError(f"shards must be at least 1 (got {shards})")
    ports = iter(free_ports(2 * (1 + shards * (2 if mirrors else 1))))

    def node(name: str) -> Node:
        return Node(name, next(ports), next(ports), root / name)

    return Cluster(root, node("head"), tuple(
        Shard(node(f"shard{i}"), node(f"shard{i}-mirror") if mirrors else None)
        for i in range(shards)))


def load(dir: Path | str) -> Cluster:
    """The cluster described by DIR/cluster.json."""
    root = Path(dir).resolve()
    try:
        return Cluster.from_dict(root, json.loads((root / SPEC_FILE).read_text()))
    except FileNotFoundError:
        raise ClusterError(f"no cluster in {root} (no {SPEC_FILE})",
                           hint=f"start one: python scripts/cluster.py start --dir {dir}") from None


def _check_same_shape(cluster: Cluster, shards: int | None, mirrors: bool | None) -> None:
    has_mirrors = cluster.shards[0].mirror is not None
    if shards not in (None, len(cluster.shards)) or mirrors not in (None, has_mirrors):
        raise ClusterError(f"{cluster.dir} holds a cluster of {len(cluster.shards)} shards "
                           f"{'with' if has_mirrors else 'without'} mirrors",
                           hint="start it as it is (no --shards, --mirrors), or use another --dir")


def _start_nodes(cluster: Cluster, nodes: list[Node]) -> None:
    start_searchd([(node, cluster.config_text(node)) for node in nodes])


def start(dir: Path | str, shards: int | None = None, mirrors: bool | None = None) -> Cluster:
    """Start the cluster in DIR: the one DIR holds, on its ports and with its data, or a new
    one (`shards`, default 2; a mirror per shard when `mirrors`) on free ports. Refuses while
    any node of DIR runs, and stops the nodes it started when one fails to come up."""
    searchd_path()
    root = Path(dir).resolve()
    if (root / SPEC_FILE).exists():
        cluster = load(root)
        _check_same_shape(cluster, shards, mirrors)
        running = [node.name for node in cluster.nodes if running_pid(node.dir)]
        if running:
            raise ClusterError(f"the cluster in {root} is already running ({', '.join(running)})",
                               hint=f"stop it first: python scripts/cluster.py stop --dir {dir}")
    else:
        cluster = _new_cluster(root, 2 if shards is None else shards, bool(mirrors))
        root.mkdir(parents=True, exist_ok=True)
        (root / SPEC_FILE).write_text(json.dumps(cluster.to_dict(), indent=2) + "\n")
    _start_nodes(cluster, cluster.nodes)
    return cluster


def stop(dir: Path | str) -> None:
    """Stop every node of the cluster in DIR; fine when some or all are already stopped."""
    stop_searchd([node.dir for node in load(dir).nodes])


def status(dir: Path | str) -> dict[str, bool]:
    """Whether each node of the cluster in DIR (by name: head, shard0, shard0-mirror...) runs."""
    return {node.name: running_pid(node.dir) is not None for node in load(dir).nodes}


def restart_shards(cluster: Cluster) -> None:
    """Restart the shard nodes one at a time (each keeps its data and reads its config anew,
    a mirror keeps its shard answering meanwhile)."""
    for node in cluster.shard_nodes:
        stop_searchd([node.dir])
        _start_nodes(cluster, [node])


def kill_node(dir: Path | str, shard: int, role: str = "primary") -> None:
    """SIGKILL one shard node, as a crash would (for tests); returns once it is gone."""
    stop_searchd([load(dir).node(shard, role).dir], kill=True)


def start_node(dir: Path | str, shard: int, role: str = "primary") -> None:
    """Start one stopped shard node again and wait until it answers."""
    cluster = load(dir)
    node = cluster.node(shard, role)
    if running_pid(node.dir) is None:
        _start_nodes(cluster, [node])
