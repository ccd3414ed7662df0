"""The journal of API writes: an append-only NDJSON file in the index directory.

Every article posted or deleted through the API is appended here, and the
file is fsynced, before the client hears 202; the index is only updated
afterwards (index/applier.py). So an acknowledged write survives a crash or
restart, and every new generation can replay the whole journal after its
source files (contract, section 1). Layout, beside the generations:

    <index dir>/journal/entries.ndjson   one entry a line, `seq` first
    <index dir>/journal/append.lock      held (flock) while a line is appended

An entry is `{"seq": n, "op": "put", "at": ..., "id": ..., "article": {...}}`
or `{"seq": n, "op": "delete", "at": ..., "id": ...}`. Sequence numbers rise
by one. Appends from every server process are serialised by the lock; readers
need no lock because they only take lines that end in a newline (a crash in
the middle of an append leaves a torn line that was never acknowledged, and
the next append cuts it off). An append first reserves its bytes on disk, so
a full disk refuses it (DiskFull, 507) before any of its lines can be read.
"""
from __future__ import annotations

import bisect
import fcntl
import json
import os
import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from index.errors import DiskFull, is_disk_full
from index.store import fsync_dir

DIRECTORY = "journal"
ENTRIES = "entries.ndjson"
APPEND_LOCK = "append.lock"
PUT = "put"
DELETE = "delete"
_SEQ = re.compile(rb'\{"seq": ?(\d+)')
_TAIL_CHUNK = 1 << 16


@dataclass(frozen=True)
class Entry:
    seq: int
    op: str
    id: str
    at: str = ""
    article: dict | None = field(default=None, compare=False, repr=False)

    def to_json(self) -> str:
        data = {"seq": self.seq, "op": self.op, "at": self.at, "id": self.id}
        if self.article is not None:
            data["article"] = self.article
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def final_ops(entries: Iterable[Entry]) -> dict[str, Entry]:
    """The last entry for each id: all a replay needs (a put then a delete is a delete)."""
    final: dict[str, Entry] = {}
    for entry in entries:
        final.pop(entry.id, None)  # keep journal order among the survivors
        final[entry.id] = entry
    return final


