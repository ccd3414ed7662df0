"""Read access to the live index, shared safely by every request of a process.

The index is opened lazily on first use, never at import time. Each thread
gets its own Whoosh searcher (a searcher's file reads are not safe to share
across threads); it is reused from request to request and replaced when a
commit lands in the live generation or a full rebuild switches CURRENT to a
new generation, so a running server follows reindexes without a restart.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh.index import FileIndex
from whoosh.searching import Searcher

from index import schema, store
from index.errors import IndexUnavailable
from search.ranking import weighting


class Archive:
    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        self._lock = threading.Lock()
        self._opened: tuple[store.Generation, FileIndex] | None = None
        self._local = threading.local()

    def _live(self) -> tuple[store.Generation, FileIndex]:
        """The live generation and its index, reopened when CURRENT has moved."""
        name = store.live_name(self.index_dir)
        opened = self._opened
        if opened is not None and opened[0].name == name:
            return opened
        with self._lock:
            if self._opened is None or self._opened[0].name != name:
                generation = store.live_generation(self.index_dir)
                self._opened = (generation, store.open_generation(generation))
            return self._opened

    @contextmanager
    def searcher(self) -> Iterator[Searcher]:
        """This thread's searcher on the live index, up to date with the last commit."""
        generation, ix = self._live()
        local = self._local
        current = getattr(local, "searcher", None)
        stale = current is not None and (local.generation != generation.name
                                         or not current.up_to_date())
        if stale:
            current.close()
        if current is None or stale:
            # Never Searcher.refresh(): Whoosh 2.7 reuses segment readers with their old
            # deletion sets, so documents replaced by an update would be found again.
            current = ix.searcher(weighting=weighting())
            local.generation = generation.name
        local.searcher = current
        yield current

    def existing_ids(self, ids: list[str]) -> set[str]:
        """Which of these ids the live index holds (as of its last commit)."""
        with self.searcher() as searcher:
            return {i for i in ids if searcher.document_number(**{schema.ID: i}) is not None}

    @property
    def generation(self) -> store.Generation:
        return self._live()[0]

    def health(self) -> dict:
        """What /api/v1/health reports: never raises for a missing or damaged index."""
        try:
            with self.searcher() as searcher:
                generation = self.generation
                documents = searcher.doc_count()
        except IndexUnavailable as exc:
            return {"status": exc.state, "documents": 0, "index": None,
                    "message": f"{exc.message} {exc.hint or ''}".strip()}
        return {"status": "ok", "documents": documents, "message": None,
                "index": {"build_id": generation.name,
                          "schema_version": generation.schema_version,
                          "created": generation.manifest.get("created"),
                          "documents": documents}}
