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
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from whoosh.searching import Searcher

from index import schema
from index.columns import column
from index.errors import BadRequest

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
    """A column as a list by document number, read once per searcher (it dies with it)."""
    cache = searcher.__dict__.setdefault("_morgue_columns", {})
    if field not in cache:
        values = list(column(searcher.reader(), field))
        if field in schema.FACET_COLUMNS.values():
            values = [tuple(schema.facet_values(raw)) for raw in values]
        cache[field] = values
    return cache[field]


def _count(values: list, docs: Iterable[int], multi: bool, clusters: list | None) -> Counter:
    counts: Counter = Counter()
    if clusters is None:
        for doc in docs:
            if multi:
                counts.update(values[doc])
            elif values[doc]:
                counts[values[doc]] += 1
        return counts
    stories: dict[str, set] = defaultdict(set)
    for doc in docs:
        for value in (values[doc] if multi else (values[doc],)):
            if value:
                stories[value].add(clusters[doc])
    return Counter({value: len(members) for value, members in stories.items()})


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


def compute(searcher: Searcher, names: tuple[str, ...], docs: Iterable[int], *,
            size: int, interval: str, stories: bool,
            filters: tuple[tuple[str, str], ...]) -> tuple[dict, str | None]:
    """Every requested facet over `docs`; also the histogram interval that was used."""
    docs = list(docs)
    clusters = column_values(searcher, schema.CLUSTER) if stories else None
    facets, used_interval = {}, None
    for name in names:
        facet = FACETS[name]
        values = column_values(searcher, facet.field)
        counts = _count(values, docs, facet.kind == MULTI, clusters)
        if facet.kind == HISTOGRAM:
            used_interval, facets[name] = histogram(counts, interval)
        else:
            selected = {v for param, v in filters if param == facet.filter_param}
            facets[name] = facet_values(facet, counts, size, selected)
    return facets, used_interval
