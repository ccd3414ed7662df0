"""Integrity of an index generation: what each commit wrote, and whether it is still there.

Whoosh keeps no checksums: a truncated or overwritten segment file shows only when a
query happens to read the broken part, as a struct.error, an EOFError or a wrong answer.
So every commit Morgue makes (through index/segment_writer.py, the one writer it uses)
records beside it the size and CRC-32 of every file the commit consists of: Whoosh's
table of contents `_MAIN_<n>.toc` and each file of each segment that TOC lists. The
record of TOC generation n is `INTEGRITY.<n>.json` in the generation's directory.

Why a writer killed half way never makes a healthy index look damaged: the record is
written in two steps around the moment Whoosh makes a commit visible (the rename of its
TOC into place).

1. Once the segment files are written and before the TOC exists, the record lists every
   segment file with its size and checksum, and `"toc": null`. The files are fsynced as
   they are summed, so a power cut never leaves a TOC naming data still in memory.
2. Once the TOC is in place, the record gains the TOC's own size and checksum, and the
   records of older commits go.

Killed before the rename, the live commit is still n-1, whose record is complete (it is
deleted only in step 2 of commit n). Killed between the rename and step 2, the TOC is
checked by reading it whole (Whoosh unpickles it) and comparing the segments it lists
with the record's. Segment files never change once written (Whoosh keeps deletions in
the TOC), so a commit copies the sums of the segments it keeps from the previous record
rather than reading them again. A commit with no record (an index written before records
existed) gets the structural check only, and the verdict says so.

Two depths. `check(folder)` only stats the files (one to two milliseconds for the 55
files of 1,000 Reuters stories): a server runs it whenever it opens a new state and at
most about once a second. `check(folder, full=True)` also reads every file and compares
checksums (some 30 ms for those 9.5 MB): a server runs it once in the background as it
starts, and `python scripts/reindex.py --check` on demand.
"""
from __future__ import annotations

import json
import logging
import os
import re
import shlex
import zlib
from dataclasses import dataclass
from pathlib import Path

from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC

from index import store
from index.errors import IndexUnavailable

INDEX_NAME = "MAIN"  # Whoosh's default: _MAIN_<n>.toc and MAIN_<segment id>.<ext>
RECORD = "INTEGRITY.{}.json"
FORMAT = 1
CHUNK = 1 << 20
REQUIRED = (".trm", ".pst")  # every segment Whoosh 2.7 writes has its terms and postings
ATTEMPTS = 3  # a commit landing during a check deletes files; the check then looks again
_TOC = re.compile(rf"^_{INDEX_NAME}_(\d+)\.toc$")
_RECORD = re.compile(r"^INTEGRITY\.(\d+)\.json$")
log = logging.getLogger("morgue.integrity")


@dataclass(frozen=True)
class Damage:
    """One file of the live commit that is not as it was written."""

    file: str  # its name inside the generation's directory
    problem: str  # "is missing", "is truncated: ...", ...

    def __str__(self) -> str:
        return f"{self.file} {self.problem}"


@dataclass(frozen=True)
class Verdict:
    toc_generation: int  # Whoosh's commit number (-1: none)
    files: int
    bytes: int
    recorded: bool  # False: no record for this commit, so only its structure was checked
    full: bool  # checksums compared (or, unrecorded, every file read)
    damage: Damage | None = None

    @property
    def ok(self) -> bool:
        return self.damage is None

    def summary(self) -> str:
        if self.damage is not None:
            return f"damaged: {self.damage}"
        what = (("checksums match" if self.full else "sizes match") if self.recorded else
                "no checksums recorded for this commit (written before Morgue kept them): "
                "its structure was checked")
        return (f"ok: commit {self.toc_generation}, {self.files:,} files, "
                f"{self.bytes / 1e6:,.1f} MB; {what}")


def toc_name(generation: int) -> str:
    return f"_{INDEX_NAME}_{generation}.toc"


def latest_toc(folder: Path) -> int:
    """The newest TOC generation in `folder`, the commit Whoosh opens; -1 when there is none."""
    return _latest(os.listdir(folder))


