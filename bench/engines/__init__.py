"""The engines compared, each behind the same three calls: build, open a session, search.

An engine module exposes SCALES (the scales it is run at), NOTES (one line on
what it does per query, for the report), `build(files, index_dir, workers) ->
int` (documents indexed from the JSONL files) and `open_session(index_dir) ->
Session`. A session answers `search(query, token)` with an `Answer` holding
plain data only: the page's ids, titles and snippets, the total, facet counts,
and the token for the next page (Morgue's next_cursor, else the next offset).
Modules are imported only when used, so a missing optional library (tantivy)
costs only its own engine.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import ModuleType
from typing import Protocol

from bench.queries import Query

MODULES = {
    "morgue": "bench.engines.morgue",
    "whoosh": "bench.engines.whoosh_stock",
    "fts5": "bench.engines.fts5",
    "tantivy": "bench.engines.tantivy_engine",
    "sphinxql": "bench.engines.sphinxql",
}
HIGHLIGHT_MARKS = ("<mark>", "<b ", "<b>")  # what each engine puts around a matched word


@dataclass
class Answer:
    total: int
    ids: list[str]
    titles: list[str]
    snippets: list[str]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    next_token: object = None
    partial: bool = False  # Morgue only: its time budget ran out

    @property
    def highlighted(self) -> int:
        """How many of the page's snippets mark at least one matched word."""
        return sum(any(mark in s for mark in HIGHLIGHT_MARKS) for s in self.snippets)


def answer_of(response: dict, next_token: object) -> Answer:
    """The Answer for a response of Morgue's run_search (either backend)."""
    results = response["results"]
    return Answer(
        total=response["total"], ids=[r["id"] for r in results],
        titles=[r["title"] for r in results],
        snippets=[r.get("snippet") or "" for r in results],
        facets={name: [(v["value"], v["count"]) for v in values]
                for name, values in (response.get("facets") or {}).items()},
        next_token=next_token, partial=bool(response["partial"]))


class Session(Protocol):
    def search(self, query: Query, token: object = None) -> Answer: ...
    def close(self) -> None: ...


class EngineUnavailable(RuntimeError):
    """An engine whose library is not installed; the run goes on without it."""


def load(name: str) -> ModuleType:
    if name not in MODULES:
        raise ValueError(f"unknown engine {name!r}; choose from {', '.join(MODULES)}")
    try:
        return importlib.import_module(MODULES[name])
    except ImportError as exc:  # a missing package, or (sphinxql) a missing program
        hint = "" if exc.name is None else " (pip install -r requirements-bench.txt)"
        raise EngineUnavailable(f"{name}: {exc}{hint}") from None


def offset_token(offset: int, total: int, page_size: int) -> int | None:
    """The next page's offset for engines that page by offset, or None after the last page."""
    following = offset + page_size
    return following if following < total else None
