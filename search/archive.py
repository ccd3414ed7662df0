"""Read access to the live index, shared safely by every request of a process.

The index is opened lazily on first use, never at import time. Each thread
gets its own Whoosh searcher (a searcher's file reads are not safe to share
across threads); it is reused from request to request and replaced when a
commit lands in the live generation or a full rebuild switches CURRENT to a
new generation, so a running server follows reindexes without a restart.

A damaged live generation is refused, never half-served: its files are checked
against what their commit recorded (index/integrity.py), by size whenever a new
state is opened and at most about once a second otherwise, and by checksum once
in the background as a server starts. An error Whoosh raises while reading (a
struct.error from a truncated block, say) is checked the same way: if the
checksums show damage, the request is answered 503 like the rest; if not, the
error is a bug and goes on as it is. A rebuild that switches CURRENT clears it all.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from whoosh.index import FileIndex
from whoosh.searching import Searcher

from index import integrity, schema, store
from index.errors import IndexUnavailable, MorgueError
from search.ranking import weighting

CHECK_SECONDS = 1.0  # at most one quick (size) check per this long, per process
# After a full check passed, errors met reading the same state are bugs for this long: a
# bug that fails every request must not cost every request a read of the whole index.
SOUND_SECONDS = 60.0
log = logging.getLogger("morgue.integrity")


@dataclass(frozen=True)
class _Checked:
    generation: str
    commit: int  # Whoosh's TOC generation that was checked
    at: float  # time.monotonic()
    damage: integrity.Damage | None


class Archive:
    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        self._lock = threading.Lock()
        self._opened: tuple[store.Generation, FileIndex] | None = None
        self._local = threading.local()
        self._checked: _Checked | None = None  # the last quick check
        self._found: tuple[str, integrity.Damage] | None = None  # by a full check
        self._sound: dict[tuple[str, int], float] = {}  # state -> when a full check passed

    def _live(self) -> tuple[store.Generation, FileIndex]:
        """The live generation and its index, reopened when CURRENT has moved."""
        name = store.live_name(self.index_dir)
        opened = self._opened
        if opened is not None and opened[0].name == name:
            return opened
        with self._lock:
            if self._opened is None or self._opened[0].name != name:
                generation = store.live_generation(self.index_dir)
                self._refuse_damaged(generation, commit=None)  # before Whoosh reads a byte
                self._opened = (generation, store.open_generation(generation))
            return self._opened

    def _refuse_damaged(self, generation: store.Generation, commit: int | None) -> None:
        """Raise IndexUnavailable if the live generation is damaged.

        The quick check runs again when `commit` (a new state about to be opened;
        None: unknown) differs from the one last checked, and after CHECK_SECONDS.
        """
        checked = self._checked
        now = time.monotonic()
        if (checked is None or checked.generation != generation.name
                or now - checked.at >= CHECK_SECONDS
                or (commit is not None and commit != checked.commit)):
            verdict = integrity.check(generation.path)
            checked = self._checked = _Checked(generation.name, verdict.toc_generation, now,
                                               verdict.damage)
        found = self._found
        damage = checked.damage or (found[1] if found and found[0] == generation.name
                                    else None)
        if damage is not None:
            raise integrity.unavailable(self.index_dir, generation, damage)

    @contextmanager
    def searcher(self) -> Iterator[Searcher]:
        """This thread's searcher on the live index, up to date with the last commit."""
        generation, ix = self._live()
        local = self._local
        current = getattr(local, "searcher", None)
        if current is not None and (local.generation != generation.name
                                    or not current.up_to_date()):
            current.close()
            current = local.searcher = None
        self._refuse_damaged(generation, ix.latest_generation() if current is None else None)
        reading, local.reading = getattr(local, "reading", None), generation
        try:
            if current is None:
                # Never Searcher.refresh(): Whoosh 2.7 reuses segment readers with their old
                # deletion sets, so documents replaced by an update would be found again.
                current = local.searcher = ix.searcher(weighting=weighting())
                local.generation = generation.name
            yield current
        except MorgueError:
            raise
        except Exception as exc:
            self._blame_damage(generation, exc)
            raise
        finally:
            local.reading = reading

    def _blame_damage(self, generation: store.Generation, exc: Exception) -> None:
        """Turn an error met while reading into IndexUnavailable when the checksums show damage.

        Within SOUND_SECONDS of a full check that passed, the error is taken for a bug; so
        is one met on a generation no longer live (a rebuild switched meanwhile).
        """
        try:
            if store.live_name(self.index_dir) != generation.name:
                return
            state = (generation.name, integrity.latest_toc(generation.path))
        except OSError:
            return
        if time.monotonic() - self._sound.get(state, -SOUND_SECONDS) < SOUND_SECONDS:
            return
        damage = self.verify(generation).damage
        if damage is None:
            return
        local = self._local
        if getattr(local, "searcher", None) is not None:
            local.searcher.close()
            local.searcher = None
        raise integrity.unavailable(self.index_dir, generation, damage) from exc

    def verify(self, generation: store.Generation | None = None) -> integrity.Verdict:
        """The full check (checksums) of the live generation; damage found stays refused."""
        generation = generation or store.live_generation(self.index_dir)
        verdict = integrity.check(generation.path, full=True)
        if verdict.ok:
            self._sound[(generation.name, verdict.toc_generation)] = time.monotonic()
        else:
            self._found = (generation.name, verdict.damage)
            error = integrity.unavailable(self.index_dir, generation, verdict.damage)
            log.error("%s %s", error.message, error.hint)
        return verdict

    def verify_in_background(self) -> threading.Thread:
        """Start the full check without holding anything up (a server calls it as it starts)."""
        def run() -> None:
            try:
                self.verify()
            except IndexUnavailable:
                pass  # missing, or damaged beyond reading a manifest: health says so already
        thread = threading.Thread(target=run, name="morgue-integrity-check", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        """Close this thread's searcher (a script that opens many archives in turn)."""
        current = getattr(self._local, "searcher", None)
        if current is not None:
            current.close()
            self._local.searcher = None

    def existing_ids(self, ids: list[str]) -> set[str]:
        """Which of these ids the live index holds (as of its last commit)."""
        with self.searcher() as searcher:
            return {i for i in ids if searcher.document_number(**{schema.ID: i}) is not None}

    @property
    def generation(self) -> store.Generation:
        """Inside `with searcher()`, the generation that searcher reads; else the live one.

        CURRENT can move to a new build while a search runs: what an answer says
        about its build (and the cursor and ETag signed with it) must name the
        generation it was read from, not the one live when it finished.
        """
        reading = getattr(self._local, "reading", None)
        return reading if reading is not None else self._live()[0]

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
