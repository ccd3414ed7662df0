"""One load trial: the server, the mix, the clients, the memory watch, and the verdict.

`run_trial(options)` starts scripts/serve.py on the index (bench/server.py),
or attaches to a running server on 127.0.0.1, builds the request mix from
the index, warms every worker (bench/load_warmup.py: the clock measures a
warm server), and runs `clients` concurrent clients for `seconds` (never
past `max_seconds`, never more than `max_requests`). A mode adds its own work
while the load runs and its own checks after it (bench/load_reindex.py,
bench/load_kill.py); steady mode only loads. The result is plain data; its
`failures` list is empty when the trial passed.
"""
from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bench import load_procs
from bench.corpus import Document
from bench.load_clients import Clients, Outcome
from bench.load_mix import build_requests, sample_documents
from bench.load_report import summarise
from bench.load_warmup import warm_workers
from bench.server import Server

MODES = ("steady", "reindex", "kill")
SERVER_LOG_TAIL = 20_000  # characters of the server's output kept when a check failed


@dataclass
class Options:
    index_dir: Path
    mode: str = "steady"
    url: str | None = None  # a running server on 127.0.0.1 instead of starting one
    workers: int = 4
    clients: int = 32
    seconds: float = 60.0
    max_seconds: float = 900.0  # hard stop, whatever a mode asks for
    max_requests: int = 1_000_000
    warmup_max: float = 600.0  # seconds to warm every worker before the clock starts; 0: none
    seed: int = 1
    rss_growth_mb: float | None = 50.0  # judged in steady mode
    time_budget_ms: int | None = None  # MORGUE_SEARCH_TIME_BUDGET_MS for the server we start
    csv_max_rows: int = 2_000
    reindex_sources: list[str] = field(default_factory=list)
    tail: float = 30.0  # reindex: the load goes on this long after the rebuild has finished
    distinct: int = 200  # reindex: shifted copies added to the rebuild's sources
    # reindex: the rebuild's CPU priority (reindex.py --nice). Full priority by default: the
    # harder case for the server, and one whose rebuild ends while 32 clients keep the
    # cores busy (at reindex.py's default of 10 it gets a few per cent of them).
    reindex_nice: int = 0
    write_interval: float = 1.0  # reindex: seconds between API posts
    lag_bound: float | None = 10.0  # reindex: no old-build answer to a request sent this late
    kill_at: float = 0.5  # kill: share of `seconds` at which a worker is killed


@dataclass
class Context:
    """What a mode's conductor needs while the load runs."""

    options: Options
    url: str
    port: int
    master: int
    origin: float
    documents: list[Document]
    token: str | None
    deadline: float  # seconds since origin: the clients send nothing after it

    def now(self) -> float:
        return time.monotonic() - self.origin



def _conductor(mode: str):
    if mode == "reindex":
        from bench.load_reindex import ReindexConductor
        return ReindexConductor()
    if mode == "kill":
        from bench.load_kill import KillConductor
        return KillConductor()
    return None


def loopback(url: str) -> tuple[str, int]:
    """The base URL and port of a server on this machine; ValueError for any other host."""
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost") or parts.port is None:
        raise ValueError(f"--url must be http://127.0.0.1:PORT (got {url!r}): "
                         "the load trials never send traffic off this machine")
    return f"http://127.0.0.1:{parts.port}", parts.port


def server_env(options: Options, token: str | None) -> dict:
    env = {}
    if token:
        env["MORGUE_API_TOKEN"] = token
    if options.time_budget_ms is not None:
        env["MORGUE_SEARCH_TIME_BUDGET_MS"] = str(options.time_budget_ms)
    return env


