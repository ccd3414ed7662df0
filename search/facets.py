"""Declared facets: each becomes an ordered list of {value, label, count, selected}.

One registry, one function to turn Whoosh's group counts into the stable,
ordered JSON shape (a list, since a dict would be re-sorted by clients).
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass

from whoosh import sorting

from index import schema


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
        items.sort(key=lambda item: item[0])
    else:
        items.sort(key=lambda item: (-item[1], item[0]))
        items = items[:size]
    values = [{"value": value, "label": value, "count": count, "selected": value in selected}
              for value, count in items]
    if facet.chronological:
        for item in values:
            item["from"], item["to"] = month_bounds(item["value"])
    return values


def month_bounds(month: str) -> tuple[str, str]:
    """The first and last day of a `YYYY-MM` bucket, as from/to values for a click."""
    year, number = (int(part) for part in month.split("-"))
    last = calendar.monthrange(year, number)[1]
    return f"{month}-01", f"{month}-{last:02d}"
