"""Writing articles into the index: full rebuilds into a new generation, or in place.

A full rebuild never touches the live index: it fills a fresh generation, and
only when that has committed does CURRENT switch to it. If anything fails
before the switch, the new generation is deleted and the live one is exactly
as it was. Counts compare the result with the previous live generation, so a
rebuild of unchanged input reports everything as unchanged.
"""
from __future__ import annotations

import dataclasses
import shutil
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.writing import IndexWriter

from index import clusters, resolution, schema, store
from index.article import Article, Problem, Record, Tally
from index.columns import column
from index.errors import IndexUnavailable, MorgueError

WRITER_MEMORY_MB = 256
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


def _previous_hashes(index_dir: Path) -> tuple[str | None, dict[str, str]]:
    try:
        generation = store.live_generation(index_dir)
    except IndexUnavailable:
        return None, {}
    return generation.name, stored_hashes(generation)


def _write(open_writer: Callable[[], IndexWriter], records: Iterable[Record],
           previous: dict[str, str], tally: Tally, replace_existing: bool,
           progress: Progress | None, clusterer: clusters.Clusterer,
           strict: bool = False) -> dict[str, str]:
    """Write every article once; return id -> content hash of what was written.

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
        for record in records:
            if isinstance(record, Problem):
                tally.problems.append(record)
                tally.skipped += record.skipped
                if strict and record.skipped:
                    raise StrictFailure(f"--strict: {record.origin}: {record.reason}; "
                                        "nothing was changed")
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


def rebuild(index_dir: Path, records: Iterable[Record], *, sources: list[str],
            progress: Progress | None = None, strict: bool = False
            ) -> tuple[Tally, store.Generation]:
    """Build a complete new generation from `records` and switch to it atomically."""
    started = time.time()
    with store.reindex_lock(index_dir):
        previous_name, previous = _previous_hashes(index_dir)
        path = store.new_generation(index_dir)
        tally = Tally()
        try:
            ix = whoosh_index.open_dir(str(path))
            written = _write(lambda: ix.writer(limitmb=WRITER_MEMORY_MB), records, previous,
                             tally, replace_existing=False, progress=progress,
                             clusterer=clusters.Clusterer(), strict=strict)
            if not written:
                raise NothingIndexed("No article could be read from the sources; "
                                     "the live index was left unchanged.")
            _count(tally, written, previous, full=True)
            aliases = resolution.resolve_people(ix, _commit)
            store.write_manifest(path, {
                "person_aliases": len(aliases),
                "created": _now().strftime("%Y-%m-%dT%H:%M:%SZ"),
                "documents": ix.doc_count(), "sources": sources,
                "build_seconds": round(time.time() - started, 1)})
            store.switch_to(index_dir, path)
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        store.prune_generations(index_dir, keep={path.name} | ({previous_name} - {None}))
        return tally, store.read_generation(index_dir, path.name)


def update_in_place(index_dir: Path, records: Iterable[Record], *,
                    progress: Progress | None = None, strict: bool = False
                    ) -> tuple[Tally, store.Generation]:
    """Add new and changed articles to the live generation; leave unchanged ones alone."""
    with store.reindex_lock(index_dir):
        generation = store.live_generation(index_dir)
        clusterer = clusters.Clusterer()
        previous = stored_hashes(generation, clusterer)
        ix = store.open_generation(generation)
        tally = Tally()
        written = _write(lambda: ix.writer(limitmb=WRITER_MEMORY_MB), records, previous,
                         tally, replace_existing=True, progress=progress, clusterer=clusterer,
                         strict=strict)
        _count(tally, written, previous, full=False)
        aliases = resolution.resolve_people(ix, _commit)
        store.write_manifest(generation.path, {**generation.manifest,
                                               "person_aliases": len(aliases),
                                               "documents": ix.doc_count(),
                                               "updated": _now().strftime("%Y-%m-%dT%H:%M:%SZ")})
        return tally, store.read_generation(index_dir, generation.name)