def run_trial(options: Options) -> dict:
    if options.mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)} (got {options.mode!r})")
    documents = sample_documents(options.index_dir, seed=options.seed)
    requests, made_of = build_requests(options.index_dir, options.seed, documents=documents,
                                       csv_max_rows=options.csv_max_rows)
    conductor = _conductor(options.mode)
    token = None
    if options.mode == "reindex":
        token = os.environ.get("MORGUE_API_TOKEN") if options.url else secrets.token_hex(16)
        if not token:
            raise ValueError("the reindex trial posts articles: set MORGUE_API_TOKEN to the "
                             "running server's token")
    server = None
    if options.url:
        url, port = loopback(options.url)
        master = load_procs.master_of(port)
        if master is None:
            raise ValueError(f"no server of this machine listens on 127.0.0.1:{port}")
    else:
        server = Server(options.index_dir, workers=options.workers,
                        env=server_env(options, token), timeout=300)
        url, port, master = server.url, server.port, server.process.pid
    try:
        result = _run(options, conductor, requests, made_of, documents, url, port, master, token)
        if server is not None and result["failures"]:
            output = server.output()
            result["server_log_tail"] = output[-SERVER_LOG_TAIL:]
            raised = server_exceptions(output)
            if raised:  # what a 500 was, in the verdict itself: a CI log may show nothing else
                result["failures"].append("the server raised: " + "; ".join(raised))
        return result
    finally:
        if server is not None:
            server.stop()


def server_exceptions(output: str, most: int = 5) -> list[str]:
    """The exception line and the last frame of each traceback the server printed."""
    found = []
    for block in output.split("Traceback (most recent call last):")[1:]:
        lines = block.splitlines()[1:]
        frames = [line.strip() for line in lines if line.lstrip().startswith("File ")]
        # The frames and their code are indented; the exception line is the first that is not.
        ending = next((line for line in lines if line and not line[0].isspace()), "?")
        found.append(f"{ending} ({frames[-1] if frames else 'no frame'})")
    return found[-most:]


def _run(options: Options, conductor, requests, made_of: dict, documents: list[Document],
         url: str, port: int, master: int, token: str | None) -> dict:
    from index.settings import load_settings

    warmup = warm_workers(port, master, requests, options.warmup_max,
                          workers=None if options.url else options.workers) \
        if options.warmup_max > 0 else None
    origin = time.monotonic()
    context = Context(options, url, port, master, origin, documents, token,
                      deadline=min(options.seconds, options.max_seconds))
    sampler = load_procs.MemorySampler(master, limit=options.max_seconds + 60)
    clients = Clients(port, requests, options.clients, origin=origin,
                      deadline=lambda: context.deadline, max_requests=options.max_requests,
                      owners=load_procs.SocketOwners(master, port))
    workers_at_start = load_procs.children(master)
    sampler.start(origin)
    clients.start()
    try:
        if conductor is not None:
            conductor.run(context)
    except BaseException:
        context.deadline = 0.0  # the clients stop after the request each has in flight
        raise
    finally:
        clients.join()
        duration = context.now()
        sampler.stop()
    outcomes: list[Outcome] = clients.outcomes
    section, failures, expected = conductor.check(context, outcomes) if conductor else \
        ({}, [], [])
    load = summarise(outcomes, duration, expected)
    load["window_s"] = round(context.deadline, 1)
    memory = load_procs.memory_summary(sampler.samples, context.deadline, options.rss_growth_mb)
    if load["errors"]:
        failures.insert(0, f"{load['errors']} errors: {load['errors_by']}")
    if warmup and (warmup["failed"] or None in warmup["per_worker_s"].values()):
        failures.append(f"warm-up: {warmup['failed']} failed answers, workers not warm "
                        f"within {options.warmup_max:.0f} s: "
                        f"{[w for w, s in warmup['per_worker_s'].items() if s is None]}")
    if options.mode == "steady" and memory["within_bound"] is False:
        failures.append(f"a worker's memory grew by {memory['max_growth_mb']} MB "
                        f"(bound {options.rss_growth_mb} MB)")
    settings = load_settings({"WORKERS": options.workers})
    result = {"mode": options.mode, "url": url, "index_dir": str(options.index_dir),
              "clients": options.clients, "workers": len(workers_at_start),
              "threads": settings["THREADS"], "seed": options.seed,
              "time_budget_ms": options.time_budget_ms or settings["SEARCH_TIME_BUDGET_MS"],
              "mix": made_of, "warmup": warmup, "load": load, "memory": memory,
              "failures": failures}
    if section:
        result[options.mode] = section
    result["raw"] = {
        "outcome_keys": ["kind", "started", "ended", "status", "error", "worker", "build",
                         "commit", "total", "path"],
        "outcomes": [[o.kind, round(o.started, 3), round(o.ended, 3), o.status, o.error,
                      o.worker, o.build, o.commit, o.total, o.path] for o in outcomes],
        "memory_samples": [[round(t, 2), pid, round(mb, 1)] for t, pid, mb in sampler.samples]}
    return result
