"""Declared facets, counted over the whole result set from per-document columns.

Each facet reads one column: a document's source, its people (several per
document: each counts once), its publication day. Counting walks the matching
documents once, so the cost grows with the number of matches, never with the
number of distinct values. With `count=stories`, syndicated copies of one
story count once (distinct clusters per value). One function turns counts
into the ordered JSON shape: a list of {value, label, count, selected}, by
count then name (the histogram in time order, with empty buckets).
"""
from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from whoosh.searching import Searcher

from index import schema
from index.columns import column
from index.errors import BadRequest
from search.state_cache import cached

SINGLE, MULTI, HISTOGRAM = "single", "multi", "histogram"
INTERVALS = ("auto", "day", "week", "month", "year")
MAX_BUCKETS = 1_000  # a histogram wider than this is refused with a hint to widen the interval


@dataclass(frozen=True)
class Facet:
    name: str
    kind: str
    field: str  # the column read
    filter_param: str | None = None  # the request filter a click on a value sets


FACETS: dict[str, Facet] = {
    "source": Facet("source", SINGLE, schema.SOURCE, "source"),
    "person": Facet("person", MULTI, schema.FACET_COLUMNS[schema.PEOPLE], "person"),
    "organization": Facet("organization", MULTI, schema.FACET_COLUMNS[schema.ORGANIZATIONS],
                          "organization"),
    "place": Facet("place", MULTI, schema.FACET_COLUMNS[schema.PLACES], "place"),
    "tag": Facet("tag", MULTI, schema.FACET_COLUMNS[schema.TAGS], "tag"),
    "section": Facet("section", SINGLE, schema.SECTION, "section"),
    "language": Facet("language", SINGLE, schema.LANGUAGE, "language"),
    "published": Facet("published", HISTOGRAM, schema.DAY),
}


def column_values(searcher: Searcher, field: str) -> list:
    """A column as a list by document number, read once per index state."""
    def build() -> list:
        values = list(column(searcher.reader(), field))
        if field in schema.FACET_COLUMNS.values():
            values = [tuple(schema.facet_values(raw)) for raw in values]
        return values
    return cached(searcher, ("column", field), build)


@dataclass(frozen=True)
class _Stories:
    codes: np.ndarray  # each document's story as a small integer (equal for copies)
    code_of: dict[str, int]
    by_story: np.ndarray  # document numbers ordered by story code
    starts: np.ndarray  # where each code's documents start in by_story


def _stories(searcher: Searcher) -> _Stories:
    def build() -> _Stories:
        code_of: dict[str, int] = {}
        codes = np.array([code_of.setdefault(c, len(code_of))
                          for c in column_values(searcher, schema.CLUSTER)], dtype=np.int64)
        by_story = np.argsort(codes, kind="stable")
        starts = np.searchsorted(codes[by_story], np.arange(len(code_of) + 1))
        return _Stories(codes, code_of, by_story, starts)
    return cached(searcher, "stories", build)


def cluster_codes(searcher: Searcher) -> np.ndarray:
    """Each document's story as a small integer (equal for syndicated copies)."""
    return _stories(searcher).codes


def story_members(searcher: Searcher, cluster: str) -> np.ndarray:
    """The documents of one story (deleted ones included: the caller knows which are live)."""
    stories = _stories(searcher)
    code = stories.code_of.get(cluster)
    if code is None:
        return np.zeros(0, dtype=np.int64)
    return stories.by_story[stories.starts[code]:stories.starts[code + 1]]


@dataclass(frozen=True)
class _Coded:
    """A column as numbers: (document, value code) pairs, and each code's value."""

    docs: np.ndarray
    codes: np.ndarray
    labels: list[str]


def _coded(searcher: Searcher, field: str, multi: bool) -> _Coded:
    """The column `field` coded once per searcher, so counting is numpy's bincount."""
    def build() -> _Coded:
        codes: dict[str, int] = {}
        pair_docs, pair_codes = [], []
        for doc, value in enumerate(column_values(searcher, field)):
            for item in (value if multi else (value,)):
                if item:
                    pair_docs.append(doc)
                    pair_codes.append(codes.setdefault(item, len(codes)))
        return _Coded(np.array(pair_docs, dtype=np.int64),
                      np.array(pair_codes, dtype=np.int64), list(codes))
    return cached(searcher, ("coded", field, multi), build)


