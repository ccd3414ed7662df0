"""The index directory: generations, the pointer to the live one, and the build lock.

Layout (every reference relative, so the directory can be copied or moved whole):

    <index dir>/
      CURRENT                     name of the live generation, e.g. 20261128T015500Z-3f2a
      generations/<name>/         a complete Whoosh index plus MANIFEST.json
      reindex.lock                held (flock) while a reindex runs
      live.lock                   held (flock) while something writes into the live generation
      journal/                    articles written and deleted through the API (index/journal.py)

A full rebuild writes a new generation beside the live one and then replaces
CURRENT atomically (write, fsync, rename), so readers see either the old index
or the new one, never a mixture. The lock is an OS file lock, released when
its process dies, so a killed reindex never leaves a stale lock behind. What a
killed build leaves in generations/ goes at the next rebuild: an unfinished
generation (no manifest) as it starts, to make room, and the rest as it ends,
which keeps the live generation and the one before it. Each generation's files
carry their sizes and checksums (index/integrity.py).
"""
from __future__ import annotations

import fcntl
import json
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import FileIndex

from index.errors import IndexUnavailable, MorgueError
from index.schema import SCHEMA_VERSION, build_schema

CURRENT = "CURRENT"
GENERATIONS = "generations"
MANIFEST = "MANIFEST.json"
LOCK = "reindex.lock"
LIVE_LOCK = "live.lock"
JOURNAL_SEQ = "journal_seq"  # manifest key: the last journal entry the generation includes
BUILD_HINT = "Build it with: python scripts/reindex.py sample-corpus"


@dataclass(frozen=True)
class Generation:
    """One complete index under generations/, with what its manifest says about it."""

    path: Path
    manifest: dict

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def schema_version(self) -> int | None:
        return self.manifest.get("schema_version")

    @property
    def journal_seq(self) -> int:
        return int(self.manifest.get(JOURNAL_SEQ) or 0)


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in `path` survive a crash (the directory entry itself)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_json_atomically(path: Path, data: dict | str) -> None:
    """Replace `path` whole or not at all: a write that fails (a full disk) leaves no trace."""
    text = data if isinstance(data, str) else json.dumps(data, indent=2, sort_keys=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def live_name(index_dir: Path) -> str | None:
    """The live generation's name, or None when the directory holds no index yet."""
    try:
        name = (index_dir / CURRENT).read_text("utf-8").strip()
    except FileNotFoundError:
        return None
    return name or None


def read_generation(index_dir: Path, name: str) -> Generation:
    path = index_dir / GENERATIONS / name
    try:
        manifest = json.loads((path / MANIFEST).read_text("utf-8"))
    except FileNotFoundError:
        raise IndexUnavailable(f"The index in {index_dir} is damaged: generation {name!r} "
                               "named by CURRENT is missing.", state="damaged",
                               hint=BUILD_HINT) from None
    except (OSError, ValueError) as exc:
        raise IndexUnavailable(f"The index in {index_dir} is damaged: cannot read the "
                               f"manifest of generation {name!r} ({exc}).", state="damaged",
                               hint=BUILD_HINT) from None
    return Generation(path, manifest)


def live_generation(index_dir: Path) -> Generation:
    """The generation CURRENT points to; IndexUnavailable says what is wrong and how to fix it."""
    name = live_name(index_dir)
    if name is None:
        raise IndexUnavailable(f"No index has been built in {index_dir} yet.",
                               state="missing", hint=BUILD_HINT)
    generation = read_generation(index_dir, name)
    if generation.schema_version != SCHEMA_VERSION:
        raise IndexUnavailable(
            f"The index in {index_dir} was built with schema version "
            f"{generation.schema_version}; this version of Morgue needs {SCHEMA_VERSION}. "
            "Rebuild it (a full reindex, without --incremental).",
            state="damaged", hint=BUILD_HINT)
    return generation


def open_generation(generation: Generation) -> FileIndex:
    try:
        return whoosh_index.open_dir(str(generation.path))
    except Exception as exc:  # Whoosh raises several unrelated types for a broken directory
        raise IndexUnavailable(f"The index generation {generation.name} cannot be opened: {exc}",
                               state="damaged", hint=BUILD_HINT) from None


def new_generation(index_dir: Path) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = index_dir / GENERATIONS / f"{stamp}-{secrets.token_hex(3)}"
    path.mkdir(parents=True)
    try:
        whoosh_index.create_in(str(path), build_schema())
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise
    return path


def write_manifest(path: Path, manifest: dict) -> None:
    write_json_atomically(path / MANIFEST, {**manifest, "schema_version": SCHEMA_VERSION,
                                            "build_id": path.name})


def switch_to(index_dir: Path, generation_path: Path) -> None:
    """Make a finished generation the live one, atomically."""
    write_json_atomically(index_dir / CURRENT, generation_path.name + "\n")


def prune_generations(index_dir: Path, keep: set[str]) -> list[str]:
    """Delete every generation not named in `keep` (and never the live one); return what went.

    This also clears generations left behind by a build that crashed or was killed.
    """
    root = index_dir / GENERATIONS
    if not root.is_dir():
        return []
    keep = keep | {live_name(index_dir)}
    removed = []
    for path in sorted(root.iterdir()):
        if path.is_dir() and path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    return removed


def previous_generation(index_dir: Path) -> Generation | None:
    """The newest finished generation older than the live one (the one prune keeps), if any."""
    root, live = index_dir / GENERATIONS, live_name(index_dir)
    if not root.is_dir() or live is None:
        return None
    for path in sorted(root.iterdir(), reverse=True):  # names start with their UTC time
        if path.name < live and (path / MANIFEST).exists():
            try:
                generation = read_generation(index_dir, path.name)
            except IndexUnavailable:
                continue
            if generation.schema_version == SCHEMA_VERSION:
                return generation
    return None


def remove_unfinished(index_dir: Path) -> list[str]:
    """Delete the generations a killed build left without a manifest; return their names.

    Call it holding the reindex lock: then no build is writing one of them.
    """
    root = index_dir / GENERATIONS
    if not root.is_dir():
        return []
    live = live_name(index_dir)
    removed = []
    for path in sorted(root.iterdir()):
        if path.is_dir() and path.name != live and not (path / MANIFEST).exists():
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    return removed


@contextmanager
def reindex_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index directory's write lock, or fail at once if another reindex holds it."""
    index_dir.mkdir(parents=True, exist_ok=True)
    handle = open(index_dir / LOCK, "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise MorgueError(f"Another reindex is writing to {index_dir}; "
                              "wait for it to finish.") from None
        yield
    finally:
        handle.close()


@contextmanager
def live_lock(index_dir: Path) -> Iterator[None]:
    """Hold the lock for writing into the live generation in place, waiting for its holder.

    An incremental reindex and the server's journal applier both write into the
    live generation; taking turns here keeps them from meeting Whoosh's own
    lock (a LockError) or overwriting each other's manifest. A full rebuild
    writes a new generation and does not need it.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / LIVE_LOCK, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the handle closes
        yield


def is_up_to_date(index_dir: Path, files: list[Path], sources: list[str]) -> bool:
    """True when the live index was built from these sources after their last change."""
    try:
        generation = live_generation(index_dir)
    except IndexUnavailable:
        return False
    if generation.manifest.get("sources") != sources or not files:
        return False
    built = (generation.path / MANIFEST).stat().st_mtime
    return all(path.stat().st_mtime < built for path in files)
