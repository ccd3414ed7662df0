"""Concurrent HTTP clients for the load trials: bounded in requests and time, 127.0.0.1 only.

Each client thread holds one keep-alive connection (as a browser does),
opens a new one every RECONNECT_EVERY requests (so connections spread over
workers, including one that replaced a dead worker), and walks the shared
request list from its own starting point. Every request becomes one
`Outcome`: its kind, start and end (seconds since the trial's origin),
status or exception, the worker that served it (bench.load_procs: the
process holding the connection's server side), and for JSON searches what
the answer says about itself (build, commit, total, ids, partial).
The clients stop at the deadline or once `max_requests` have been sent,
whichever comes first.
"""
from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bench.load_mix import JSON_SEARCH_KINDS, Request
from bench.load_procs import SocketOwners

RECONNECT_EVERY = 50
TIMEOUT = 120.0  # seconds per request: a CSV export under load can take a while


@dataclass
class Outcome:
    kind: str
    path: str
    started: float
    ended: float
    status: int | None  # None: no HTTP answer at all (see `error`)
    error: str | None = None
    worker: int | None = None
    bytes: int = 0
    build: str | None = None
    commit: int | None = None
    total: int | None = None
    ids: tuple[str, ...] = ()
    partial: bool = False

    @property
    def seconds(self) -> float:
        return self.ended - self.started

    @property
    def failed(self) -> bool:
        """Not a 2xx or 304 answer (404s are judged later: some are expected)."""
        return self.status is None or not (200 <= self.status < 300 or self.status == 304)


def read_search(outcome: Outcome, body: bytes) -> None:
    """Fill in what a JSON search answer says about where it came from."""
    data = json.loads(body)
    index = data.get("index") or {}
    outcome.build, outcome.commit = index.get("build_id"), index.get("commit")
    outcome.total = data.get("total")
    outcome.ids = tuple(result.get("id") for result in data.get("results", []))
    outcome.partial = bool(data.get("partial"))


def fetch(connection: http.client.HTTPConnection, request: Request, origin: float,
          worker: int | None = None) -> Outcome:
    """One GET on a kept-alive connection, as an Outcome (times in seconds since `origin`)."""
    started = time.monotonic() - origin
    outcome = Outcome(request.kind, request.path, started, started, None, worker=worker)
    try:
        connection.request("GET", request.path)
        answer = connection.getresponse()
        body = answer.read()
        outcome.status, outcome.bytes = answer.status, len(body)
        if request.kind in JSON_SEARCH_KINDS and answer.status == 200:
            read_search(outcome, body)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        outcome.status, outcome.error = None, type(exc).__name__
    outcome.ended = time.monotonic() - origin
    return outcome


class Clients:
    """`count` client threads against 127.0.0.1:`port`; `run` blocks until they stop."""

    def __init__(self, port: int, requests: Sequence[Request], count: int, *,
                 origin: float, deadline: Callable[[], float], max_requests: int,
                 owners: SocketOwners | None = None) -> None:
        self.port, self.requests, self.count = port, list(requests), count
        self.origin, self.deadline, self.max_requests = origin, deadline, max_requests
        self.owners = owners
        self.outcomes: list[Outcome] = []
        self._sent = 0
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def now(self) -> float:
        return time.monotonic() - self.origin

    def _take(self) -> bool:
        with self._lock:
            if self._sent >= self.max_requests or self.now() >= self.deadline():
                return False
            self._sent += 1
            return True

    def start(self) -> None:
        step = max(1, len(self.requests) // self.count)
        self._threads = [threading.Thread(target=self._client, args=(n * step,), daemon=True,
                                          name=f"load-client-{n}") for n in range(self.count)]
        for thread in self._threads:
            thread.start()

    def join(self) -> None:
        for thread in self._threads:
            thread.join()

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)

    def _client(self, start: int) -> None:
        connection, worker, used, number = self._connect(), None, 0, start
        while self._take():
            request = self.requests[number % len(self.requests)]
            number += 1
            outcome = fetch(connection, request, self.origin, worker)
            self.outcomes.append(outcome)  # list.append is atomic under the GIL
            used += 1
            if outcome.status is None or used >= RECONNECT_EVERY:
                connection.close()
                connection, worker, used = self._connect(), None, 0
            elif worker is None and self.owners is not None and connection.sock is not None:
                worker = self.owners.worker_of(connection.sock.getsockname()[1])
                outcome.worker = worker
        connection.close()

