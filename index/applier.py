"""The one background writer that applies journaled API writes to the live index.

A web request never opens a Whoosh writer: it appends to the journal and
returns 202. Each server process runs an Applier thread, but only the one
holding `journal/applier.lock` (an OS file lock, so it passes to another
process when its holder dies) applies entries; the others only append. The
holder looks every POLL_SECONDS (at once when its own process appended) and
applies whatever the live generation lacks, so an acknowledged write is
searchable within about POLL_SECONDS plus the time of one small commit.

A failure never reaches a client and never loses an entry: the entries stay
in the journal and the applier tries again, after 2 s, then 4, 8 ... up to
a minute between attempts (a full disk or a damaged index does not mend in a
fraction of a second, and every attempt writes). Each distinct failure is
logged once, not at every attempt; a damaged live index is tried again at
once when a rebuild replaces it.
"""
from __future__ import annotations

import atexit
import fcntl
import logging
import os
import threading
import time
import weakref
from pathlib import Path
from typing import IO

from index import store, writer
from index.errors import DiskFull, IndexUnavailable
from index.journal import Journal

LOCK = "applier.lock"
POLL_SECONDS = 0.2
RETRY_SECONDS = 2.0  # after a failure, before trying again; doubled at each further one
MAX_RETRY_SECONDS = 60.0
log = logging.getLogger("morgue.applier")
_running: "weakref.WeakSet[Applier]" = weakref.WeakSet()


def retry_delay(failures: int, first: float = RETRY_SECONDS) -> float:
    """Seconds to wait after the `failures`-th failed attempt in a row: 2, 4, 8 ... 60."""
    return min(first * 2 ** max(failures - 1, 0), MAX_RETRY_SECONDS)


class Applier:
    """Applies the journal of one index directory, from one thread of this process."""

    def __init__(self, index_dir: Path, journal: Journal | None = None,
                 poll_seconds: float = POLL_SECONDS,
                 retry_seconds: float = RETRY_SECONDS) -> None:
        self.index_dir = Path(index_dir)
        self.journal = journal or Journal(self.index_dir)
        self.poll_seconds = poll_seconds
        self.retry_seconds = retry_seconds
        self.failures = 0  # failed attempts in a row
        self._retry_at = 0.0
        self._failed_on: str | None = None  # the live generation the last attempt failed on
        self._reported: str | None = None  # the failure last logged
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self._start_lock = threading.Lock()
        self._lock_file: IO | None = None
        self._cache = writer.LiveCache()

    def ensure_running(self) -> None:
        """Start the thread in this process unless it runs (a forked worker starts its own)."""
        if self._pid == os.getpid() and self._thread is not None and self._thread.is_alive():
            return
        with self._start_lock:
            if self._pid == os.getpid() and self._thread is not None and self._thread.is_alive():
                return
            if self._lock_file is not None:  # a forked copy of the parent's: close ours only
                self._lock_file.close()
            self._pid, self._lock_file = os.getpid(), None
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="morgue-applier",
                                            daemon=True)
            self._thread.start()
            _running.add(self)

    def wake(self) -> None:
        """Look at the journal now rather than at the next poll (after this process appended)."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Let an apply in progress finish, then end the thread and release the lock."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._pid == os.getpid():
            self._thread.join(timeout)

    def pending(self) -> bool:
        """Whether the journal holds entries the live generation lacks (reads two small files)."""
        try:
            applied = store.live_generation(self.index_dir).journal_seq
        except IndexUnavailable:
            return False  # nothing to apply to: a rebuild will replay the journal
        return self.journal.last_seq() > applied

    def _holds_lock(self) -> bool:
        if self._lock_file is not None:
            return True
        try:
            handle = open(self.journal.directory / LOCK, "a")
        except OSError:
            return False
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False  # another process applies
        self._lock_file = handle
        return True

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                if self._may_try():
                    self._attempt()
                self._wake.wait(self.poll_seconds)
                self._wake.clear()
        finally:
            if self._lock_file is not None:
                self._lock_file.close()
                self._lock_file = None

    def _may_try(self) -> bool:
        """After a failure, wait out the delay, unless a rebuild has replaced the live index."""
        if not self.failures or time.monotonic() >= self._retry_at:
            return True
        try:
            return store.live_name(self.index_dir) != self._failed_on
        except OSError:
            return False

    def _attempt(self) -> None:
        """Apply what the live generation lacks, if anything and if this process applies."""
        try:
            if self.pending():
                if not self._holds_lock():
                    return
                writer.apply_journal(self.index_dir, self.journal, self._cache)
                if self.pending():  # one bounded batch applied, more waiting: go on at once
                    self._wake.set()
        except IndexUnavailable as exc:
            if exc.state == "damaged":
                self._failed(f"{exc.message} {exc.hint or ''}".strip())
            # missing: nothing to apply to; the first build replays the journal
        except DiskFull as exc:
            self._failed(exc.message)
        except Exception as exc:  # a bug or an unforeseen fault: the traceback, once
            self._failed(f"{type(exc).__name__}: {exc}", exc)
        else:  # applied, or nothing left to apply (a rebuild replayed the entries)
            if self.failures:
                log.warning("journaled writes to %s are applied, after %d failed attempt(s)",
                            self.index_dir, self.failures)
            self.failures, self._reported = 0, None

    def _failed(self, reason: str, exc: Exception | None = None) -> None:
        self.failures += 1
        delay = retry_delay(self.failures, self.retry_seconds)
        self._retry_at = time.monotonic() + delay
        try:
            self._failed_on = store.live_name(self.index_dir)
        except OSError:
            self._failed_on = None
        if reason != self._reported:
            self._reported = reason
            log.error("journaled writes to %s wait (kept in the journal; next attempt in "
                      "%.1f s, then less and less often): %s", self.index_dir, delay, reason,
                      exc_info=exc)


@atexit.register
def _stop_all() -> None:
    """At exit, let each applier finish the commit it is in (daemon threads are just cut off)."""
    for applier in list(_running):
        applier.stop()
