"""The server's processes as Linux shows them in /proc: workers, their memory, their sockets.

The load trials watch a gunicorn server from outside, without changing it:
the workers are the master's children (/proc/<pid>/task/<pid>/children),
their memory is VmRSS in /proc/<pid>/status, and the worker that serves a
keep-alive connection is the process holding that connection's socket (the
server-side socket's inode, from /proc/net/tcp, among the worker's file
descriptors). A gthread worker keeps a connection from accept to close, so
every answer on one client connection comes from one worker.
"""
from __future__ import annotations

import os
import statistics
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

LOOPBACK = "0100007F"  # 127.0.0.1 as /proc/net/tcp spells it (little-endian hex)
ESTABLISHED = "01"
LISTEN = "0A"


def children(pid: int) -> list[int]:
    """The direct children of `pid` (gunicorn's workers when `pid` is its master)."""
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except (OSError, ValueError):
        return []


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process in MB (VmRSS), None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


def _tcp_entries() -> list[tuple[str, str, str, int]]:
    """(local, remote, state, inode) of every IPv4 TCP socket, addresses as 'HEXIP:HEXPORT'."""
    entries = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        entries.append((parts[1], parts[2], parts[3], int(parts[9])))
    return entries


def _address(port: int) -> str:
    return f"{LOOPBACK}:{port:04X}"


def socket_inodes(pid: int) -> set[int]:
    """Inodes of the sockets a process holds open."""
    inodes = set()
    try:
        names = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return inodes
    for name in names:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{name}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def server_connections(pid: int, server_port: int) -> int:
    """How many established client connections on `server_port` the process holds now."""
    held = socket_inodes(pid)
    local = _address(server_port)
    return sum(1 for loc, _rem, state, inode in _tcp_entries()
               if loc == local and state == ESTABLISHED and inode in held)


def master_of(port: int) -> int | None:
    """The gunicorn master listening on 127.0.0.1:`port` (for --url: a server we did not start).

    The master and every worker hold the listening socket; the master is the
    one whose parent is not among them.
    """
    listening = {inode for loc, _rem, state, inode in _tcp_entries()
                 if state == LISTEN and loc.endswith(f":{port:04X}")}
    holders = []
    for name in os.listdir("/proc"):
        if name.isdigit() and socket_inodes(int(name)) & listening:
            holders.append(int(name))
    for pid in holders:
        try:
            parent = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if parent not in holders:
            return pid
    return None


class SocketOwners:
    """Which worker serves a client connection, by the connection's client-side port."""

    def __init__(self, master: int, server_port: int) -> None:
        self.master = master
        self.server_port = server_port
        self._lock = threading.Lock()
        self._owner: dict[int, int] = {}  # server-side socket inode -> worker pid

    def _rescan(self) -> None:
        owner = {}
        for pid in children(self.master):
            for inode in socket_inodes(pid):
                owner[inode] = pid
        self._owner = owner

    def worker_of(self, client_port: int) -> int | None:
        """The worker pid holding the server side of our connection from `client_port`."""
        local, remote = _address(self.server_port), _address(client_port)
        inode = next((i for loc, rem, _state, i in _tcp_entries()
                      if loc == local and rem == remote), None)
        if inode is None:
            return None
        with self._lock:
            if inode not in self._owner:
                self._rescan()
            return self._owner.get(inode)


@dataclass
class MemorySampler:
    """Every worker's VmRSS once a `interval` seconds, in a thread, until stopped or `limit` s."""

    master: int
    interval: float = 1.0
    limit: float = 3600.0
    samples: list[tuple[float, int, float]] = field(default_factory=list)  # (t, pid, MB)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="load-memory", daemon=True)

    def start(self, origin: float) -> None:
        self.origin = origin
        self._thread.start()

    def _run(self) -> None:
        deadline = time.monotonic() + self.limit
        while not self._stop.is_set() and time.monotonic() < deadline:
            now = time.monotonic() - self.origin
            for pid in children(self.master):
                mb = rss_mb(pid)
                if mb is not None:
                    self.samples.append((now, pid, mb))
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def memory_summary(samples: list[tuple[float, int, float]], duration: float,
                   bound_mb: float | None) -> dict:
    """Per worker: start (median over 10-20 % of the load's `duration`), end (median of its
    last 10 %), max and growth = end - start; `within_bound` when every worker alive through
    the whole run grew by at most `bound_mb` (a worker that died or was born mid-run is listed
    but not judged: its series does not span the run). Samples taken after `duration`, while
    the last requests finish, count for the max only."""
    by_pid: dict[int, list[tuple[float, float]]] = {}
    for t, pid, mb in samples:
        by_pid.setdefault(pid, []).append((t, mb))
    workers = []
    for pid, series in sorted(by_pid.items()):
        start = [mb for t, mb in series if 0.1 * duration <= t <= 0.2 * duration] or \
            [mb for t, mb in series if t >= 0.1 * duration][:1]
        end = [mb for t, mb in series if 0.9 * duration <= t <= duration] or [series[-1][1]]
        spans = series[0][0] <= 0.1 * duration + 1.5 and series[-1][0] >= 0.9 * duration - 1.5
        row = {"pid": pid, "samples": len(series), "spans_run": spans,
               "max_mb": round(max(mb for _t, mb in series), 1),
               "start_mb": round(statistics.median(start), 1) if start else None,
               "end_mb": round(statistics.median(end), 1)}
        row["growth_mb"] = round(row["end_mb"] - row["start_mb"], 1) \
            if row["start_mb"] is not None else None
        workers.append(row)
    judged = [w for w in workers if w["spans_run"] and w["growth_mb"] is not None]
    return {"bound_mb": bound_mb, "workers": workers,
            "max_growth_mb": max((w["growth_mb"] for w in judged), default=None),
            "within_bound": None if bound_mb is None or not judged
            else all(w["growth_mb"] <= bound_mb for w in judged)}
