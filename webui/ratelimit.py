"""Per-client limits on expensive requests (MORGUE_RATE_LIMIT), shared by every worker process.

Only requests that cost much more than a reader's ordinary page count, and
one function, `expense()`, decides which: exports (every result, streamed),
deep pages, searches that ask for many facets or long facet lists, and
queries with several wildcard or fuzzy words. The HTML pages' own sidebar
and first pages, cursors (the cheap way deep) and every other endpoint are
never counted. A request is counted before its view runs, so a 304 or a 400
counts too: the limiter cannot know the answer yet, and a client could not
dodge the count with a made-up If-None-Match. Past the limit a client gets
429 with Retry-After.

The algorithm is GCRA (the generic cell rate algorithm, a token bucket kept
as one timestamp per client): with N requests per T seconds, each request
moves the client's "theoretical arrival time" T/N later, and a request is
refused while that time would lie more than T ahead. So a client may spend
N at once and then one more every T/N seconds, and an idle client owes
nothing. One row per client; a row whose time has passed means no debt and
is deleted now and then.

Gunicorn runs several worker processes, so the state lives in one SQLite
file (stdlib sqlite3, WAL, one short IMMEDIATE transaction per counted
request) that they all share: a client gets N in all, whichever worker
answers. The file lives outside the index directory (by default beside it),
so copying an index never copies anyone's debts.

Clients are told apart by the connection's address (an IPv6 client by its
/64, which one host usually holds whole). X-Forwarded-For is ignored unless
MORGUE_TRUSTED_PROXIES says how many proxies in front may be believed: any
client can write that header, so trusting it by default would let anyone
pick a fresh identity per request.
"""
from __future__ import annotations

import ipaddress
import logging
import math
import os
import re
import sqlite3
import threading
import time
from collections.abc import Mapping
from pathlib import Path

from flask import Flask, current_app, request
from werkzeug.exceptions import TooManyRequests
from werkzeug.middleware.proxy_fix import ProxyFix

from index.settings import Rate
from search.request import EXPORT_FORMATS

DEEP_PAGE = 10  # pages 1..10 are what people read; further is a crawler's habit
DEEP_RESULTS = 1_000  # page * page_size past this is deep too
HEAVY_FACETS = 3  # facets named in one request (the API's default is 2)
LARGE_FACET_SIZE = 25  # values per facet (default 10)
HEAVY_WILDCARDS = 2  # wildcard or fuzzy words in one query (each expands to many terms)
SEARCHES = ("/api/v1/search", "/search")
ACTOR_PAGES = "/actors/"
BUSY_TIMEOUT = 1.0  # seconds to wait for another worker's transaction before failing open
PRUNE_EVERY = 256  # counted requests (per process) between deletions of settled rows
REASONS = {"export": "An export", "deep page": "A deep page",
           "facets": "A facet-heavy search", "wildcards": "A wildcard-heavy search"}
_WILDCARD_WORD = re.compile(r"\w[*?~]|[*?]\w")

log = logging.getLogger("morgue.ratelimit")


class RateLimited(TooManyRequests):
    name = "Rate Limited"  # errors.py makes the code of this: "rate_limited"


def expense(path: str, args: Mapping[str, str]) -> str | None:
    """Why this request is expensive ("export", "deep page", "facets", "wildcards"), or None.

    Reads the raw query string as the client sent it, so the pages' built-in facets
    (never named in their URL) do not count; a value that is not a number counts as
    nothing here, since the search answers it with a 400 anyway.
    """
    if path not in SEARCHES and not path.startswith(ACTOR_PAGES):
        return None
    if path == SEARCHES[0] and args.get("format") in EXPORT_FORMATS:
        return "export"
    page, page_size = _number(args.get("page"), 1), _number(args.get("page_size"), 10)
    if page > DEEP_PAGE or page * page_size > DEEP_RESULTS:
        return "deep page"
    named = {name.strip() for name in (args.get("facets") or "").split(",") if name.strip()}
    if len(named) >= HEAVY_FACETS or _number(args.get("facet_size"), 10) > LARGE_FACET_SIZE:
        return "facets"
    words = (args.get("q") or "").split()
    if sum(1 for word in words if _WILDCARD_WORD.search(word)) >= HEAVY_WILDCARDS:
        return "wildcards"
    return None


def _number(raw: str | None, default: int) -> int:
    try:
        return int(raw) if raw else default
    except ValueError:
        return default


