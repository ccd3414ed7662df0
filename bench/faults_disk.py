"""The disk-full trial: a rebuild, an --incremental run and an API write that find no room.

Two ways to run out of room:

- `FileSizeLimit` (any user; what CI runs): the child process gets RLIMIT_FSIZE
  with SIGXFSZ ignored, so a write past N bytes into any one file fails with
  EFBIG, which Morgue reports like a full disk. The child loads the extraction
  models first, as a server does as it starts: py3langid unpacks its model
  through a temporary file of some 20 MB, which the limit would refuse too
  (also reported as a full disk, but not the fault under trial).
- `SmallDisk` (root only: scripts/fault_trials.py --tmpfs): the index lives on
  a tmpfs of a few MB mounted for the trial and filled up with a filler file,
  so writes fail with ENOSPC, as on a real full disk.

Every scenario checks the same things: the failure is reported plainly (exit
status 1 and "the disk is full" on stderr, or a 507 JSON error for the API),
the live index is exactly as it was (build id, articles, answers, checksums),
nothing half-written is left (each generation and each of its files as
before), a write the API accepted stays in the journal and is applied once
there is room (the applier backing off meanwhile, its failure logged once),
and the same run succeeds once there is room.
"""
from __future__ import annotations

import errno
import json
import logging
import os
import resource
import runpy
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.faults import ROOT, intact, look, reindex, snapshot
from bench.server import Server
from index.journal import Journal

TOKEN = "fault-trial-token"
SMALL = {"id": "fault-trial-small", "title": "Quokka census finds more quokkas",
         "body": "Rangers counted the quokkas on the island again this spring."}
LEAVE = 16 * 1024  # bytes left free on a full disk: a journal entry fits, a commit does not


@dataclass
class Outcome:
    scenario: str
    checks: dict[str, bool]
    detail: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(self.checks.values())


class FileSizeLimit:
    """No file may grow past `nbytes` in the processes it is applied to."""

    name = "file-size limit (RLIMIT_FSIZE)"

    def __init__(self, nbytes: int) -> None:
        self.nbytes = nbytes

    def apply(self) -> None:
        """In the child: the limit, and EFBIG instead of death by SIGXFSZ."""
        hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]
        resource.setrlimit(resource.RLIMIT_FSIZE, (self.nbytes, hard))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    def reindex(self, index_dir: Path, sources: tuple[str, ...],
                *options: str) -> subprocess.CompletedProcess:
        """scripts/reindex.py's main() in a child process, under the limit."""
        argv = [*sources, "--index-dir", str(index_dir), *options]
        code = ("import json, sys; from bench.faults_disk import reindex_child; "
                "reindex_child(int(sys.argv[1]), json.loads(sys.argv[2]))")
        return subprocess.run([sys.executable, "-c", code, str(self.nbytes), json.dumps(argv)],
                              cwd=ROOT, capture_output=True, text=True, timeout=900)


def _warm_up() -> None:
    from index import posted
    posted.warm_up()


def reindex_child(limit: int, argv: list[str]) -> None:
    """In a child process: warm up, then run scripts/reindex.py as __main__ under the limit."""
    _warm_up()
    FileSizeLimit(limit).apply()
    sys.argv = ["scripts/reindex.py", *argv]
    runpy.run_path(str(ROOT / "scripts" / "reindex.py"), run_name="__main__")


class SmallDisk:
    """A tmpfs mounted for the trial (root only), filled up on demand."""

    name = "full tmpfs (ENOSPC)"

    def __init__(self, mount: Path, megabytes: int) -> None:
        self.mount = mount
        mount.mkdir(parents=True, exist_ok=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs",
                        str(mount)], check=True)

    def close(self) -> None:
        subprocess.run(["umount", str(self.mount)], check=True)

    def leaving(self, nbytes: int) -> "FullDisk":
        """This disk, full but for `nbytes`, for a reindex."""
        return FullDisk(self, nbytes)

    @contextmanager
    def full(self, leave: int = LEAVE) -> Iterator[None]:
        filler = self.mount / "filler"
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            chunk = b"\0" * (1 << 16)
            while True:
                try:
                    os.write(fd, chunk)
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    break
            os.ftruncate(fd, max(0, os.fstat(fd).st_size - leave))
            yield None
        finally:
            os.close(fd)
            filler.unlink()


@dataclass(frozen=True)
class FullDisk:
    disk: SmallDisk
    leave: int
    name = SmallDisk.name

    def reindex(self, index_dir: Path, sources: tuple[str, ...],
                *options: str) -> subprocess.CompletedProcess:
        """scripts/reindex.py, with the disk full but for `leave` bytes."""
        with self.disk.full(self.leave):
            return reindex(index_dir, sources, *options)


# -- reindexing without room ---------------------------------------------------------------

def reindex_without_room(index_dir: Path, sources: tuple[str, ...], options: tuple[str, ...],
                         room, queries: tuple[str, ...]) -> Outcome:
    """Run a reindex that cannot fit; then the same one with room."""
    label = ("an --incremental run" if "--incremental" in options else "a full rebuild")
    before, disk = snapshot(index_dir, queries), look(index_dir)
    result = room.reindex(index_dir, sources, *options)
    after = look(index_dir)
    problems, _, now = intact(index_dir, [before], queries)
    said = result.stderr
    checks = {
        "exit status 1": result.returncode == 1,
        "stderr says the disk is full": "disk is full" in said,
        "stderr says the live index was left unchanged": "live index was left unchanged" in said,
        "live index as before: build, articles, answers, checksums":
            not problems and now is not None and now.build_id == before.build_id,
        "nothing half-written left": after == disk,
    }
    again = reindex(index_dir, sources, *options)
    checks["the same run succeeds with room"] = again.returncode == 0
    return Outcome(f"{label} on a full disk", checks,
                   {"stderr": said.strip().splitlines()[-1:] if said.strip() else [],
                    "problems": problems, "exit": result.returncode})


