"""Writing articles into the index: full rebuilds into a new generation, or in place.

A full rebuild never touches the live index: it fills a fresh generation, and
only when that has committed does CURRENT switch to it. If anything fails
before the switch, the new generation is deleted and the live one is exactly
as it was. Counts compare the result with the previous live generation, so a
rebuild of unchanged input reports everything as unchanged.

Articles written and deleted through the API live in the journal
(index/journal.py). Every generation records in its manifest the last journal
entry it includes: a rebuild replays the whole journal after the source files,
so the API's writes win over the files; an incremental run and the server's
applier (`apply_journal`) apply the entries the live generation lacks.

Faults. A write into a damaged live generation is refused (index/integrity.py
checks it first): only a full rebuild mends it. When the disk fills up (or a
file-size limit is hit), the writer's half-written files are deleted, the live
index keeps its last complete commit, and the error (DiskFull) says so.
"""
from __future__ import annotations

import dataclasses
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import FileIndex
from whoosh.writing import IndexWriter

from index import clusters, integrity, posted, resolution, schema, segment_writer, store
from index.article import Article, Problem, Record, Tally
from index.columns import column
from index.errors import DiskFull, IndexUnavailable, MorgueError, is_disk_full
from index.journal import DELETE, PUT, Entry, Journal, final_ops

WRITER_MEMORY_MB = 256
# In place, wait this long for Whoosh's write lock rather than fail with LockError at once
# (the live lock already keeps Morgue's own writers apart; this covers anything else).
WRITE_LOCK_WAIT = 60.0
# Journal entries one apply takes at most: under a stream of API writes the applied part
# grows every few seconds instead of once per whole backlog (minutes, in the writers trial).
APPLY_BATCH = 500
Progress = Callable[[int], None]


class NothingIndexed(MorgueError):
    """The run read no article at all, so the live index was left as it was."""


class StrictFailure(MorgueError):
    """--strict: a record had to be skipped, so the run stopped before changing anything."""


def _commit(writer: IndexWriter) -> None:
    """Commit, or release everything the writer holds if the commit fails part way.

    Whoosh 2.7 only releases its write lock at the very end of a successful
    commit: one that fails midway (disk full, a killed merge) keeps the lock
    held by this process and leaves its temporary files behind.
    """
    try:
        writer.commit()
    except BaseException:
        _abandon(writer)
        raise


def _abandon(writer: IndexWriter) -> None:
    if getattr(writer, "is_closed", True):
        return
    try:
        writer.cancel()
    except Exception:  # the writer is already broken; free what it holds by hand
        lock = getattr(writer, "writelock", None)
        if lock is not None:
            lock.release()
        temp = getattr(writer, "_tempstorage", None)
        if temp is not None:
            temp.destroy()
        writer.is_closed = True
    _remove_uncommitted(writer)


def _remove_uncommitted(writer: IndexWriter) -> None:
    """Delete the files of the segment a failed writer was writing, unless it was committed.

    Whoosh leaves them for its next successful commit to clear, but on a full disk
    they are what stops that commit from ever succeeding.
    """
    segment, folder = getattr(writer, "newsegment", None), getattr(writer.storage, "folder", "")
    if segment is None or not folder:
        return
    folder = Path(folder)
    toc = integrity.toc_name(writer.generation)
    if (folder / toc).exists():
        return  # the commit went through after all: its segment is live
    for name in segment.list_files(writer.storage):
        (folder / name).unlink(missing_ok=True)
    for leftover in folder.glob(toc + ".*"):  # Whoosh's temporary TOC, half written
        leftover.unlink(missing_ok=True)
    integrity.discard_uncommitted(folder, writer.generation)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def stored_hashes(generation: store.Generation,
                  clusterer: clusters.Clusterer | None = None) -> dict[str, str]:
    """id -> content hash of every live document, read from columns (no stored bodies loaded).

    With a clusterer, also feeds it every document's sketch and cluster, so new
    articles can join the clusters already in the index.
    """
    ix = store.open_generation(generation)
    with ix.reader() as reader:
        ids = column(reader, schema.ID)
        hashes = column(reader, schema.CONTENT_HASH)
        result = {ids[doc]: hashes[doc] for doc in reader.all_doc_ids()}
        if clusterer is not None:
            sketches = column(reader, schema.SKETCH)
            cluster_ids = column(reader, schema.CLUSTER)
            for doc in reader.all_doc_ids():
                clusterer.add(ids[doc], clusters.decode(sketches[doc]), cluster_ids[doc])
        return result