def _count(coded: _Coded, member: np.ndarray, size: int,
           clusters: np.ndarray | None) -> Counter:
    """Counts of the values of the documents `member` marks (distinct stories when `clusters`
    is given); with a size, only the values that can make the top `size` (ties kept)."""
    chosen = member[coded.docs]
    codes = coded.codes[chosen]
    if clusters is not None and len(codes):
        stories = np.unique(codes * (int(clusters.max()) + 1) + clusters[coded.docs[chosen]])
        codes = stories // (int(clusters.max()) + 1)
    counts = np.bincount(codes, minlength=len(coded.labels)) if len(codes) else np.zeros(0)
    present = np.flatnonzero(counts)
    if size and len(present) > size:
        bound = np.partition(counts[present], len(present) - size)[len(present) - size]
        present = present[counts[present] >= bound]
    return Counter({coded.labels[code]: int(counts[code]) for code in present})


# -- the published histogram ------------------------------------------------------------------

def _bucket(day: str, interval: str) -> str:
    if interval == "day":
        return day
    if interval == "month":
        return day[:7]
    if interval == "year":
        return day[:4]
    year, week, _ = date.fromisoformat(day).isocalendar()
    return f"{year}-W{week:02d}"


def _bucket_bounds(key: str, interval: str) -> tuple[date, date]:
    if interval == "day":
        day = date.fromisoformat(key)
        return day, day
    if interval == "month":
        year, month = map(int, key.split("-"))
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    if interval == "year":
        return date(int(key), 1, 1), date(int(key), 12, 31)
    year, week = key.split("-W")
    monday = date.fromisocalendar(int(year), int(week), 1)
    return monday, monday + timedelta(days=6)


def choose_interval(first: str, last: str) -> str:
    """The interval that shows a span of days as a readable number of bars."""
    span = (date.fromisoformat(last) - date.fromisoformat(first)).days
    if span <= 90:
        return "day"
    if span <= 730:
        return "week"
    if span <= 25 * 366:
        return "month"
    return "year"


def histogram(counts: Counter, interval: str) -> tuple[str, list[dict]]:
    """Day counts -> buckets of `interval` from the first to the last, empty ones included."""
    if not counts:
        return (interval if interval != "auto" else "month"), []
    first, last = min(counts), max(counts)
    if interval == "auto":
        interval = choose_interval(first, last)
    buckets: Counter = Counter()
    for day, count in counts.items():
        buckets[_bucket(day, interval)] += count
    out = []
    cursor, end = _bucket_bounds(_bucket(first, interval), interval)[0], date.fromisoformat(last)
    while cursor <= end:
        key = _bucket(cursor.isoformat(), interval)
        low, high = _bucket_bounds(key, interval)
        out.append({"value": key, "label": key, "count": buckets.get(key, 0), "selected": False,
                    "from": low.isoformat(), "to": high.isoformat()})
        if len(out) > MAX_BUCKETS:
            raise BadRequest(f"interval={interval} would draw more than {MAX_BUCKETS:,} bars for "
                             "these results; choose a wider interval", param="interval")
        cursor = high + timedelta(days=1)
    return interval, out


# -- all facets of a response -----------------------------------------------------------------

def facet_values(facet: Facet, counts: Counter, size: int, selected: set[str]) -> list[dict]:
    items = sorted(counts.items(), key=lambda item: (-item[1], item[0].casefold()))[:size]
    chosen = {value.casefold() for value in selected}
    return [{"value": value, "label": value, "count": count,
             "selected": value.casefold() in chosen} for value, count in items]


def membership(searcher: Searcher, docs: Iterable[int]) -> np.ndarray:
    """`docs` as a mask by document number: what `compute` counts over (make it once)."""
    if not isinstance(docs, np.ndarray):
        docs = np.fromiter(docs, dtype=np.int64)
    member = np.zeros(searcher.doc_count_all(), dtype=bool)
    member[docs] = True
    return member


def compute(searcher: Searcher, names: tuple[str, ...], member: np.ndarray, *,
            size: int, interval: str, stories: bool,
            filters: tuple[tuple[str, str], ...]) -> tuple[dict, str | None]:
    """Every requested facet over the documents of `member` (see `membership`); also the
    histogram interval that was used."""
    clusters = cluster_codes(searcher) if stories else None
    facets, used_interval = {}, None
    for name in names:
        facet = FACETS[name]
        coded = _coded(searcher, facet.field, facet.kind == MULTI)
        counts = _count(coded, member, 0 if facet.kind == HISTOGRAM else size, clusters)
        if facet.kind == HISTOGRAM:
            used_interval, facets[name] = histogram(counts, interval)
        else:
            selected = {v for param, v in filters if param == facet.filter_param}
            facets[name] = facet_values(facet, counts, size, selected)
    return facets, used_interval