# -- an API write without room -------------------------------------------------------------

def _big(nbytes: int) -> dict:
    words = " ".join(f"quokka{n}" for n in range(nbytes // 8))
    return {"id": "fault-trial-big", "title": "A long census", "body": words}


def _wait(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[tuple[int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append((record.levelno, record.getMessage()))


def api_child(index_dir: str, limit: int) -> None:
    """In a child process (python -c): the real app and its applier under a file-size limit.

    Prints what happened as JSON on stdout, for `api_write_without_room` to judge.
    """
    from webui import create_app

    _warm_up()
    FileSizeLimit(limit).apply()
    records = _Records()
    logging.getLogger("morgue.applier").addHandler(records)
    app = create_app({"INDEX_DIR": index_dir, "API_TOKEN": TOKEN, "APPLY_INTERVAL": 0.05})
    applier, journal = app.extensions["morgue.applier"], app.extensions["morgue.journal"]
    applier.retry_seconds = 0.1  # the real server waits 2 s, 4 s ...: the same steps, faster
    client = app.test_client()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    article = f"/api/v1/articles/{SMALL['id']}"
    small = client.post("/api/v1/articles", json=SMALL, headers=auth)
    _wait(lambda: applier.failures >= 3, 30)  # its commit (a 50 KB TOC) does not fit
    seq, size = journal.last_seq(), journal.path.stat().st_size
    big = client.post("/api/v1/articles", json=_big(2 * limit), headers=auth)
    report = {"small": small.status_code, "big": big.status_code,
              "big_error": (big.get_json() or {}).get("error"),
              "seq": [seq, journal.last_seq()],
              "bytes": [size, journal.path.stat().st_size],
              "failures": applier.failures,
              "found_while_full": client.get(article).status_code}
    resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY,) * 2)
    report["found_with_room"] = _wait(lambda: client.get(article).status_code == 200, 30)
    applier.stop()
    report["errors_logged"] = [m[:300] for level, m in records.messages
                               if level >= logging.ERROR]
    report["recovery_logged"] = any("are applied, after" in m for _, m in records.messages)
    print(json.dumps(report))


def api_on_small_disk(index_dir: Path, room: SmallDisk) -> dict:
    """The same steps against a real server whose index sits on a full tmpfs."""
    server = Server(index_dir, workers=1, env={"MORGUE_API_TOKEN": TOKEN,
                                               "MORGUE_APPLY_INTERVAL": "0.05"})
    journal = Journal(index_dir)
    article = f"{server.url}/api/v1/articles/{SMALL['id']}"
    try:
        with room.full():
            small = _post(server.url, SMALL)
            time.sleep(3)  # the applier tries, fails, tries again after 2 s
            seq, size = journal.last_seq(), journal.path.stat().st_size
            big = _post(server.url, _big(4 * LEAVE))
            report = {"small": small[0], "big": big[0], "big_error": big[1].get("error"),
                      "seq": [seq, journal.last_seq()],
                      "bytes": [size, journal.path.stat().st_size],
                      "failures": 2, "found_while_full": _status(article)}
        report["found_with_room"] = _wait(lambda: _status(article) == 200, 90)
        log = server.output()
    finally:
        server.stop()
    report["errors_logged"] = [line[:300] for line in log.splitlines()
                               if "journaled writes" in line and " wait " in line]
    report["recovery_logged"] = "are applied, after" in log
    return report


def _post(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url + "/api/v1/articles", json.dumps(body).encode(),
                                     {"Content-Type": "application/json",
                                      "Authorization": f"Bearer {TOKEN}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code


def api_write_without_room(index_dir: Path, room) -> Outcome:
    """POST an article that fits and one that does not; judge what the client and index saw.

    With a FileSizeLimit, the limit must let a journal entry in but not a commit's TOC
    (some 50 KB): LEAVE does.
    """
    if isinstance(room, SmallDisk):
        report = api_on_small_disk(index_dir, room)
    else:
        child = subprocess.run(
            [sys.executable, "-c", "import sys; from bench.faults_disk import api_child; "
             "api_child(sys.argv[1], int(sys.argv[2]))", str(index_dir), str(room.nbytes)],
            cwd=ROOT, capture_output=True, text=True, timeout=300)
        if child.returncode != 0:
            return Outcome("an API write on a full disk", {"the child ran": False},
                           {"stderr": child.stderr[-2000:]})
        report = json.loads(child.stdout.strip().splitlines()[-1])
    error = report["big_error"] or {}
    checks = {
        "an article that fits is accepted (202)": report["small"] == 202,
        "one that does not is refused with 507 JSON": report["big"] == 507
        and error.get("code") == "insufficient_storage"
        and "disk is full" in error.get("message", ""),
        "the refused write left no trace in the journal":
            report["seq"][0] == report["seq"][1] and report["bytes"][0] == report["bytes"][1],
        "the accepted write waits in the journal": report["failures"] >= 2
        and report["found_while_full"] == 404,
        "the applier's failure is logged once": len(report["errors_logged"]) == 1
        and "disk is full" in report["errors_logged"][0],
        "applied once there is room": report["found_with_room"] and report["recovery_logged"],
    }
    return Outcome("an API write on a full disk", checks, report)