def _previous_hashes(index_dir: Path) -> tuple[str | None, dict[str, str], Problem | None]:
    """The live generation's name and id -> hash, which the counts compare with.

    A damaged live generation is what a rebuild is for: it is then read as empty
    (everything counts as indexed), with a note saying why.
    """
    try:
        generation = store.live_generation(index_dir)
    except IndexUnavailable:
        return None, {}, None
    damage = integrity.check(generation.path).damage
    if damage is None:
        try:
            return generation.name, stored_hashes(generation), None
        except Exception:  # damage that only reading shows, or a bug: the checksums decide
            damage = integrity.check(generation.path, full=True).damage
            if damage is None:
                raise
    return generation.name, {}, Problem(
        f"{store.GENERATIONS}/{generation.name}", f"the live index was damaged ({damage}); "
        "this rebuild replaces it, and counts every article as new", skipped=False)


def count_problem(tally: Tally, problem: Problem, strict: bool) -> None:
    """A record the pipeline could not take: counted, or with --strict, the end of the run."""
    tally.problems.append(problem)
    tally.skipped += problem.skipped
    if strict and problem.skipped:
        raise StrictFailure(f"--strict: {problem.origin}: {problem.reason}; nothing was changed")


def _write(open_writer: Callable[[], IndexWriter], records: Iterable[Record],
           previous: dict[str, str], tally: Tally, replace_existing: bool,
           progress: Progress | None, clusterer: clusters.Clusterer,
           strict: bool = False, deletes: Iterable[str] = ()) -> dict[str, str]:
    """Delete `deletes`, then write every article once; return id -> content hash written.

    Whoosh cannot delete a document added earlier in the same uncommitted
    writer, so a second record with an id already seen in this run is held
    back and written by a second writer after the first commits (the later
    record wins, as the contract says).
    """
    written: dict[str, str] = {}
    held_back: dict[str, Article] = {}
    indexed_at = _now()
    writer = open_writer()
    try:
        for article_id in deletes:
            writer.delete_by_term(schema.ID, article_id)
        for record in records:
            if isinstance(record, Problem):
                count_problem(tally, record, strict)
                continue
            if record.id in written:
                held_back[record.id] = record
                continue
            record = dataclasses.replace(record, cluster=clusterer.add(record.id, record.sketch))
            written[record.id] = record.content_hash
            tally.undated += record.published is None
            if previous.get(record.id) == record.content_hash and replace_existing:
                continue  # incremental: unchanged articles are left alone
            document = schema.to_document(record, indexed_at)
            (writer.update_document if replace_existing else writer.add_document)(**document)
            if progress and len(written) % 100 == 0:
                progress(len(written))
    except BaseException:
        _abandon(writer)
        raise
    _commit(writer)
    if held_back:
        writer = open_writer()
        try:
            for article in held_back.values():
                article = dataclasses.replace(article,
                                              cluster=clusterer.add(article.id, article.sketch))
                writer.update_document(**schema.to_document(article, indexed_at))
                written[article.id] = article.content_hash
        except BaseException:
            _abandon(writer)
            raise
        _commit(writer)
    if progress:
        progress(len(written))
    return written


def _count(tally: Tally, written: dict[str, str], previous: dict[str, str], full: bool) -> None:
    for article_id, content_hash in written.items():
        old = previous.get(article_id)
        if old is None:
            tally.indexed += 1
        elif old != content_hash:
            tally.updated += 1
        else:
            tally.unchanged += 1
    if full:
        tally.deleted = sum(1 for article_id in previous if article_id not in written)


def _journal_entries(journal: Journal, after: int, last: int,
                     touched: set[str]) -> Iterator[Entry]:
    """Entries after `after` up to `last`, and every earlier one about an id in `touched`."""
    for entry in journal.entries(0 if touched else after):
        if entry.seq > last:
            break
        if entry.seq > after or entry.id in touched:
            yield entry


def _replay(open_writer: Callable[[], IndexWriter], entries: Iterable[Entry],
            present: dict[str, str], tally: Tally,
            clusterer: clusters.Clusterer) -> tuple[dict[str, str], set[str]]:
    """Apply journal entries over `present` (id -> hash in the index): (written, deleted).

    Only each id's last entry counts (a put then a delete is a delete), so one
    writer applies them all without deleting a document it added itself.
    """
    final = final_ops(entries)
    deleted = {article_id for article_id, entry in final.items()
               if entry.op == DELETE and article_id in present}
    puts = [entry for entry in final.values() if entry.op == PUT]
    if not deleted and not puts:
        return {}, set()
    written = _write(open_writer, posted.records(puts), present, tally, replace_existing=True,
                     progress=None, clusterer=clusterer, deletes=sorted(deleted))
    return written, deleted


