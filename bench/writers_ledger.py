"""What the writers trial's clients were told, and what every HTTP answer was.

The trial (bench/writers.py) counts against this: an article is expected in
the archive exactly when its last acknowledged write was a put, with that
put's body; a deleted one is expected nowhere. Each id belongs to one writer
thread, which waits for each answer before its next write about it, so the
order of the acknowledgements is the order the server must apply.

The ledger also lets reader threads notice a *flicker*: an article a reader
had already seen in its expected state (present, or gone after a delete)
seen otherwise later, while no write about it was in flight. That is not a
loss (the count at the end decides that), but it is worth reporting.
"""
from __future__ import annotations

import http.client
import json
import random
import string
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field

CODE_WIDTH = 4  # base-26 letters: 456,976 distinct markers
SAMPLES = 20  # problems kept in full per kind; the rest are only counted


def code(number: int, width: int = CODE_WIDTH) -> str:
    """`number` as `width` letters a-z, most significant first."""
    letters = []
    for _ in range(width):
        number, digit = divmod(number, 26)
        letters.append(string.ascii_lowercase[digit])
    if number:
        raise ValueError(f"number too large for {width} letters")
    return "".join(reversed(letters))


def marker(number: int) -> str:
    """The one word that finds article `number`, in its title and body.

    Fixed-width letters and a final digit. No stemmer (English or any other
    Morgue uses) strips a suffix that ends in a digit, so every marker is its
    own index term (`wtrialbs` and `wtrialb` would both stem to `wtrialb`);
    and did-you-mean leaves words with digits alone (search/spelling.py),
    where a rare all-letter marker, with thousands of other markers a letter
    or two away, costs a quarter of a second to weigh.
    """
    return f"wtrial{code(number)}9"


def revision_word(number: int, version: int) -> str:
    """A word only version `version` of article `number` holds: an old version still
    indexed after its replacement is found by its word."""
    return f"wrev{code(number)}{code(version, 2)}9"


def article_id(number: int) -> str:
    return f"wt-{number:05d}"


@dataclass
class Expected:
    """One article's state as acknowledged to its writer."""

    id: str
    marker: str | None  # None: an article of the source files (only ever deleted)
    body: str = ""
    version: int = 0
    seq: int = 0
    deleted: bool = False
    old_words: tuple[str, ...] = ()  # revision words of replaced versions
    epoch: int = 0  # acknowledged writes so far


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no answer (the connection failed twice)
    data: object
    text: str


@dataclass
class Traffic:
    """Every HTTP answer of the trial, by kind and status: 5xx and LockError are failures."""

    statuses: Counter = field(default_factory=Counter)
    server_errors: list = field(default_factory=list)
    lock_errors: int = 0
    transport_errors: int = 0
    failed_requests: list = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, method: str, path: str, status: int | None, text: str) -> None:
        with self._lock:
            self.statuses[f"{kind} {status}"] += 1
            if status is None:
                self.failed_requests.append(f"{method} {path[:120]}: {text[:200]}")
            elif status >= 500:
                self.server_errors.append(f"{status} {method} {path[:120]}: {text[:300]}")
            if "LockError" in text:
                self.lock_errors += 1

    def transport_error(self) -> None:
        with self._lock:
            self.transport_errors += 1


class Client:
    """One keep-alive connection to the server on 127.0.0.1; every answer goes to `traffic`.

    A request whose connection fails (a keep-alive connection the server has
    just closed) is sent once more on a fresh one; `retried` says so.
    """

    def __init__(self, port: int, traffic: Traffic, kind: str, timeout: float = 60) -> None:
        self.port, self.traffic, self.kind, self.timeout = port, traffic, kind, timeout
        self.retried = False
        self._connection = self._connect()

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)

    def call(self, method: str, path: str, body: bytes | None = None,
             headers: dict | None = None) -> Answer:
        self.retried = False
        for _ in range(2):
            try:
                self._connection.request(method, path, body=body, headers=headers or {})
                response = self._connection.getresponse()
                text = response.read().decode("utf-8", errors="replace")
                status = response.status
                break
            except (OSError, http.client.HTTPException) as exc:
                self._connection.close()
                self._connection = self._connect()
                self.traffic.transport_error()
                self.retried = True
                status, text = None, f"{type(exc).__name__}: {exc}"
        self.traffic.record(self.kind, method, path, status, text)
        try:
            data = json.loads(text) if status is not None else None
        except ValueError:
            data = None
        return Answer(status, data, text)

    def close(self) -> None:
        self._connection.close()


