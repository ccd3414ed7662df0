"""Declared facets: each becomes an ordered list of {value, label, count, selected}.

One registry, one function to turn Whoosh's group counts into the stable,
ordered JSON shape (a list, since a dict would be re-sorted by clients).
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass

from whoosh import sorting

from index import schema


MAX_FILLED_MONTHS = 600


@dataclass(frozen=True)
class Facet:
    name: str
    field: str
    chronological: bool = False  # histogram buckets in time order, not by count
    filter_param: str | None = None  # the request filter a click on a value sets


FACETS: dict[str, Facet] = {
    "source": Facet("source", schema.SOURCE, filter_param="source"),
    "published": Facet("published", schema.MONTH, chronological=True),
}


def grouping(names: tuple[str, ...]) -> sorting.Facets | None:
    """The Whoosh groupedby argument for the requested facets (None when there are none)."""
    if not names:
        return None
    facets = sorting.Facets()
    for name in names:
        facets.add_facet(name, sorting.FieldFacet(FACETS[name].field, maptype=sorting.Count))
    return facets


def facet_values(facet: Facet, counts: dict, size: int, selected: set[str]) -> list[dict]:
    items = [(value, count) for value, count in counts.items() if value not in (None, "")]
    if facet.chronological:
        items = _with_empty_months(dict(items))
    else:
        items.sort(key=lambda item: (-item[1], item[0]))
        items = items[:size]
    values = [{"value": value, "label": value, "count": count, "selected": value in selected}
              for value, count in items]
    if facet.chronological:
        for item in values:
            item["from"], item["to"] = month_bounds(item["value"])
    return values


def _with_empty_months(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Every month from the first to the last, so a timeline shows its quiet months as zero.

    A span of more than MAX_FILLED_MONTHS (one misdated article can stretch it over
    centuries) is left sparse rather than padded with thousands of empty buckets.
    """
    if not counts:
        return []
    first, last = min(counts), max(counts)
    if _months_between(first, last) > MAX_FILLED_MONTHS:
        return sorted(counts.items())
    year, month = (int(part) for part in first.split("-"))
    filled = []
    while (key := f"{year:04d}-{month:02d}") <= last:
        filled.append((key, counts.get(key, 0)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return filled


def _months_between(first: str, last: str) -> int:
    (y1, m1), (y2, m2) = ((int(p) for p in key.split("-")) for key in (first, last))
    return (y2 - y1) * 12 + (m2 - m1)


def month_bounds(month: str) -> tuple[str, str]:
    """The first and last day of a `YYYY-MM` bucket, as from/to values for a click."""
    year, number = (int(part) for part in month.split("-"))
    last = calendar.monthrange(year, number)[1]
    return f"{month}-01", f"{month}-{last:02d}"
