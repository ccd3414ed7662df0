"""Morgue's JSON API under load: scripts/serve.py (gunicorn) and concurrent keep-alive clients.

The server is started exactly as a user starts it (bench/server.py), on
127.0.0.1 and a free port, with its default workers and threads
(MORGUE_WORKERS, MORGUE_THREADS).
The query mix becomes /api/v1/search URLs (bench.queries.api_params); a
`deep` query's URL carries the cursor of page 5, fetched beforehand by
following next_cursor over HTTP. Each client thread holds one connection and
walks the URL list from its own starting point until the time is up. Any
answer other than 200, and any connection failure, is an error. Clients and
server share this machine's cores, which the report's machine line shows.
"""
from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from bench import stats
from bench.queries import Query, api_params
from bench.server import Server

SEARCH = "/api/v1/search?"


def _get_json(base: str, path: str) -> dict:
    with urllib.request.urlopen(base + path, timeout=60) as answer:
        return json.loads(answer.read())


def search_paths(base: str, queries: list[Query]) -> list[tuple[str, str]]:
    """(class, path) per query; a deep query's path holds the cursor of its page."""
    paths = []
    for query in queries:
        params = [(k, v) for k, values in api_params(query).items() for v in values]
        path = SEARCH + urlencode(params)
        for _ in range(query.page - 1):
            cursor = _get_json(base, path).get("next_cursor")
            if not cursor:
                break
            path = SEARCH + urlencode(params + [("cursor", cursor)])
        paths.append((query.cls, path))
    return paths


def _client(port: int, paths: list[tuple[str, str]], start: int, deadline: float,
            out: list) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    number = start
    while time.perf_counter() < deadline:
        cls, path = paths[number % len(paths)]
        number += 1
        started = time.perf_counter()
        try:
            connection.request("GET", path)
            answer = connection.getresponse()
            answer.read()
            status = answer.status
        except (OSError, http.client.HTTPException):
            status = None
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        out.append((cls, status, time.perf_counter() - started))
    connection.close()


def run_load(index_dir: Path, queries: list[Query], seconds: float, clients: int = 8) -> dict:
    """Requests/s, latency and errors of /api/v1/search under `clients` concurrent clients."""
    from index.settings import load_settings

    settings = load_settings({"INDEX_DIR": str(index_dir)})
    server = Server(index_dir)
    try:
        paths = search_paths(server.url, queries)  # also warms every worker a little
        results: list[tuple[str, int | None, float]] = []
        started = time.perf_counter()
        deadline = started + seconds
        threads = [threading.Thread(target=_client, daemon=True,
                                    args=(server.port, paths, n * len(paths) // clients,
                                          deadline, results))
                   for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        server_rss = server.peak_rss_mb()
    finally:
        server.stop()
    ok = [r for r in results if r[1] == 200]
    errors: dict[str, int] = {}
    for _cls, status, _seconds in results:
        if status != 200:
            key = str(status) if status is not None else "connection"
            errors[key] = errors.get(key, 0) + 1
    latency = stats.summary([r[2] for r in results])
    by_class = {cls: stats.summary([r[2] for r in results if r[0] == cls])
                for cls in sorted({r[0] for r in results})}
    return {"clients": clients, "seconds": round(elapsed, 2), "requests": len(results),
            "ok": len(ok), "errors": sum(errors.values()), "error_statuses": errors,
            "requests_per_s": round(len(results) / elapsed, 1),
            "ok_per_s": round(len(ok) / elapsed, 1),
            "latency": latency, "by_class": by_class,
            "server": {"workers": settings["WORKERS"], "threads": settings["THREADS"],
                       "peak_rss_mb": server_rss}}
