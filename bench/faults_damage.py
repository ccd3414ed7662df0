"""The damaged-segment trial: truncate or overwrite a segment file, serve it, rebuild it.

One segment file of the live generation (its postings, the largest file) is
truncated to half its size, or 256 of its bytes are inverted in place (the size
unchanged: only the checksums show it). Then a real server (scripts/serve.py,
two workers) is started on it, and:

1. it starts, and /api/v1/health answers 503 "damaged" with a message naming
   the file (at once when truncated; once the background checksum check has run
   when overwritten);
2. a search answers 503 with the same JSON error (never a 500), and so does the
   HTML results page;
3. its log shows no crash loop: no worker exits or restarts, and only a few
   lines over the seconds watched;
4. scripts/reindex.py rebuilds it, and the same server answers "ok" and serves
   the search, without a restart.
"""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from bench.faults import Corpus, reindex
from bench.faults_disk import Outcome
from bench.server import Server
from index import store

FLIPPED = 256
CRASH_SIGNS = ("exited with code", "WORKER TIMEOUT", "Booting worker", "Traceback")


def damage(index_dir: Path, how: str) -> str:
    """Damage the live generation's largest postings file; return its name."""
    generation = store.live_generation(index_dir)
    target = max(generation.path.glob("*.pst"), key=lambda path: path.stat().st_size)
    data = bytearray(target.read_bytes())
    if how == "truncate":
        target.write_bytes(bytes(data[:len(data) // 2]))
    elif how == "overwrite":
        middle = len(data) // 2
        data[middle:middle + FLIPPED] = bytes(b ^ 0xFF for b in data[middle:middle + FLIPPED])
        target.write_bytes(bytes(data))
    else:
        raise ValueError(f"how must be truncate or overwrite (got {how!r})")
    return target.name


def get(url: str) -> tuple[int, str, str]:
    """(status, content type, body) of a GET, whatever the status."""
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, answer.headers.get("Content-Type", ""), answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read().decode()


def _json(body: str) -> dict:
    try:
        return json.loads(body)
    except ValueError:
        return {}


def _wait_for(url: str, status: str, seconds: float) -> dict:
    deadline = time.monotonic() + seconds
    health = {}
    while time.monotonic() < deadline:
        health = _json(get(url)[2])
        if health.get("status") == status:
            break
        time.sleep(0.1)
    return health


def damaged_segment(index_dir: Path, corpus: Corpus, how: str,
                    watch_seconds: float = 3.0) -> Outcome:
    """Damage, serve, search, watch, rebuild, serve again (see the module's docstring)."""
    name = damage(index_dir, how)
    server = Server(index_dir, workers=2, require_index=False)
    q = urllib.parse.quote(corpus.queries[0])
    try:
        health = _wait_for(server.url + "/api/v1/health", "damaged", 20)
        deadline = time.monotonic() + 10  # each worker runs its own check as it starts
        while True:
            status, kind, body = get(f"{server.url}/api/v1/search?q={q}")
            if status == 503 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        error = _json(body).get("error") or {}
        page_status = get(f"{server.url}/search?q={q}")[0]
        lines_before = len(server.output().splitlines())
        time.sleep(watch_seconds)
        log = server.output()
        rebuilt = reindex(index_dir, corpus.base)
        healed = _wait_for(server.url + "/api/v1/health", "ok", 30)
        after = get(f"{server.url}/api/v1/search?q={q}")[0]
        log = server.output()
    finally:
        server.stop()
    crashes = sum(line.count(sign) for line in log.splitlines() for sign in CRASH_SIGNS)
    checks = {
        "the server starts": bool(health),
        "health says damaged and names the file": health.get("status") == "damaged"
        and name in (health.get("message") or ""),
        "a search answers 503 JSON naming the file": status == 503
        and kind.startswith("application/json") and error.get("code") == "index_damaged"
        and name in error.get("message", ""),
        "the results page answers 503, not 500": page_status == 503,
        "no crash loop in the log": crashes == 0
        and len(log.splitlines()) - lines_before <= 2,
        "the reindex rebuilds it": rebuilt.returncode == 0,
        "served again without a restart": healed.get("status") == "ok" and after == 200,
    }
    return Outcome(f"a segment file {'truncated' if how == 'truncate' else 'overwritten'}",
                   checks, {"file": name, "health": health.get("message"),
                            "log_lines": len(log.splitlines()), "crash_signs": crashes,
                            "reindex": rebuilt.stderr.strip().splitlines()[-1:]})
