"""Whoosh's segment writer with its two slowest steps done faster, writing the same files.

Profiling a rebuild (python -m cProfile scripts/reindex.py ...) shows two
avoidable costs inside Whoosh 2.7's SegmentWriter:

- Analysis: each text field runs the analyzer as a chain of generators over
  one mutable Token, then counts positions in dicts. index/analysis_replay.py replays
  our analyzers' chains in one loop with a memo of written forms (the same
  tokens, checked by tests); the positions are encoded by the field's own
  format, so postings are byte for byte what `field.index` gives.
- Commit: for every posting, the codec asks the per-document reader for the
  document's field length, and for fields without lengths (ids, dates, keywords)
  that lookup is a filesystem stat each time, because a missing column is never
  remembered. Here each field's lengths are read once into a list.

Everything else (the posting pool, block encoding, the TOC, merging) is
Whoosh's own, so the index is a standard one: tests/test_writer.py opens it
with plain Whoosh and compares it with one written by Whoosh's writer. Around
the TOC write, each commit records the sizes and checksums of its files
(index/integrity.py), so damage to them can be told apart from a bug.
"""
from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from whoosh import formats
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

from index import integrity, store
from index.analysis_replay import fast_tokens

_LENGTH_OF_BYTE = [None] + [byte_to_length(b) for b in range(1, 256)]  # 0: Whoosh's None
log = logging.getLogger("morgue.integrity")


class _Lengths:
    """The per-document reader's field lengths, each field's read once."""

    def __init__(self, reader) -> None:
        self.reader = reader
        self.fields: dict[str, list | None] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default=0):
        lengths = self.fields.get(fieldname, False)
        if lengths is False:
            column = self.reader._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            lengths = None if column is None else [_LENGTH_OF_BYTE[b] for b in column]
            self.fields[fieldname] = lengths
        if lengths is None:
            return default
        return lengths[docnum]


def _positions(field, value: str) -> list | None:
    """`field.index(value)` for a text field with positions, from the replayed analyzer."""
    tokens = fast_tokens(field.analyzer, value, 0)
    if tokens is None:
        return None
    poses: dict[str, list[int]] = {}
    for pos, text, _start, _end in tokens:
        poses.setdefault(text, []).append(pos)
    boost = field.format.field_boost
    encode = field.format.encode
    return [(text.encode("utf-8"), len(plist), float(len(plist)) * boost, encode(plist))
            for text, plist in poses.items()]


class FastSegmentWriter(SegmentWriter):
    def add_document(self, **fields) -> None:
        schema = self.schema
        if any(name.startswith("_") for name in fields) or any(
                schema[name].separate_spelling() or schema[name].vector
                for name in fields if name in schema):
            return super().add_document(**fields)  # boosts, spelling, vectors: Whoosh's way
        self._check_state()
        names = sorted(fields)
        self._check_fields(schema, names)
        perdoc, add_post, docnum = self.perdocwriter, self.pool.add, self.docnum
        perdoc.start_doc(docnum)
        try:
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                field = schema[name]
                length = 0
                if field.indexed:
                    items = None
                    if type(field.format) is formats.Positions and isinstance(value, str):
                        items = _positions(field, value)
                    if items is None:
                        items = field.index(value)
                    scorable = field.scorable
                    for tbytes, freq, weight, vbytes in items:
                        if scorable:
                            length += freq
                        add_post((name, tbytes, docnum, weight, vbytes))
                perdoc.add_field(name, field, value if field.stored else None, length)
                if field.column_type:
                    perdoc.add_column_value(name, field.column_type,
                                            field.to_column_value(value))
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        reader = self.per_document_reader() if self.codec.length_stats else None
        lengths = _Lengths(reader) if reader is not None else None
        self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
        self.fieldwriter.close()
        if reader is not None:
            reader.close()

    def _commit_toc(self, segments) -> None:
        """Whoosh's TOC write, with the commit's integrity record written around it."""
        if not isinstance(self.storage, FileStorage):  # an in-memory index: nothing to check
            return super()._commit_toc(segments)
        folder = Path(self.storage.folder)
        record = integrity.record_segments(folder, self.generation,
                                           [segment.segment_id() for segment in segments])
        TOC(self.schema, segments, self.generation).write(self.storage, self.indexname)
        retire_unused_files(self.storage, self.indexname, self.generation, segments)
        try:
            integrity.record_toc(folder, record)
        except OSError as exc:  # the commit stands; a check then reads its TOC instead
            log.warning("could not record the checksum of %s: %s",
                        folder / integrity.toc_name(self.generation), exc)



RETIRED = "RETIRED.json"  # segment name -> when a commit stopped using it (time.time())
RETIRED_GRACE_SECONDS = 600.0  # longer than any request or export holds a searcher


def retire_unused_files(storage: FileStorage, indexname: str, generation: int,
                        segments) -> None:
    """Whoosh's clean_files, with a grace period for segments a merge has just replaced.

    Whoosh opens a segment's column and stored-field files only when first read, so a
    searcher opened before a merging commit still needs the merged-away files; deleting
    them at once (as Whoosh does) gave such searchers 500s and silently default columns.
    They are deleted by a later commit, RETIRED_GRACE_SECONDS after they fell out of use.
    """
    folder = Path(storage.folder)
    current = {segment.segment_id() for segment in segments}
    try:
        retired = json.loads((folder / RETIRED).read_text("utf-8"))
    except (OSError, ValueError):
        retired = {}
    now, unused, old_tocs = time.time(), {}, []
    toc_pattern, segment_pattern = TOC._pattern(indexname), TOC._segment_pattern(indexname)
    for filename in storage.list():
        toc = toc_pattern.match(filename)
        segment = segment_pattern.match(filename)
        if toc and int(toc.group(1)) != generation:
            old_tocs.append(filename)
        elif segment and segment.group(1) not in current:
            unused.setdefault(segment.group(1), []).append(filename)
    retired = {name: retired.get(name, now) for name in unused}
    expired = [name for name, since in retired.items() if now - since >= RETIRED_GRACE_SECONDS]
    for filename in old_tocs + [f for name in expired for f in unused[name]]:
        try:
            storage.delete_file(filename)
        except OSError:
            pass  # gone already, or still open elsewhere: a later commit tries again
    for name in expired:
        del retired[name]
    store.write_json_atomically(folder / RETIRED, retired)  # a torn file would forget them

def writer(ix, **kwargs) -> SegmentWriter:
    """A writer on `ix` (as `ix.writer(**kwargs)` gives), with the faster steps.

    Segments are written as separate files, not Whoosh's default compound file:
    Whoosh 2.7 reads a file inside a compound one by copying it into a BytesIO,
    so every searcher (one per request thread) held its own copy of the whole
    postings and terms (about 100 MB per searcher for the 21,578-article sample).
    """
    kwargs.setdefault("compound", False)
    return FastSegmentWriter(ix, **kwargs)
