"""A SphinxQL cluster on this machine: searchd processes described by DIR/cluster.json.

One head (distributed indexes; every read goes to it) and, per shard, a primary
and an optional mirror, each a searchd with its own directory under DIR,
listening on 127.0.0.1 only. Sphinx 2.2 does not replicate real-time indexes,
so a mirror is a second copy that the writer writes too (`write_addresses()`).
A restart reuses the ports of cluster.json and keeps the data: searchd saves its
RAM chunk on SIGTERM and replays its binlog after a SIGKILL.
"""
from __future__ import annotations

import errno
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pymysql

from index.errors import MorgueError
from index.sphinxql import config
from index.sphinxql.connection import split_address

SPEC_FILE = "cluster.json"
GLOBAL_IDF_FILE = "global.idf"
ROLES = ("primary", "mirror")
START_TIMEOUT = 30.0  # seconds for the nodes of one start to answer
STOP_TIMEOUT = 15.0  # seconds after SIGTERM (a RAM chunk is being saved) before SIGKILL


class ClusterError(MorgueError):
    status = 503
    code = "cluster_unavailable"


def tool_path(name: str) -> str:
    """Where a Sphinx program (searchd, indextool) is, or a ClusterError saying how to get it."""
    path = shutil.which(name)
    if path is None:
        raise ClusterError(f"{name} not found on PATH",
                           hint="install Debian's sphinxsearch: apt-get install sphinxsearch")
    return path


def searchd_path() -> str:
    return tool_path("searchd")


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


# searchd processes. Each detaches on start, so its parent here is init; where init does not
# reap orphans (as in some containers) a killed searchd stays a zombie, counted as stopped.

def _ephemeral_ports() -> range:
    try:
        low, high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    except (OSError, ValueError):
        low, high = 32768, 60999
    return range(low, high + 1)


def free_ports(count: int) -> list[int]:
    """Ports on 127.0.0.1 free right now, all different, and outside the kernel's ephemeral
    range: a port from there can be taken by any outgoing connection (the head's to its
    agents, a client's) between now and the moment searchd binds it."""
    ephemeral = _ephemeral_ports()
    candidates = [port for port in range(20000, 32768) if port not in ephemeral] or [
        port for port in range(1024, 65536) if port not in ephemeral]
    chosen: list[int] = []
    for port in random.sample(candidates, len(candidates)):
        if len(chosen) == count:
            break
        if not _port_in_use(port):
            chosen.append(port)
    if len(chosen) < count:
        raise ClusterError(f"found only {len(chosen)} free ports of {count} on {config.HOST}")
    return chosen


def _port_in_use(port: int) -> bool:
    """Whether searchd would fail to listen on the port (it sets SO_REUSEADDR too)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((config.HOST, port))
        except OSError as exc:
            return exc.errno == errno.EADDRINUSE
    return False


def _alive(task: Path) -> bool:
    try:
        return (task / "stat").read_text().rpartition(")")[2].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


def running_pid(node_dir: Path) -> int | None:
    """The PID of the searchd whose PID file is in `node_dir` while any of its threads lives
    (its ports are free only then; the PID file stays behind after a SIGKILL, and its
    number may since have gone to another program)."""
    try:
        pid = int((node_dir / "searchd.pid").read_text().split()[0])
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except (OSError, ValueError, IndexError):
        return None
    return pid if b"searchd" in cmdline and any(map(_alive, tasks)) else None


def _log_tail(node_dir: Path, name: str = "searchd.log", lines: int = 8) -> str:
    """The end of a node's log (`searchd.out` holds what searchd said before it had a log)."""
    for path in (node_dir / name, node_dir / "searchd.out"):
        if path.exists() and (text := path.read_text(errors="replace").strip()):
            return "\n".join(text.splitlines()[-lines:])
    return "(searchd wrote no log)"


