"""What the fault trials share: corpora, the reindex command, snapshots, the disk seen from outside.

The trials (bench/faults_kill.py, bench/faults_disk.py, bench/faults_damage.py)
run scripts/reindex.py and scripts/serve.py as child processes exactly as a
user does, break something, and then ask the index what it holds. A
`Snapshot` is that answer: every article id and, for a fixed set of queries,
every matching article (through the search path, syndicated copies included).
The index is intact after a fault when every file passes the full integrity
check (index/integrity.py) and its snapshot equals one of the states it may
legitimately be in: before the interrupted run, or after it. Rankings are not
compared: an --incremental run commits its articles, then rewrites those whose
people resolve to a full name (index/resolution.py), so a kill in between
leaves every article in place and found, but scored against other field
statistics until the next run completes the pass.

`DiskState` is what an observer sees of an index directory while a reindex
runs (CURRENT, each generation's files, the manifests); the kill trial watches
it change to time its kills and to tell afterwards how far a killed run got.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from index import integrity, schema, store
from index.columns import column
from index.errors import IndexUnavailable
from search import Archive, parse_request, run_search
from search.streaming import iter_results

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Corpus:
    base: tuple[str, ...]  # what every full rebuild reads
    extra: tuple[str, ...]  # what an --incremental run adds
    queries: tuple[str, ...]
    # --workers for the runs that are not killed (set-up, the next reindex): a few
    # articles are extracted sooner in one process than by starting a pool
    calm_workers: tuple[str, ...] = ()


# About 1,000 Reuters stories (a rebuild takes some 10-20 s here) and 1,000 more to add.
REUTERS = Corpus(("sample-corpus/reuters21578/reut2-000.sgm.gz",),
                 ("sample-corpus/reuters21578/reut2-001.sgm.gz",),
                 ("oil", "wheat", "coffee", "gold", "dollar", "bank rate", "tonnes"))
# The tests' hand-written articles (a rebuild takes about 2 s), for CI.
TINY = Corpus(("tests/data/articles.jsonl", "tests/data/more.jsonl",
               "sample-corpus/articles/north-korea-russia-alaska-summit.txt"),
              ("tests/data/browser.jsonl",),
              ("cocoa", "coffee", "Brazil", "summit", "quagga"), ("--workers", "1"))


def reindex_command(index_dir: Path, sources: tuple[str, ...], *options: str) -> list[str]:
    return [sys.executable, "scripts/reindex.py", *sources, "--index-dir", str(index_dir),
            *options]


def reindex(index_dir: Path, sources: tuple[str, ...], *options: str,
            **kwargs) -> subprocess.CompletedProcess:
    """Run scripts/reindex.py to the end, as a user would."""
    return subprocess.run(reindex_command(index_dir, sources, *options), cwd=ROOT,
                          capture_output=True, text=True, timeout=900, **kwargs)


# -- what the index holds -----------------------------------------------------------------

@dataclass(frozen=True)
class Snapshot:
    build_id: str
    ids: frozenset[str]
    answers: tuple[tuple[str, int, frozenset[str]], ...]  # (query, total, every id found)

    def same_content(self, other: "Snapshot") -> bool:
        return self.ids == other.ids and self.answers == other.answers


def snapshot(index_dir: Path, queries: tuple[str, ...]) -> Snapshot:
    """Every id in the live index, and every article each query finds (the search path)."""
    archive = Archive(index_dir)
    try:
        with archive.searcher() as searcher:
            reader = searcher.reader()
            ids = column(reader, schema.ID)
            held = frozenset(ids[doc] for doc in reader.all_doc_ids())
        answers = []
        for q in queries:
            request = parse_request({"q": [q], "collapse": ["none"], "format": ["jsonl"]})
            found = frozenset(row["id"] for row in iter_results(archive, request))
            answers.append((q, run_search(archive, request)["total"], found))
        return Snapshot(archive.generation.name, held, tuple(answers))
    finally:
        archive.close()


def intact(index_dir: Path, allowed: list[Snapshot],
           queries: tuple[str, ...]) -> tuple[list[str], int, Snapshot | None]:
    """(problems, articles lost, snapshot): is the live index one of the `allowed` states?"""
    try:
        generation = store.live_generation(index_dir)
    except IndexUnavailable as exc:
        return [f"the live index does not open: {exc.message}"], len(allowed[0].ids), None
    problems = []
    verdict = integrity.check(generation.path, full=True)
    if not verdict.ok:
        problems.append(f"integrity: {verdict.damage}")
    try:
        now = snapshot(index_dir, queries)
    except Exception as exc:  # whatever it is, the index did not answer
        return problems + [f"searching failed: {type(exc).__name__}: {exc}"], \
            len(allowed[0].ids), None
    if any(now.same_content(state) for state in allowed):
        return problems, 0, now
    lost = min(len(state.ids - now.ids) for state in allowed)
    problems.append(f"{len(now.ids):,} articles, {lost:,} missing; the answers match no "
                    "state it may be in")
    return problems, lost, now


def generations(index_dir: Path) -> list[str]:
    root = index_dir / store.GENERATIONS
    return sorted(path.name for path in root.iterdir()) if root.is_dir() else []


def leftovers(index_dir: Path) -> list[str]:
    """What generations/ holds besides the live generation and the one before it (0 or 1)."""
    names = generations(index_dir)
    live = store.live_name(index_dir)
    others = [name for name in names if name != live]
    return others[:-1] if len(others) > 1 else []  # the newest other one is the previous


# -- the index directory seen from outside --------------------------------------------------

_SEGMENT = re.compile(r"^MAIN_[0-9a-z]+\.(trm|pst)$")
_COLUMN = re.compile(r"^MAIN_[0-9a-z]+\..*col$")
_TOC = re.compile(r"^_MAIN_(\d+)\.toc$")


@dataclass(frozen=True)
class DiskState:
    current: str | None
    switching: int | None  # mtime (ns) of CURRENT's replacement while it is being written
    files: dict[str, frozenset[str]]  # generation -> its file names
    manifests: dict[str, int]  # generation -> MANIFEST.json's mtime (ns)


def look(index_dir: Path) -> DiskState:
    files, manifests = {}, {}
    for name in generations(index_dir) if (index_dir / store.GENERATIONS).is_dir() else []:
        try:
            files[name] = frozenset(os.listdir(index_dir / store.GENERATIONS / name))
            manifests[name] = (index_dir / store.GENERATIONS / name /
                               store.MANIFEST).stat().st_mtime_ns
        except OSError:  # going or coming while we look
            continue
    try:
        switching = (index_dir / (store.CURRENT + ".tmp")).stat().st_mtime_ns
    except OSError:
        switching = None
    return DiskState(store.live_name(index_dir), switching, files, manifests)


def added(before: DiskState, now: DiskState) -> set[str]:
    """Files that appeared since `before`, in any generation."""
    return {name for generation, names in now.files.items()
            for name in names - before.files.get(generation, frozenset())}


SIGNS = ("segment", "column", "toc", "manifest", "switching", "switch", "pruned")  # in order


def reached(sign: str, before: DiskState, now: DiskState) -> bool:
    """Whether a reindex has got to `sign` or past it (a poll may miss a short step)."""
    return bool(signs(before, now) & set(SIGNS[SIGNS.index(sign):]))


def signs(before: DiskState, now: DiskState) -> set[str]:
    """How far a reindex has got: which of the steps below have left a trace on disk."""
    new = added(before, now)
    seen = set()
    if any(_SEGMENT.match(name) for name in new):
        seen.add("segment")  # a writer opened: records are being parsed and written
    if any(_COLUMN.match(name) for name in new):
        seen.add("column")  # a commit is writing its segment's columns
    if any((m := _TOC.match(name)) and int(m.group(1)) > 0 for name in new):
        seen.add("toc")  # a commit is visible
    if store.MANIFEST in new or any(now.manifests.get(g) != t for g, t in before.manifests.items()
                                    if g in now.manifests):
        seen.add("manifest")  # the build is finished
    if now.switching is not None and now.switching != before.switching:
        seen.add("switching")  # CURRENT is being replaced (write, fsync, rename)
    if now.current != before.current:
        seen.add("switch")
    if set(before.files) - set(now.files) and "switch" in seen:
        seen.add("pruned")
    return seen


# Where a killed reindex was, in order. A rebuild: reading (starting, reading the live
# index's hashes), writing (parsing and writing postings), commit (its segment's columns,
# postings and TOC being written), committed (between commits: the second pass that
# resolves people, the journal's replay), built (manifest written, CURRENT not yet
# switched), switched (CURRENT switched, old generations not yet pruned), pruned. An
# --incremental run ends at "built" (its manifest is its last write).
PHASES = ("reading", "writing", "commit", "committed", "built", "switched", "pruned")
_LAST_SIGN_FIRST = (("pruned", "pruned"), ("switch", "switched"), ("manifest", "built"),
                    ("toc", "committed"), ("column", "commit"), ("segment", "writing"))


def phase(before: DiskState, after: DiskState) -> str:
    """Where a killed reindex was, from what it left on disk (one of PHASES)."""
    seen = signs(before, after)
    return next((name for sign, name in _LAST_SIGN_FIRST if sign in seen), "reading")


# -- processes ------------------------------------------------------------------------------

def group_members(pgid: int) -> list[int]:
    """Processes of a process group still running (zombies have exited: not counted)."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(entry))
    return members


def survivors(pgid: int, grace: float = 2.0) -> int:
    """How many processes of a killed reindex's group outlive it by `grace` seconds.

    The trial starts each reindex in a session of its own, so the group is its own;
    any survivor is killed afterwards so that trials never pile up.
    """
    deadline = time.monotonic() + grace
    members = group_members(pgid)
    while members and time.monotonic() < deadline:
        time.sleep(0.02)
        members = group_members(pgid)
    if members:
        os.killpg(pgid, signal.SIGKILL)
    return len(members)
