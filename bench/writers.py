"""The concurrent API writers trial: many clients writing while others read and a rebuild runs.

Against the real server (scripts/serve.py, several workers, on 127.0.0.1),
W writer threads post N new articles in total, one at a time or a few per
request (JSON objects, arrays, NDJSON), delete some they were told were
written, replace some with a changed body, and send a few deliberately bad
writes that must be refused with a 4xx and the JSON error shape. R reader
threads search meanwhile. When half the articles are acknowledged a full
reindex (scripts/reindex.py) switches generations; the writers hold back their
last tenth until it has switched, so some writes always land after it.

Then the trial waits for the journal to be applied and counts
(bench/writers_count.py): after the run, after a server restart, and after
another full rebuild (over HTTP and directly). Every loop is bounded in
requests and in time. The ledger of what each client was told and the
record of every HTTP answer live in bench/writers_ledger.py.
"""
from __future__ import annotations

import secrets
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench.server import Server
from bench.writers_count import DirectProbe, HttpProbe, applied_seq, count, wait_applied
from bench.writers_ledger import Client, Ledger, Traffic
from bench.writers_run import Plan, reader, run_writer, source_ids
from index import store
from index.errors import IndexUnavailable
from index.journal import Journal

ROOT = Path(__file__).resolve().parent.parent
BACKLOG_EVERY = 1.0  # seconds between looks at how far the applier is behind


@dataclass
class TrialConfig:
    sources: list[str]
    writers: int = 8
    articles: int = 5000
    readers: int = 2
    workers: int = 3
    delete_share: float = 0.05  # deletes per article posted
    replace_share: float = 0.05  # replacements per article posted
    refuse_share: float = 0.01  # deliberately bad writes per article posted
    source_deletes: int = 10  # articles of the source files deleted through the API
    max_batch: int = 6
    rebuild_at: float = 0.5  # share of the articles acknowledged when the rebuild starts
    gate_at: float = 0.9  # share posted before the writers wait for the rebuild to switch
    seed: int = 1
    max_seconds: float = 1800.0  # the whole trial
    catch_up_seconds: float = 120.0  # for the journal to be applied, each time
    index_dir: Path | None = None  # None: a temporary directory
    reader_requests: int = 0  # per reader; 0: 4 x articles + 1,000
    reindex_workers: int | None = None  # reindex.py --workers; None: its default


def _reindex(config: TrialConfig, index_dir: Path, timeout: float) -> dict:
    """Run scripts/reindex.py as a user would; what it did and how long it took."""
    before = store.live_name(index_dir)
    started = time.monotonic()
    workers = [] if config.reindex_workers is None else ["--workers", str(config.reindex_workers)]
    try:
        done = subprocess.run([sys.executable, "scripts/reindex.py", *config.sources,
                               "--index-dir", str(index_dir), *workers], cwd=ROOT,
                              capture_output=True, text=True, timeout=max(timeout, 1))
        code, out, err = done.returncode, done.stdout.strip(), done.stderr
    except subprocess.TimeoutExpired:
        code, out, err = None, "", "timed out"
    after = store.live_name(index_dir)
    return {"exit": code, "seconds": round(time.monotonic() - started, 1), "summary": out,
            "switched": code == 0 and after != before, "lock_error": "LockError" in err,
            "stderr_tail": err[-600:] if code != 0 else ""}


def _watch_applied(index_dir: Path, stop: threading.Event, applied_at: dict[int, float],
                   backlog: list[tuple[float, int, int]], started: float) -> None:
    """Note when each journal entry is first seen in the live generation (its manifest), and
    every BACKLOG_EVERY seconds (time, journal's last entry, live generation's last one)."""
    high, journal, sampled = 0, Journal(index_dir), 0.0
    while not stop.wait(0.05):
        try:
            live = store.live_generation(index_dir).journal_seq
        except (IndexUnavailable, OSError):
            continue
        now = time.monotonic()
        for seq in range(high + 1, live + 1):
            applied_at[seq] = now
        high = max(high, live)
        if now - sampled >= BACKLOG_EVERY:
            sampled = now
            backlog.append((round(now - started, 1), journal.last_seq(), live))


