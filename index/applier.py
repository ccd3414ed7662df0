"""The one background writer that applies journaled API writes to the live index.

A web request never opens a Whoosh writer: it appends to the journal and
returns 202. Each server process runs an Applier thread, but only the one
holding `journal/applier.lock` (an OS file lock, so it passes to another
process when its holder dies) applies entries; the others only append. The
holder looks every POLL_SECONDS (at once when its own process appended) and
applies whatever the live generation lacks, so an acknowledged write is
searchable within about POLL_SECONDS plus the time of one small commit.
A failure is logged and retried; it never reaches a client.
"""
from __future__ import annotations

import atexit
import fcntl
import logging
import os
import threading
import weakref
from pathlib import Path
from typing import IO

from index import store, writer
from index.errors import IndexUnavailable
from index.journal import Journal

LOCK = "applier.lock"
POLL_SECONDS = 0.2
RETRY_SECONDS = 2.0  # after a failure, before trying again
log = logging.getLogger("morgue.applier")
_running: "weakref.WeakSet[Applier]" = weakref.WeakSet()


class Applier:
    """Applies the journal of one index directory, from one thread of this process."""

    def __init__(self, index_dir: Path, journal: Journal | None = None,
                 poll_seconds: float = POLL_SECONDS) -> None:
        self.index_dir = Path(index_dir)
        self.journal = journal or Journal(self.index_dir)
        self.poll_seconds = poll_seconds
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
                wait = self.poll_seconds
                try:
                    if self.pending() and self._holds_lock():
                        writer.apply_journal(self.index_dir, self.journal, self._cache)
                except IndexUnavailable:
                    pass
                except Exception:  # logged and retried: the entries stay in the journal
                    log.exception("applying the journal in %s failed; retrying", self.index_dir)
                    wait = RETRY_SECONDS
                self._wake.wait(wait)
                self._wake.clear()
        finally:
            if self._lock_file is not None:
                self._lock_file.close()
                self._lock_file = None


@atexit.register
def _stop_all() -> None:
    """At exit, let each applier finish the commit it is in (daemon threads are just cut off)."""
    for applier in list(_running):
        applier.stop()