class Ledger:
    """The expected state of every article the trial wrote or deleted; shared by threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.articles: dict[str, Expected] = {}
        self._keys: list[str] = []  # the ids of `articles`, for a random pick in O(1)
        self.busy: set[str] = set()  # ids with a write in flight
        self._recent: deque[str] = deque(maxlen=40)
        self.counts: Counter = Counter()
        self.problems: dict[str, list[str]] = {}
        self.flickers: list[dict] = []
        self.acked_at: dict[int, float] = {}  # seq -> when its write was acknowledged

    # -- writers ---------------------------------------------------------------------------

    def begin(self, ids: list[str]) -> None:
        with self._lock:
            self.busy.update(ids)

    def end(self, ids: list[str]) -> None:
        with self._lock:
            self.busy.difference_update(ids)

    def count(self, name: str, amount: int = 1) -> None:
        with self._lock:
            self.counts[name] += amount

    def problem(self, kind: str, detail: str) -> None:
        with self._lock:
            self.counts[f"problem:{kind}"] += 1
            kept = self.problems.setdefault(kind, [])
            if len(kept) < SAMPLES:
                kept.append(detail)

    def put(self, number: int, version: int, body: str, seq: int) -> None:
        """An acknowledged put: version 1 is a new article, a later one replaces it."""
        with self._lock:
            key = article_id(number)
            old = self.articles.get(key)
            if old is None:
                self._keys.append(key)
            old_words = old.old_words + (revision_word(number, old.version),) if old else ()
            self.articles[key] = Expected(key, marker(number), body, version, seq,
                                          old_words=old_words,
                                          epoch=(old.epoch + 1) if old else 1)
            self._recent.append(key)
            self.acked_at[seq] = time.monotonic()
            self.counts["replaced" if old else "acknowledged"] += 1

    def delete(self, key: str, seq: int) -> None:
        with self._lock:
            old = self.articles.get(key)
            if old is None:
                self._keys.append(key)
                old = Expected(key, None)
            self.articles[key] = Expected(key, old.marker, "", old.version, seq, deleted=True,
                                          old_words=old.old_words, epoch=old.epoch + 1)
            self.acked_at[seq] = time.monotonic()
            self.counts["deleted"] += 1

    def apply_delays(self, applied_at: dict[int, float]) -> list[tuple[float, float]]:
        """(when acknowledged, seconds until first seen applied) per write; the delay is 0
        when the applier was quicker than the answer."""
        with self._lock:
            return [(acked, max(0.0, applied_at[seq] - acked))
                    for seq, acked in self.acked_at.items() if seq in applied_at]

    def snapshot(self) -> list[Expected]:
        with self._lock:
            return list(self.articles.values())

    # -- readers ---------------------------------------------------------------------------

    def sample(self, rng: random.Random) -> Expected | None:
        """An article with a marker and no write in flight: half the time a recent one."""
        with self._lock:
            pool = self._recent if self._recent and rng.random() < 0.5 else None
            for _ in range(5):
                if not (pool or self._keys):
                    return None
                key = rng.choice(pool or self._keys)
                entry = self.articles[key]
                if entry.marker and key not in self.busy:
                    return entry
            return None

    def observe(self, seen: Expected, found: bool, settled: dict[str, int],
                since_rebuild: float | None) -> None:
        """A reader's search for `seen.marker` found the article or not: note a flicker.

        `settled` is the reader's own: id -> the epoch at which it saw the article as
        expected. Gone counts as seen only for an article the reader saw present before
        (`settled` holds it): an article deleted before any of its puts was applied is
        legitimately found for a moment when the applier takes the put in one batch and
        the delete in the next.
        """
        with self._lock:
            now = self.articles.get(seen.id)
            if now is None or now.epoch != seen.epoch or seen.id in self.busy:
                return  # written meanwhile: this answer proves nothing
            if found != now.deleted:
                if found or seen.id in settled:
                    settled[seen.id] = now.epoch
            elif settled.get(seen.id) == now.epoch:
                self.counts["flickers"] += 1
                if len(self.flickers) < SAMPLES:
                    self.flickers.append({"id": seen.id, "kind": "reappeared" if found
                                          else "vanished", "since_rebuild_s": since_rebuild})