def _serves(node: Node) -> list[str] | None:
    """The indexes a node serves once it answers SHOW STATUS; None while it does not answer."""
    try:
        conn = pymysql.connect(host=config.HOST, port=node.sql_port, autocommit=True,
                               connect_timeout=1, read_timeout=5, write_timeout=5)
    except pymysql.err.MySQLError:
        return None
    try:
        with conn.cursor() as cursor:
            cursor.execute("SHOW STATUS")
            cursor.execute("SHOW TABLES")
            return [row[0] for row in cursor.fetchall()]
    except pymysql.err.MySQLError:
        return None
    finally:
        conn.close()


def _launch(node: Node, config_text: str) -> None:
    # searchd retries a busy port for 36 s before it gives up: say so at once instead (after
    # a moment's grace for a node of ours that is still closing its sockets).
    deadline = time.monotonic() + 3
    while busy := [port for port in (node.sql_port, node.api_port) if _port_in_use(port)]:
        if time.monotonic() > deadline:
            raise ClusterError(f"port {busy[0]} of {node.name} is in use by another program")
        time.sleep(0.05)
    for sub in ("data", "binlog"):
        (node.dir / sub).mkdir(parents=True, exist_ok=True)
    conf = node.dir / "searchd.conf"
    conf.write_text(config_text)
    output = node.dir / "searchd.out"
    with open(output, "w") as out:
        launcher = subprocess.Popen([searchd_path(), "--config", str(conf)], stdout=out,
                                    stderr=subprocess.STDOUT, cwd=node.dir)
    # It returns once the daemon it forks listens; if a port was taken since the check
    # above, it would retry for 36 s: stop it at its first complaint.
    deadline = time.monotonic() + START_TIMEOUT
    while launcher.poll() is None:
        if "bind() failed" in output.read_text(errors="replace") or time.monotonic() > deadline:
            launcher.kill()
        time.sleep(0.05)
    if launcher.returncode != 0:
        raise ClusterError(f"searchd for {node.name} ({node.address}) did not start:\n"
                           + _log_tail(node.dir, "searchd.out"))


def _wait_ready(nodes: Sequence[tuple[Node, str]]) -> None:
    """Until every node answers and serves each index its config declares; a clear error with
    the node's log when one exits (after a second's grace for the detached daemon's PID file),
    lacks an index (a damaged one is left out, not fatal) or takes too long."""
    started = time.monotonic()
    waiting = list(nodes)
    while waiting:
        elapsed = time.monotonic() - started
        for node, text in list(waiting):
            served = _serves(node)
            problem = None
            if served is not None:
                declared = re.findall(r"^index (\w+)$", text, re.MULTILINE)
                missing = [name for name in declared if name not in served]
                problem = f"does not serve {', '.join(missing)}" if missing else None
                waiting.remove((node, text))
            elif elapsed > 1 and running_pid(node.dir) is None:
                problem = "exited"
            elif elapsed > START_TIMEOUT:
                problem = f"did not answer within {START_TIMEOUT:.0f} s"
            if problem:
                raise ClusterError(f"searchd for {node.name} ({node.address}) {problem}:\n"
                                   + _log_tail(node.dir))
        time.sleep(0.05 if waiting else 0)


def start_searchd(nodes: Sequence[tuple[Node, str]]) -> None:
    """Start a searchd per (node, config text) and wait until each serves its indexes; when
    one fails, stop all of them and raise."""
    try:
        for node, text in nodes:
            _launch(node, text)
        _wait_ready(nodes)
    except BaseException:
        stop_searchd([node.dir for node, _ in nodes])
        raise


def stop_searchd(node_dirs: Sequence[Path], kill: bool = False) -> None:
    """SIGTERM each running searchd (it saves its RAM chunk), SIGKILL any still up after
    STOP_TIMEOUT; with `kill`, SIGKILL at once, as a crash would. Returns once all are gone."""
    pids = [pid for node_dir in node_dirs if (pid := running_pid(node_dir)) is not None]
    for pid in pids:
        os.kill(pid, signal.SIGKILL if kill else signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while any(running_pid(d) for d in node_dirs) and time.monotonic() < deadline:
        time.sleep(0.05)
    for node_dir in node_dirs:
        if (pid := running_pid(node_dir)) in pids:
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + STOP_TIMEOUT
    while any(running_pid(d) for d in node_dirs) and time.monotonic() < deadline:
        time.sleep(0.05)