class Journal:
    """One index directory's journal; safe to share between the threads of a process.

    It remembers the byte offset of every complete line it has seen, so
    reading the entries after a sequence number costs only the new lines.
    """

    def __init__(self, index_dir: Path) -> None:
        self.directory = Path(index_dir) / DIRECTORY
        self.path = self.directory / ENTRIES
        self._lock = threading.Lock()
        self._seqs: list[int] = []
        self._offsets: list[int] = []
        self._scanned = 0  # bytes of complete lines already indexed
        self._identity: tuple[int, int] | None = None

    # -- appending ---------------------------------------------------------

    @contextmanager
    def _append_lock(self) -> Iterator[None]:
        created = not self.directory.exists()
        self.directory.mkdir(parents=True, exist_ok=True)
        if created:
            fsync_dir(self.directory.parent)
        with open(self.directory / APPEND_LOCK, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # released when the handle closes
            yield

    def append(self, ops: list[tuple[str, str, dict | None]]) -> list[Entry]:
        """Append (op, id, article) entries durably, in order; return them with their seqs."""
        if not ops:
            return []
        with self._append_lock():
            new_file = not self.path.exists()
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            with open(fd, "r+b", buffering=0) as handle:
                last = self._repair_tail(handle)
                at = _now()
                entries = [Entry(last + n, op, article_id, at, article)
                           for n, (op, article_id, article) in enumerate(ops, 1)]
                data = "".join(e.to_json() + "\n" for e in entries).encode("utf-8")
                self._write_at_end(handle, data)
            if new_file:
                fsync_dir(self.directory)
        return entries

    def _write_at_end(self, handle, data: bytes) -> None:
        """Append `data` durably, or leave the file as it was and raise (DiskFull when full).

        The space is reserved first (posix_fallocate), so a full disk or a file-size
        limit fails before a single byte is written; until the write lands the reserved
        tail is zeros, and a reader takes no line holding a NUL for an entry (see _refresh).
        """
        fd, end = handle.fileno(), handle.seek(0, os.SEEK_END)
        try:
            try:
                os.posix_fallocate(fd, end, len(data))
            except OSError as exc:
                if is_disk_full(exc):
                    raise
                # this file system cannot reserve space: the write below still says if it fits
            view = memoryview(data)
            while view:
                view = view[os.pwrite(fd, view, end + len(data) - len(view)):]
            os.fsync(fd)
        except OSError as exc:
            os.ftruncate(fd, end)
            if is_disk_full(exc):
                raise DiskFull("The disk is full (or a file-size limit was hit): the write "
                               "was not journaled, so nothing was accepted. Try again when "
                               "there is space.") from exc
            raise

    def _repair_tail(self, handle) -> int:
        """Cut off a torn last line (never acknowledged); return the last complete seq."""
        size = handle.seek(0, os.SEEK_END)
        if size == 0:
            return 0
        end = size
        handle.seek(size - 1)
        if handle.read(1) != b"\n":
            end = self._last_newline(handle, size) + 1
            handle.truncate(end)
            os.fsync(handle.fileno())
        if end == 0:
            return 0
        start = self._last_newline(handle, end - 1) + 1
        handle.seek(start)
        match = _SEQ.match(handle.read(64))
        if match is None:
            raise ValueError(f"{self.path} is damaged: its last line has no seq")
        return int(match.group(1))

    @staticmethod
    def _last_newline(handle, before: int) -> int:
        """Offset of the last newline before `before`, or -1."""
        position = before
        while position > 0:
            start = max(0, position - _TAIL_CHUNK)
            handle.seek(start)
            found = handle.read(position - start).rfind(b"\n")
            if found >= 0:
                return start + found
            position = start
        return -1

    # -- reading -----------------------------------------------------------

    def _refresh(self) -> None:
        """Index the offsets of complete lines appended since the last look."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            self._seqs, self._offsets, self._scanned, self._identity = [], [], 0, None
            return
        identity = (stat.st_dev, stat.st_ino)
        if identity != self._identity or stat.st_size < self._scanned:
            self._seqs, self._offsets, self._scanned = [], [], 0  # replaced: start again
            self._identity = identity
        if stat.st_size == self._scanned:
            return
        with open(self.path, "rb") as handle:
            handle.seek(self._scanned)
            offset = self._scanned
            for line in handle:
                # An append reserves its bytes (zeros) before writing them, and one read can
                # meet the zeros where a later read meets the bytes written over them: a line
                # holding a NUL is an append in progress, like one without its newline.
                if not line.endswith(b"\n") or b"\0" in line:
                    break  # an append in progress (or torn): not an entry yet
                match = _SEQ.match(line)
                if match is None:
                    raise ValueError(f"{self.path} is damaged at byte {offset}: no seq")
                self._seqs.append(int(match.group(1)))
                self._offsets.append(offset)
                offset += len(line)
                self._scanned = offset  # line by line: an error above leaves no half state

    def last_seq(self) -> int:
        with self._lock:
            self._refresh()
            return self._seqs[-1] if self._seqs else 0

    def entries(self, after: int = 0) -> Iterator[Entry]:
        """Every complete entry with a seq above `after`, in order (read lazily)."""
        with self._lock:
            self._refresh()
            first = bisect.bisect_right(self._seqs, after)
            if first == len(self._seqs):
                return iter(())
            start, stop = self._offsets[first], self._scanned
        return self._read(start, stop)

    def _read(self, start: int, stop: int) -> Iterator[Entry]:
        with open(self.path, "rb") as handle:
            handle.seek(start)
            while handle.tell() < stop:
                data = json.loads(handle.readline())
                yield Entry(data["seq"], data["op"], data["id"], data.get("at", ""),
                            data.get("article"))
