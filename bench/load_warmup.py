"""Warm every worker before the timed load: each fills its own caches, once per index state.

A gunicorn worker builds its caches (columns, facet and story codes, the
suggest vocabulary, spelling lists) on its first requests; on the x10
archive that takes a cold worker tens of seconds per kind of request, and
four cold workers share two cores. Timing the load from a cold start would
measure the cold start, and the memory a worker grows while filling its
caches is not a leak. So, before the clock starts, one thread per worker
gets a connection that worker serves (bench.load_procs.SocketOwners) and
sends it the first `per_kind` requests of each kind of the mix, one at a
time. It is bounded by `limit` seconds; how long each worker took is part
of the report (the server's cold start), and so is any failed answer.
"""
from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Sequence

from bench.load_clients import TIMEOUT, Outcome, fetch
from bench.load_mix import Request
from bench.load_procs import SocketOwners, children

PER_KIND = 1
PIN_PATH = "/api/v1/health"


def _pinned(port: int, owners: SocketOwners, worker: int,
            deadline: float) -> http.client.HTTPConnection | None:
    """A kept-alive connection that `worker` serves (new connections until one lands on it)."""
    while time.monotonic() < deadline:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        try:
            connection.request("GET", PIN_PATH)
            connection.getresponse().read()
            if owners.worker_of(connection.sock.getsockname()[1]) == worker:
                return connection
        except (OSError, http.client.HTTPException):
            pass
        connection.close()
    return None


def warm_workers(port: int, master: int, requests: Sequence[Request], limit: float,
                 workers: int | None = None, per_kind: int = PER_KIND) -> dict:
    """Warm each worker with `per_kind` requests of every kind; figures and failed answers.

    The server answers as soon as its first worker is up: with `workers`, wait (within
    `limit`) until that many exist, so that none is left cold.
    """
    chosen: list[Request] = []
    for kind in dict.fromkeys(r.kind for r in requests):
        chosen += [r for r in requests if r.kind == kind][:per_kind]
    owners, origin = SocketOwners(master, port), time.monotonic()
    deadline = origin + limit
    while workers and len(children(master)) < workers and time.monotonic() < deadline:
        time.sleep(0.1)
    took: dict[int, float | None] = {}
    outcomes: list[Outcome] = []

    def warm(worker: int) -> None:
        connection = _pinned(port, owners, worker, deadline)
        if connection is None:
            took[worker] = None
            return
        for request in chosen:
            if time.monotonic() >= deadline:
                took[worker] = None
                break
            outcome = fetch(connection, request, origin, worker)
            outcomes.append(outcome)
            if outcome.status is None:
                connection.close()
                connection = _pinned(port, owners, worker, deadline) or connection
        else:
            took[worker] = round(time.monotonic() - origin, 1)
        connection.close()

    threads = [threading.Thread(target=warm, args=(worker,), name=f"load-warm-{worker}",
                                daemon=True) for worker in children(master)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failed = [o for o in outcomes if o.failed]
    return {"seconds": round(time.monotonic() - origin, 1), "per_worker_s": took,
            "requests": len(outcomes), "failed": len(failed),
            "failed_examples": [(o.kind, o.status, o.error, o.path) for o in failed[:5]],
            "slowest_ms": {kind: round(max(o.seconds for o in outcomes if o.kind == kind) * 1000)
                           for kind in dict.fromkeys(o.kind for o in outcomes)}}