def _latest(names: list[str]) -> int:
    return max((int(m.group(1)) for m in map(_TOC.match, names) if m), default=-1)


def _sum(path: Path, sync: bool = False) -> tuple[int, int]:
    """(size, CRC-32) of a file, read in chunks; with `sync`, made durable first."""
    size, crc = 0, 0
    with open(path, "rb") as handle:
        if sync:
            os.fsync(handle.fileno())
        while chunk := handle.read(CHUNK):
            size, crc = size + len(chunk), zlib.crc32(chunk, crc)
    return size, crc


def _segment_files(names: list[str], segment_id: str) -> list[str]:
    prefix = segment_id + "."
    return sorted(name for name in names if name.startswith(prefix))


def read_record(folder: Path, generation: int) -> dict | None:
    """The record of a commit, or None when it has none (or an unreadable one)."""
    try:
        record = json.loads((folder / RECORD.format(generation)).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if (not isinstance(record, dict) or record.get("format") != FORMAT
            or record.get("toc_generation") != generation
            or not isinstance(record.get("segments"), dict)
            or not all(isinstance(files, dict) and all(_sums(v) for v in files.values())
                       for files in record["segments"].values())
            or not (record.get("toc") is None or _sums(record["toc"]))):
        return None  # not a record this module wrote: the commit counts as unrecorded
    return record


def _sums(value: object) -> bool:
    return (isinstance(value, list) and len(value) == 2
            and all(isinstance(n, int) for n in value))


# -- recording (the writer calls these around Whoosh's TOC write) -----------------------

def record_segments(folder: Path, generation: int, segment_ids: list[str]) -> dict:
    """Step 1, before TOC `generation` exists: sum and fsync every file of its segments."""
    names = os.listdir(folder)
    known: dict[str, list[int]] = {}
    previous = read_record(folder, generation - 1)
    for files in (previous or {}).get("segments", {}).values():
        known.update(files)
    segments = {}
    for segment_id in segment_ids:
        files = {}
        for name in _segment_files(names, segment_id):
            old = known.get(name)
            if old is not None and os.stat(folder / name).st_size == old[0]:
                files[name] = old  # written by an earlier commit, and never changed since
            else:
                files[name] = list(_sum(folder / name, sync=True))
        segments[segment_id] = files
    record = {"format": FORMAT, "toc_generation": generation, "segments": segments,
              "toc": None}
    store.write_json_atomically(folder / RECORD.format(generation), _compact(record))
    return record


def record_toc(folder: Path, record: dict) -> None:
    """Step 2, the TOC in place: add its size and checksum, and drop older commits' records."""
    generation = record["toc_generation"]
    record = {**record, "toc": list(_sum(folder / toc_name(generation), sync=True))}
    store.write_json_atomically(folder / RECORD.format(generation), _compact(record))  # + dir
    for name in os.listdir(folder):
        match = _RECORD.match(name)
        if match and int(match.group(1)) != generation:
            (folder / name).unlink(missing_ok=True)


def _compact(record: dict) -> str:
    return json.dumps(record, sort_keys=True, separators=(",", ":"))


def discard_uncommitted(folder: Path, generation: int) -> None:
    """Drop the step-1 record of a commit that failed before its TOC was written."""
    if not (folder / toc_name(generation)).exists():
        (folder / RECORD.format(generation)).unlink(missing_ok=True)


# -- checking ------------------------------------------------------------------------------

def check(folder: Path, *, full: bool = False) -> Verdict:
    """Check the commit Whoosh would open in `folder` (see the module's docstring)."""
    verdict = None
    for _ in range(ATTEMPTS):
        try:
            names = os.listdir(folder)
        except OSError as exc:
            return Verdict(-1, 0, 0, False, full,
                           Damage("(the generation's directory)", f"cannot be read ({exc})"))
        generation = _latest(names)
        verdict = _check_commit(folder, names, generation, full)
        if verdict.ok or latest_toc(folder) == generation:
            return verdict
    return verdict


def _check_commit(folder: Path, names: list[str], generation: int, full: bool) -> Verdict:
    if generation < 0:
        return Verdict(-1, 0, 0, False, full, Damage(
            f"_{INDEX_NAME}_<n>.toc", "is missing: the generation has no commit"))
    record = read_record(folder, generation)
    if record is None:
        return _check_structure(folder, names, generation, full)
    expected = {name: sums for files in record["segments"].values()
                for name, sums in files.items()}
    if record["toc"] is not None:
        expected[toc_name(generation)] = record["toc"]
    total = 0
    for name, (size, crc) in sorted(expected.items()):
        damage = _check_file(folder / name, size, crc, full)
        if damage is not None:
            return Verdict(generation, len(expected), total, True, full, damage)
        total += size
    damage = None
    if record["toc"] is None:  # killed between the TOC's rename and step 2: read the TOC
        segments, damage = _read_toc(folder, generation)
        if damage is None and segments != set(record["segments"]):
            damage = Damage(toc_name(generation), "lists other segments than its commit wrote")
    return Verdict(generation, len(expected), total, True, full, damage)


def _check_file(path: Path, size: int, crc: int, full: bool) -> Damage | None:
    try:
        actual = path.stat().st_size
    except FileNotFoundError:
        return Damage(path.name, "is missing")
    except OSError as exc:
        return Damage(path.name, f"cannot be read ({exc.strerror or exc})")
    if actual < size:
        return Damage(path.name, f"is truncated: {actual:,} bytes of the {size:,} written")
    if actual != size:
        return Damage(path.name, f"has changed size: {actual:,} bytes, {size:,} were written")
    if full:
        try:
            actual_crc = _sum(path)[1]
        except OSError as exc:
            return Damage(path.name, f"cannot be read ({exc.strerror or exc})")
        if actual_crc != crc:
            return Damage(path.name, "does not match its checksum: its content changed "
                                     "after it was written")
    return None


def _read_toc(folder: Path, generation: int) -> tuple[set[str], Damage | None]:
    """The segment ids TOC `generation` lists, or the damage that stops Whoosh reading it."""
    try:
        toc = TOC.read(FileStorage(str(folder), readonly=True), INDEX_NAME, generation)
    except Exception as exc:  # damaged bytes make unpickling raise nearly anything
        return set(), Damage(toc_name(generation),
                             f"cannot be read ({type(exc).__name__}: {exc})"[:300])
    return {segment.segment_id() for segment in toc.segments}, None


def _check_structure(folder: Path, names: list[str], generation: int, full: bool) -> Verdict:
    """No record: the TOC reads, each segment has its terms and postings (and, full, reads)."""
    segments, damage = _read_toc(folder, generation)
    files = [toc_name(generation)] + [name for segment_id in sorted(segments)
                                      for name in _segment_files(names, segment_id)]
    for segment_id in sorted(segments):
        for extension in REQUIRED:
            if damage is None and segment_id + extension not in names:
                damage = Damage(segment_id + extension, "is missing")
    total = 0
    for name in files:
        if damage is not None:
            break
        try:
            total += _sum(folder / name)[0] if full else (folder / name).stat().st_size
        except OSError as exc:
            damage = Damage(name, f"cannot be read ({exc.strerror or exc})")
    return Verdict(generation, len(files), total, False, full, damage)


def unavailable(index_dir: Path, generation: store.Generation,
                damage: Damage) -> IndexUnavailable:
    """The error a damaged live generation answers with: what is wrong, and how to rebuild."""
    sources = " ".join(shlex.quote(s) for s in generation.manifest.get("sources") or [])
    command = (f"python scripts/reindex.py {sources or 'SOURCE...'} "
               f"--index-dir {shlex.quote(str(index_dir))}")
    return IndexUnavailable(
        f"The index in {index_dir} is damaged: {store.GENERATIONS}/{generation.name}/"
        f"{damage}. Searches are refused until it is rebuilt.", state="damaged",
        hint=f"Rebuild it with a full reindex (no --incremental): {command}")