def _backlog(samples: list[tuple[float, int, int]]) -> dict | None:
    """The most entries the applier was behind, when, and a sample every 10th look."""
    if not samples:
        return None
    worst = max(samples, key=lambda sample: sample[1] - sample[2])
    return {"max_entries": worst[1] - worst[2], "at_s": worst[0],
            "samples_t_journal_applied": samples[::10]}


def _spread(values: list[float]) -> dict | None:
    """Median, 95th percentile and largest of `values`, in seconds."""
    if not values:
        return None
    values = sorted(values)
    return {"samples": len(values), "median": round(values[len(values) // 2], 3),
            "p95": round(values[int(len(values) * 0.95)], 3), "max": round(values[-1], 3)}


_LOG_WORDS = ("error", "warning", "traceback", "timeout", "critical", "journaled writes")


def _server_log(text: str) -> dict:
    """What the server logged besides its start: errors, warnings, worker timeouts."""
    lines = [line for line in text.splitlines()
             if any(word in line.lower() for word in _LOG_WORDS)]
    return {"lines": len(lines), "lock_errors": sum("LockError" in line for line in lines),
            "tracebacks": sum("Traceback" in line for line in lines),
            "first": [line[:240] for line in lines[:8]]}


class Trial:
    """One run: the workspace, the server, the threads, the counts."""

    def __init__(self, config: TrialConfig, progress=None) -> None:
        self.config = config
        self._progress = progress or (lambda message: None)
        self.token = secrets.token_urlsafe(24)  # never printed
        self.traffic, self.ledger = Traffic(), Ledger()
        self.started = time.monotonic()
        self.deadline = self.started + config.max_seconds
        self.report: dict = {"config": {k: v for k, v in config.__dict__.items()
                                        if k not in ("index_dir",)}, "failures": []}
        self.logs: list[str] = []
        self.server: Server | None = None
        self.applied_at: dict[int, float] = {}  # journal seq -> first seen applied
        self.rebuild_window = (0.0, 0.0)
        self.backlog: list[tuple[float, int, int]] = []

    def progress(self, message: str) -> None:
        self._progress(f"[{time.monotonic() - self.started:6.1f} s] {message}")

    def left(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    def fail(self, message: str) -> None:
        self.report["failures"].append(message)

    def start_server(self) -> Server:
        self.server = Server(self.index_dir, workers=self.config.workers,
                             env={"MORGUE_API_TOKEN": self.token},
                             timeout=min(120, self.left() + 1))
        return self.server

    def stop_server(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.logs.append(self.server.output())
            self.server = None

    # -- phases ----------------------------------------------------------------------------

    def prepare(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        if store.live_name(index_dir) is None:
            self.progress(f"building the base index from {len(self.config.sources)} source(s)")
            built = _reindex(self.config, index_dir, self.left())
            if built["exit"] != 0:
                raise RuntimeError(f"the base index could not be built: {built['stderr_tail']}")
            self.report["base_build"] = built
        if applied_seq(index_dir)[0]:
            self.progress("the index already has a journal: its earlier writes stay as they are")

    def traffic_phase(self, server: Server) -> None:
        config = self.config
        plan = Plan(config, self.ledger, self.token, self.deadline)
        victims = source_ids(self.index_dir, config.source_deletes, config.seed)
        stop_readers = threading.Event()
        rebuild: dict = {}
        threads = [threading.Thread(target=run_writer, name=f"writer-{n}",
                                    args=(plan, n, Client(server.port, self.traffic, "write"),
                                          victims[n::config.writers]))
                   for n in range(config.writers)]
        cap = config.reader_requests or 4 * config.articles + 1000
        readers = [threading.Thread(target=reader, name=f"reader-{n}",
                                    args=(plan, n, Client(server.port, self.traffic, "read"),
                                          stop_readers, cap))
                   for n in range(config.readers)]
        rebuilder = threading.Thread(target=self._mid_rebuild, args=(plan, rebuild))
        watcher = threading.Thread(target=_watch_applied,
                                   args=(self.index_dir, stop_readers, self.applied_at,
                                         self.backlog, self.started))
        started = time.monotonic()
        for thread in threads + readers + [rebuilder, watcher]:
            thread.start()
        for thread in threads + [rebuilder]:
            thread.join(self.left() + 60)
        self.report["posting_seconds"] = posting = round(time.monotonic() - started, 1)
        self.report["articles_posted_per_s"] = round(plan.posted / max(posting, 0.1), 1)
        self.report["applied_after_last_write_s"] = wait_applied(
            self.index_dir, min(self.config.catch_up_seconds, self.left()))
        stop_readers.set()
        for thread in readers + [watcher]:
            thread.join(60)
        if any(thread.is_alive() for thread in threads + readers + [rebuilder]):
            self.fail("a client thread was still running at the deadline")
        self.report["rebuild_during_writes"] = rebuild
        if "acknowledged_before" in rebuild:
            rebuild["acknowledged_after"] = (self.ledger.counts["acknowledged"]
                                             - rebuild["acknowledged_before"]
                                             - rebuild["acknowledged_during"])
        self.rebuild_window = (plan.rebuild_started or 0.0, plan.rebuilt_at or 0.0)
        if not rebuild.get("switched"):
            self.fail(f"the rebuild during the writes did not switch generations: {rebuild}")
        self.report["writes_posted"] = plan.posted
        if plan.posted < config.articles:
            self.fail(f"only {plan.posted:,} of {config.articles:,} articles were posted "
                      "before the deadline")

    def _mid_rebuild(self, plan: Plan, out: dict) -> None:
        try:
            plan.wait_for_rebuild_turn()
            acked = self.ledger.counts["acknowledged"]
            plan.rebuild_started = time.monotonic()
            self.progress(f"full reindex during the writes ({acked:,} articles acknowledged)")
            out.update(_reindex(self.config, self.index_dir, self.left()))
            out["acknowledged_before"] = acked
            out["ran_from_to_s"] = [round(plan.rebuild_started - self.started, 1),
                                    round(time.monotonic() - self.started, 1)]
            out["acknowledged_during"] = self.ledger.counts["acknowledged"] - acked
            plan.rebuilt_at = time.monotonic()
            self.progress(f"reindex done in {out['seconds']} s: {out['summary']}")
        finally:
            plan.rebuild_done.set()

    def count_phase(self, name: str, server: Server, direct: bool = False) -> None:
        waited = wait_applied(self.index_dir, min(self.config.catch_up_seconds, self.left()))
        self.report.setdefault("catch_up_seconds", {})[name] = waited
        if waited is None:
            self.fail(f"{name}: the journal was not applied within "
                      f"{self.config.catch_up_seconds:.0f} s {applied_seq(self.index_dir)}")
        expected = self.ledger.snapshot()
        probes = [("http", HttpProbe(server.port, self.traffic))]
        if direct:
            probes.append(("direct", DirectProbe(self.index_dir)))
        for kind, probe in probes:
            key = f"{name}_{kind}" if direct else name
            self.progress(f"counting after {name} ({kind}) ...")
            try:
                self.report.setdefault("counts", {})[key] = counted = count(probe, expected)
            except Exception as exc:  # noqa: BLE001 - a count that cannot finish is a failure
                self.fail(f"counting after {name} ({kind}) failed: {exc}")
                continue
            if counted["lost"] or counted["resurrected"]:
                self.fail(f"after {name} ({kind}): {counted['lost']} lost, "
                          f"{counted['resurrected']} resurrected")

    def run(self) -> dict:
        with tempfile.TemporaryDirectory(prefix="morgue-writers-") as tmp:
            self.prepare(Path(self.config.index_dir or Path(tmp) / "index"))
            try:
                server = self.start_server()
                self.progress(f"{self.config.writers} writers and {self.config.readers} readers "
                              f"on {server.url} ({self.config.workers} workers)")
                self.traffic_phase(server)
                self.count_phase("run", server)
                self.stop_server()
                self.progress("restarting the server")
                server = self.start_server()
                self.count_phase("restart", server)
                self.progress("full reindex after the writes")
                self.report["rebuild_after"] = rebuilt = _reindex(self.config,
                                                                  self.index_dir, self.left())
                if not rebuilt["switched"]:
                    self.fail(f"the final rebuild did not switch generations: {rebuilt}")
                self.count_phase("rebuild", server, direct=True)
            finally:
                self.stop_server()
        return self.finish()

    def finish(self) -> dict:
        report, ledger, traffic = self.report, self.ledger, self.traffic
        report["ledger"] = dict(ledger.counts)
        report["problems"] = ledger.problems
        report["flickers"] = ledger.flickers
        delays = ledger.apply_delays(self.applied_at)
        start, end = self.rebuild_window
        report["applier_backlog"] = _backlog(self.backlog)
        report["acknowledged_to_applied_s"] = {
            "all": _spread([delay for _, delay in delays]),
            "acknowledged_during_the_rebuild": _spread([d for at, d in delays
                                                        if start <= at <= end]),
            "acknowledged_outside_it": _spread([d for at, d in delays
                                                if not start <= at <= end])}
        report["http"] = {"statuses": dict(sorted(traffic.statuses.items())),
                          "5xx": len(traffic.server_errors),
                          "5xx_samples": traffic.server_errors[:10],
                          "lock_errors": traffic.lock_errors,
                          "transport_errors": traffic.transport_errors,
                          "failed_requests": traffic.failed_requests[:10]}
        report["server_log"] = _server_log("\n".join(self.logs))
        report["wall_seconds"] = round(time.monotonic() - self.started, 1)
        if traffic.server_errors:
            self.fail(f"{len(traffic.server_errors)} answers were 5xx")
        if traffic.lock_errors:
            self.fail(f"{traffic.lock_errors} answers mentioned LockError")
        if traffic.failed_requests:
            self.fail(f"{len(traffic.failed_requests)} requests got no answer")
        for kind, samples in ledger.problems.items():
            self.fail(f"{ledger.counts[f'problem:{kind}']} {kind}: {samples[0]}")
        return report


def run_trial(config: TrialConfig, progress=None) -> dict:
    """Run the whole trial; the report (report["failures"] empty when everything held)."""
    return Trial(config, progress).run()


TABLE_HEADER = ("writers", "articles posted", "acknowledged", "deleted", "replaced", "refused",
                "5xx", "LockError", "found after run", "found after restart",
                "found after rebuild (http / direct)", "lost", "resurrected", "wall time")


def _found(counts: dict, key: str) -> str:
    counted = counts.get(key)
    return f"{counted['found']:,} / {counted['expected']:,}" if counted else "not counted"


def table(report: dict) -> str:
    """The trial's figures as one markdown table row (lost and resurrected over every count)."""
    counts, ledger, http = report.get("counts", {}), report["ledger"], report["http"]
    rebuilt = " ; ".join(_found(counts, key) for key in ("rebuild_http", "rebuild_direct"))
    cells = [report["config"]["writers"], report.get("writes_posted", 0),
             ledger.get("acknowledged", 0), ledger.get("deleted", 0), ledger.get("replaced", 0),
             ledger.get("refused", 0), http["5xx"], http["lock_errors"],
             _found(counts, "run"), _found(counts, "restart"), rebuilt,
             max((c["lost"] for c in counts.values()), default=0),
             max((c["resurrected"] for c in counts.values()), default=0),
             f"{report['wall_seconds']:.0f} s"]
    cells = [f"{cell:,}" if isinstance(cell, int) else str(cell) for cell in cells]
    return "\n".join(["| " + " | ".join(TABLE_HEADER) + " |",
                      "|" + "---|" * len(TABLE_HEADER), "| " + " | ".join(cells) + " |"])