def client_key(address: str | None) -> str:
    """Whom a request is counted against: its IPv4 address, or its IPv6 /64 network."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return address or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # ::ffff:a.b.c.d is that IPv4 client
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class Limiter:
    """GCRA over one SQLite file that every process and thread of the server shares."""

    def __init__(self, rate: Rate, path: Path) -> None:
        self.rate = rate
        self.path = path
        self.interval = rate.seconds / rate.count
        self._local = threading.local()
        self._lock = threading.Lock()
        self._counted = 0
        self._failing = False

    def hit(self, client: str, now: float | None = None) -> float:
        """Count one expensive request: 0 when it may go ahead, else the seconds to wait.

        Fails open: when the file cannot be opened or stays locked past BUSY_TIMEOUT, the
        request goes ahead uncounted and the first such failure is logged (once, until the
        file works again). The limit protects the archive from being worn down; refusing
        every expensive request because its bookkeeping is stuck would cause the very
        outage it is there to prevent, and each search stays bounded without it (time
        budget, result depth, wildcard expansion).
        """
        now = time.time() if now is None else now  # wall clock: the processes share it
        try:
            wait = self._hit(client, now)
        except (sqlite3.Error, OSError) as exc:  # OSError: its directory cannot be made
            with self._lock:
                first, self._failing = not self._failing, True
            if first:
                log.warning("rate limits are not applied: %s (%s); expensive requests go "
                            "ahead uncounted until it works again", self.path, exc)
            self._forget_connection()
            return 0.0
        self._failing = False
        return wait

    def _hit(self, client: str, now: float) -> float:
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute("SELECT tat FROM allowance WHERE client = ?", (client,)).fetchone()
            tat = max(row[0] if row else now, now) + self.interval
            # A small tolerance: N * (T / N) may come out a hair above T in floating point.
            wait = tat - now - self.rate.seconds
            if wait <= 1e-6:
                db.execute("INSERT INTO allowance (client, tat) VALUES (?, ?) "
                           "ON CONFLICT (client) DO UPDATE SET tat = excluded.tat",
                           (client, tat))
                wait = 0.0
            if self._due_for_pruning():
                db.execute("DELETE FROM allowance WHERE tat < ?", (now,))
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        return wait

    def _due_for_pruning(self) -> bool:
        with self._lock:
            self._counted += 1
            return self._counted % PRUNE_EVERY == 0

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use (and anew in a forked child)."""
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            local.db, local.pid = None, os.getpid()
        if local.db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
            try:
                db.execute("PRAGMA journal_mode=WAL")  # readers and the writer never block
                db.execute("PRAGMA synchronous=NORMAL")  # a power cut may forget a few counts
                db.execute("CREATE TABLE IF NOT EXISTS allowance "
                           "(client TEXT PRIMARY KEY, tat REAL NOT NULL) WITHOUT ROWID")
            except BaseException:
                db.close()
                raise
            local.db = db
        return local.db

    def _forget_connection(self) -> None:
        db = getattr(self._local, "db", None)
        self._local.db = None
        if db is not None:
            db.close()


def database_path(settings: Mapping) -> Path:
    """RATE_LIMIT_DB, else ratelimit.sqlite3 beside (not inside) the index directory."""
    return settings["RATE_LIMIT_DB"] or Path(settings["INDEX_DIR"]).parent / "ratelimit.sqlite3"


def init_app(app: Flask) -> None:
    """A limiter when MORGUE_RATE_LIMIT is set (opened lazily: nothing happens until the
    first expensive request), and the proxies to believe for the client's address."""
    settings = app.config["MORGUE"]
    rate = settings["RATE_LIMIT"]
    app.extensions["morgue.ratelimit"] = Limiter(rate, database_path(settings)) if rate else None
    if settings["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings["TRUSTED_PROXIES"], x_proto=0,
                                x_host=0, x_port=0, x_prefix=0)
    app.before_request(check_rate)


def check_rate() -> None:
    """Count an expensive GET against its client; 429 with Retry-After past the limit."""
    limiter: Limiter | None = current_app.extensions["morgue.ratelimit"]
    if limiter is None or request.method not in ("GET", "HEAD"):
        return
    reason = expense(request.path, request.args)
    if reason is None:
        return
    wait = limiter.hit(client_key(request.remote_addr))
    if wait:
        seconds = max(1, math.ceil(wait))
        raise RateLimited(
            f"{REASONS[reason]} is an expensive request, and this address has made its "
            f"{limiter.rate} of them (exports; pages past {DEEP_PAGE} or results past "
            f"{DEEP_RESULTS:,}; {HEAVY_FACETS} or more facets, or facet_size over "
            f"{LARGE_FACET_SIZE}; {HEAVY_WILDCARDS} or more wildcard or fuzzy words). Try again "
            f"in {seconds} s; other searches, and deeper pages by next_cursor, go ahead.",
            retry_after=seconds)