def rebuild(index_dir: Path, records: Iterable[Record], *, sources: list[str],
            progress: Progress | None = None, strict: bool = False
            ) -> tuple[Tally, store.Generation]:
    """Build a complete new generation from `records` and switch to it atomically."""
    started = time.time()
    with store.reindex_lock(index_dir):
        store.remove_unfinished(index_dir)  # a killed build's leftovers: room before writing
        previous_name, previous, note = _previous_hashes(index_dir)
        tally = Tally(problems=[note] if note else [])
        path = None
        try:
            path = store.new_generation(index_dir)
            ix = whoosh_index.open_dir(str(path))
            clusterer = clusters.Clusterer()
            open_writer = lambda: segment_writer.writer(ix, limitmb=WRITER_MEMORY_MB)  # noqa: E731
            written = _write(open_writer, records, previous, tally, replace_existing=False,
                             progress=progress, clusterer=clusterer, strict=strict)
            if not written:
                raise NothingIndexed("No article could be read from the sources; "
                                     "the live index was left unchanged.")
            journal = Journal(index_dir)
            journal_seq = journal.last_seq()
            changes, deleted = _replay(open_writer, _journal_entries(journal, 0, journal_seq,
                                                                     set()),
                                       written, tally, clusterer)
            written = {k: v for k, v in {**written, **changes}.items() if k not in deleted}
            _count(tally, written, previous, full=True)
            aliases = resolution.resolve_people(ix, _commit)
            store.write_manifest(path, {
                "person_aliases": len(aliases),
                "created": _now().strftime("%Y-%m-%dT%H:%M:%SZ"),
                "documents": ix.doc_count(), "sources": sources,
                store.JOURNAL_SEQ: journal_seq,
                "build_seconds": round(time.time() - started, 1)})
            store.switch_to(index_dir, path)
        except BaseException as exc:
            if path is not None and store.live_name(index_dir) != path.name:
                shutil.rmtree(path, ignore_errors=True)
            if is_disk_full(exc):
                raise DiskFull(
                    f"The disk is full (or a file-size limit was hit) while building a new "
                    f"index generation in {index_dir} ({exc}). The half-written generation "
                    "was removed and the live index was left unchanged; free some space and "
                    "run the reindex again.") from exc
            raise
        store.prune_generations(index_dir, keep={path.name} | ({previous_name} - {None}))
        return tally, store.read_generation(index_dir, path.name)


def roll_back(index_dir: Path) -> tuple[store.Generation, str | None]:
    """Make the previous generation live again, if it is intact: (it, the one it replaces).

    The way back from a damaged or unwanted build. The replaced generation stays
    beside it until the next rebuild prunes it. Journaled API writes the previous
    generation lacks are applied to it again (its manifest says how far it got);
    articles only the newer build read from files return with the next rebuild.
    """
    with store.reindex_lock(index_dir):
        previous = store.previous_generation(index_dir)
        if previous is None:
            raise MorgueError(f"There is no earlier generation in {index_dir} to go back to.",
                              hint=store.BUILD_HINT)
        damage = integrity.check(previous.path, full=True).damage
        if damage is not None:
            raise integrity.unavailable(index_dir, previous, damage)
        replaced = store.live_name(index_dir)
        store.switch_to(index_dir, previous.path)
        return previous, replaced


def update_in_place(index_dir: Path, records: Iterable[Record], *,
                    progress: Progress | None = None, strict: bool = False
                    ) -> tuple[Tally, store.Generation]:
    """Add new and changed articles to the live generation; leave unchanged ones alone.

    The journal's entries the generation lacks are applied too, and an API
    write or delete about an article read here still wins over the file.
    """
    with store.reindex_lock(index_dir):
        return _update_live(index_dir, records, progress=progress, strict=strict)


class LiveCache:
    """What the journal applier keeps between batches: the clusterer of the live bodies.

    Feeding a clusterer every sketch of a large archive takes seconds; a batch
    of API writes takes milliseconds. The cache is used only while the live
    generation is exactly as the last batch left it (same generation, same
    Whoosh commit), so a rebuild or an incremental run in between is noticed.
    """

    def __init__(self) -> None:
        self._key: tuple[str, int] | None = None
        self._clusterer: clusters.Clusterer | None = None

    def clusterer(self, generation: store.Generation, ix: FileIndex) -> clusters.Clusterer:
        if self._clusterer is None or self._key != (generation.name, ix.latest_generation()):
            self._clusterer = clusters.Clusterer()
            stored_hashes(generation, self._clusterer)
        return self._clusterer

    def remember(self, generation: store.Generation, ix: FileIndex) -> None:
        self._key = (generation.name, ix.latest_generation())


