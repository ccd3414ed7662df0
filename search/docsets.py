"""Sets of documents as queries, and the date and filter sets built cheaply.

Whoosh unions a date range one document at a time; comparing each
document's day, held as a number per index state, is far cheaper. `DocSet` then lets such a set take
part in a query anywhere (`coffee OR published:2025-08`), and `search(...,
filter=set)` takes it as a filter. Document numbers are the searcher's own
(global); a DocSet translates them for each segment Whoosh matches in.
"""
from __future__ import annotations

from datetime import time

import numpy as np
from whoosh import query
from whoosh.matching import ListMatcher, NullMatcher
from whoosh.searching import Searcher
from whoosh.util.times import datetime_to_long

from index import schema
from index.columns import column
from index.dates import day_key
from search.dates import Period
from search.state_cache import cached


class DocSet(query.Query):
    """Matches exactly the given (global) document numbers, adding nothing to the score."""

    def __init__(self, docs: set[int] | frozenset[int], label: str = "") -> None:
        self.members = frozenset(docs)  # not `docs`: Query.docs() is a method
        self.label = label
        self.fieldname = None
        self.boost = 1.0

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.members == self.members

    def __hash__(self) -> int:
        return hash(self.members)

    def __repr__(self) -> str:
        return f"DocSet({self.label or len(self.members)})"

    __str__ = __repr__

    def estimate_size(self, reader) -> int:
        return len(self.members)

    def matcher(self, searcher, context=None):
        offset, count = 0, searcher.doc_count_all()
        parent = searcher.parent() if getattr(searcher, "parent", None) else None  # a weakref
        if parent is not None and searcher.is_atomic():
            offset = parent._offset_for_subsearcher(searcher) or 0
        ids = sorted(doc - offset for doc in self.members if offset <= doc < offset + count)
        return ListMatcher(ids, all_weights=0.0) if ids else NullMatcher()


def _day_numbers(searcher: Searcher) -> np.ndarray:
    """Each document's day as the number YYYYMMDD (0: undated or deleted), read once per state."""
    def build() -> np.ndarray:
        reader = searcher.reader()
        numbers = np.array([int(day.replace("-", "")) if day else 0
                            for day in column(reader, schema.DAY)], dtype=np.int64)
        if reader.has_deletions():
            live = np.zeros(len(numbers), dtype=bool)
            live[np.fromiter(reader.all_doc_ids(), dtype=np.int64)] = True
            numbers[~live] = 0
        return numbers
    return cached(searcher, "day numbers", build)


def days(searcher: Searcher, first: str | None, last: str | None) -> set[int]:
    """Documents published on any day from `first` to `last` (inclusive; None = open)."""
    numbers = _day_numbers(searcher)
    low = int(first.replace("-", "")) if first else 1
    high = int(last.replace("-", "")) if last else np.iinfo(np.int64).max
    return set(np.flatnonzero((numbers >= max(low, 1)) & (numbers <= high)).tolist())


def published_within(searcher: Searcher, period: Period) -> set[int]:
    """Documents published within [start, end]: whole days by day, a bound's own day by time."""
    start, end = period.start, period.end
    docs = days(searcher, day_key(start) if start else None, day_key(end) if end else None)
    raw = column(searcher.reader(), schema.PUBLISHED, translate=False)
    if start is not None and start.time() != time.min:
        limit = datetime_to_long(start)
        docs -= {d for d in days(searcher, day_key(start), day_key(start)) if raw[d] < limit}
    if end is not None and end.time() != time.max:
        limit = datetime_to_long(end)
        docs -= {d for d in days(searcher, day_key(end), day_key(end)) if raw[d] > limit}
    return docs


def matching(searcher: Searcher, q: query.Query) -> set[int]:
    """Every document a query matches, unscored."""
    return set(searcher.docs_for_query(q))
