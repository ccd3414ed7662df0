"""searchd processes on this machine: free ports, starting, waiting for, finding and stopping them.

What a cluster (cluster.py) and a throwaway copy of a shard (global_idf.py) both need,
apart from the cluster spec that says which nodes there are. Each searchd detaches on
start, so its parent here is init; where init does not reap orphans (as in some
containers) a killed searchd stays a zombie, counted as stopped.
"""
from __future__ import annotations

import errno
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pymysql

from index.errors import MorgueError
from index.sphinxql import config

if TYPE_CHECKING:  # cluster.py imports this module: its Node is only a type here
    from index.sphinxql.cluster import Node

START_TIMEOUT = 30.0  # seconds for the nodes of one start to answer
STOP_TIMEOUT = 15.0  # seconds after SIGTERM (a RAM chunk is being saved) before SIGKILL


class ClusterError(MorgueError):
    """A searchd, or the cluster it belongs to, cannot serve: 503, with a hint when there is one."""

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
