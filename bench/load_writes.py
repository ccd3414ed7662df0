"""What changes the index while the reindex trial's load runs: API writes, incremental
updates, a full rebuild, and the watch on CURRENT that times the switch.

The articles written here ("probes") use made-up words only (`zqxlt...`),
so no query of the mix matches them: every search keeps the same total
whatever writes have landed, which lets the verifier compare each answer
with its generation after the run. The rebuild's sources get a file of
`distinct` shifted copies of sampled articles (new ids, dates 50 years on),
so the new generation answers many queries of the mix differently from the
old one and an answer mixing the two would show.
Everything is bounded: the writer by count and time, each subprocess by a timeout.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.corpus import Document, shifted, to_line
from bench.server import ROOT

PROBE_WORD = "zqxltprobe"
COPY_SHIFT = 50  # years: the distinct copies' dates, and their id suffix ~c50


def _code(number: int) -> str:
    """A number as letters only (a, b, ... z, ba, ...): digits would make other tokens."""
    letters = ""
    while True:
        number, digit = divmod(number, 26)
        letters = chr(97 + digit) + letters
        if not number:
            return letters


def probe_article(prefix: str, number: int) -> dict:
    """An article no query of the mix can match: lower-case made-up words only."""
    word = f"zqxlt{_code(number)}"
    return {"id": f"{prefix}-{number}", "title": f"{PROBE_WORD} {word}",
            "body": f"{PROBE_WORD} {word} zqxltbody. " * 5, "language": "en",
            "source": "zqxlt-load-trial", "body_format": "text"}


def write_probes(path: Path, prefix: str, count: int) -> list[str]:
    articles = [probe_article(prefix, n) for n in range(count)]
    path.write_text("".join(json.dumps(a) + "\n" for a in articles), "utf-8")
    return [a["id"] for a in articles]


def write_distinct_copies(path: Path, documents: Sequence[Document], count: int) -> int:
    """`count` shifted copies of the first documents as JSONL: what makes the new build differ."""
    lines = [to_line(shifted(document, COPY_SHIFT)) for document in documents[:count]]
    path.write_text("".join(line + "\n" for line in lines), "utf-8")
    return len(lines)


def run_reindex(arguments: list[str], timeout: float) -> dict:
    """scripts/reindex.py as a user runs it; its exit status, time and summary line."""
    started = time.monotonic()
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen([sys.executable, "scripts/reindex.py", *arguments], cwd=ROOT,
                                   stdout=log, stderr=subprocess.STDOUT, text=True)
        try:
            code = process.wait(timeout=max(1.0, timeout))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            code = None
        log.seek(0)
        output = log.read()
    summary = next((line for line in output.splitlines() if line.startswith("indexed ")), "")
    return {"arguments": arguments, "exit": code, "seconds": round(time.monotonic() - started, 1),
            "summary": summary, "tail": output[-600:] if code != 0 else ""}


class ApiWriter:
    """Posts one probe article every `interval` s with the token, until told to stop,
    `limit` posts or `deadline()` (seconds since `origin`), whichever comes first."""

    def __init__(self, url: str, token: str, prefix: str, *, origin: float,
                 deadline: Callable[[], float], interval: float = 1.0, limit: int = 1000) -> None:
        self.url, self.token, self.prefix = url, token, prefix
        self.origin, self.deadline, self.interval, self.limit = origin, deadline, interval, limit
        self.posts: list[dict] = []  # {t, status, id, seconds}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="load-api-writer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=60)

    @property
    def accepted(self) -> list[str]:
        return [post["id"] for post in self.posts if post["status"] == 202]

    def _run(self) -> None:
        number = 0
        while (not self._stop.is_set() and number < self.limit
               and time.monotonic() - self.origin < self.deadline()):
            self.posts.append(self._post(probe_article(self.prefix, number)))
            number += 1
            self._stop.wait(self.interval)

    def _post(self, article: dict) -> dict:
        started = time.monotonic()
        request = urllib.request.Request(
            self.url + "/api/v1/articles", data=json.dumps(article).encode("utf-8"),
            method="POST", headers={"Content-Type": "application/json",
                                    "Authorization": f"Bearer {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                answer.read()
                status, error = answer.status, None
        except urllib.error.HTTPError as exc:
            status, error = exc.code, exc.read()[:200].decode("utf-8", "replace")
        except OSError as exc:
            status, error = None, type(exc).__name__
        return {"t": round(started - self.origin, 2), "status": status, "id": article["id"],
                "seconds": round(time.monotonic() - started, 3), "error": error}


class SwitchWatcher:
    """Polls CURRENT every `interval` s and records each change: (seconds since origin, name)."""

    def __init__(self, index_dir: Path, origin: float, interval: float = 0.02,
                 on_change: Callable[[], object] | None = None) -> None:
        self.path = Path(index_dir) / "CURRENT"
        self.origin, self.interval, self.on_change = origin, interval, on_change
        self.first = self._read()
        self.changes: list[dict] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="load-switch-watch", daemon=True)

    def _read(self) -> str | None:
        try:
            return self.path.read_text("utf-8").strip() or None
        except OSError:
            return None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        seen = self.first
        while not self._stop.wait(self.interval):
            name = self._read()
            if name and name != seen:
                seen = name
                change = {"t": round(time.monotonic() - self.origin, 3), "name": name}
                if self.on_change is not None:
                    change["workers"] = self.on_change()
                self.changes.append(change)