def _hashes_of(ix: FileIndex, article_ids: set[str]) -> dict[str, str]:
    """id -> content hash of just these ids, where the index holds them."""
    with ix.searcher() as searcher:
        hashes = column(searcher.reader(), schema.CONTENT_HASH)
        docs = {i: searcher.document_number(**{schema.ID: i}) for i in article_ids}
        return {i: hashes[doc] for i, doc in docs.items() if doc is not None}


def apply_journal(index_dir: Path, journal: Journal | None = None,
                  cache: LiveCache | None = None) -> tuple[Tally, store.Generation]:
    """Apply the journal entries the live generation lacks (the server's applier calls this).

    It takes turns with an incremental reindex (the live lock) but not with a
    full rebuild, which writes a generation of its own and replays the journal
    into it: entries that arrive meanwhile are applied to it once it is live.
    """
    return _update_live(index_dir, None, journal=journal, cache=cache)


def _update_live(index_dir: Path, records: Iterable[Record] | None, *,
                 progress: Progress | None = None, strict: bool = False,
                 journal: Journal | None = None,
                 cache: LiveCache | None = None) -> tuple[Tally, store.Generation]:
    """Write `records` (None: none) and the journal entries it lacks into the live generation."""
    with store.live_lock(index_dir):
        generation = store.live_generation(index_dir)
        journal = journal or Journal(index_dir)
        journal_seq = journal.last_seq()
        if records is None:  # the applier: a bounded batch, so a backlog lands bit by bit
            journal_seq = min(journal_seq, generation.journal_seq + APPLY_BATCH)
            if journal_seq <= generation.journal_seq:
                return Tally(), generation
        damage = integrity.check(generation.path).damage
        if damage is not None:
            raise integrity.unavailable(index_dir, generation, damage)
        ix = store.open_generation(generation)
        commit = ix.latest_generation()
        try:
            tally = _write_live(generation, ix, records, journal, journal_seq,
                                progress=progress, strict=strict, cache=cache)
        except OSError as exc:
            if not is_disk_full(exc):
                raise
            kept = ("the live index was left unchanged" if ix.latest_generation() == commit
                    else "the live index keeps what was committed before it, intact")
            raise DiskFull(f"The disk is full (or a file-size limit was hit) while writing "
                           f"into the live index in {index_dir} ({exc}); {kept}. "
                           "Free some space and run it again.") from exc
        return tally, store.read_generation(index_dir, generation.name)


def _write_live(generation: store.Generation, ix: FileIndex, records: Iterable[Record] | None,
                journal: Journal, journal_seq: int, *, progress: Progress | None,
                strict: bool, cache: LiveCache | None) -> Tally:
    """The body of `_update_live`, holding the live lock: write, replay, resolve, record."""
    tally = Tally()
    open_writer = lambda: segment_writer.writer(  # noqa: E731
        ix, limitmb=WRITER_MEMORY_MB, timeout=WRITE_LOCK_WAIT)
    if records is None:  # journal entries only: look up just the ids they name
        entries = list(_journal_entries(journal, generation.journal_seq, journal_seq, set()))
        previous = _hashes_of(ix, {entry.id for entry in entries})
        clusterer = (cache or LiveCache()).clusterer(generation, ix)
        written = {}
    else:
        clusterer = clusters.Clusterer()
        previous = stored_hashes(generation, clusterer)
        written = _write(open_writer, records, previous, tally, replace_existing=True,
                         progress=progress, clusterer=clusterer, strict=strict)
        entries = _journal_entries(journal, generation.journal_seq, journal_seq,
                                   set(written))
    changes, deleted = _replay(open_writer, entries, {**previous, **written}, tally,
                               clusterer)
    written = {k: v for k, v in {**written, **changes}.items() if k not in deleted}
    _count(tally, written, previous, full=False)
    tally.deleted += len(deleted & previous.keys())
    aliases = resolution.resolve_people(ix, _commit)
    store.write_manifest(generation.path, {**generation.manifest,
                                           "person_aliases": len(aliases),
                                           "documents": ix.doc_count(),
                                           store.JOURNAL_SEQ: journal_seq,
                                           "updated": _now().strftime("%Y-%m-%dT%H:%M:%SZ")})
    if cache is not None:
        cache.remember(generation, ix)
    return tally
