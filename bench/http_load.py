"""Morgue's JSON API under load: scripts/serve.py (gunicorn) and concurrent keep-alive clients.

The server is started exactly as a user starts it, on 127.0.0.1 and a free
port, with its default workers and threads (MORGUE_WORKERS, MORGUE_THREADS).
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
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from bench import stats
from bench.queries import Query, api_params

ROOT = Path(__file__).resolve().parent.parent
SEARCH = "/api/v1/search?"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """scripts/serve.py in a child process, stopped by `stop()`."""

    def __init__(self, index_dir: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        # A file, not a pipe: a pipe nobody reads would block the server once full.
        self.log = tempfile.TemporaryFile("w+")
        self.process = subprocess.Popen(
            [sys.executable, "scripts/serve.py", "--index-dir", str(index_dir),
             "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=self.log, text=True,
            env=dict(os.environ))
        self._wait_until_up()

    def _wait_until_up(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"serve.py exited: {self.log_tail()}")
            try:
                with urllib.request.urlopen(self.base + "/api/v1/health", timeout=5) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("serve.py did not answer /api/v1/health with 200 in time")

    def peak_rss_mb(self) -> dict | None:
        """VmHWM of the gunicorn master and of each worker (Linux /proc only).

        Pages a worker shares with the master (forked) count in both, so the
        sum overstates the machine's memory use; the largest worker is the
        figure to compare with an engine's query process.
        """
        def hwm(pid: int) -> float:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
            return 0.0

        pid = self.process.pid
        try:
            workers = [int(p) for p in
                       Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
            return {"master": hwm(pid), "workers": [hwm(w) for w in workers]}
        except (OSError, ValueError):
            return None

    def log_tail(self, chars: int = 2000) -> str:
        self.log.seek(0)
        return self.log.read()[-chars:]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


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
        paths = search_paths(server.base, queries)  # also warms every worker a little
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
