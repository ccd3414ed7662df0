"""A search request as one SphinxQL SELECT on the head's distributed index, with its FACETs.

Filters and date ranges become attribute filters (`source=Reuters` is the
number rows.key gives that source), the query a MATCH() over the fields the
translation names, collapsing by story a GROUP BY on the story's number
(every copy of a story lives on one shard, so the groups are exact), and
each facet a FACET clause counting copies.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from index.sphinxql import rows, schema
from search.request import MAX_RESULT_DEPTH, SearchRequest

MAX_MATCHES = MAX_RESULT_DEPTH  # the deepest a page reaches (parse_request refuses deeper)
DEFAULT_MATCHES = 1_000  # the top each shard ranks for a page (Sphinx's own default)
FACET_SLACK = 50  # extra values fetched so ties at the cut are broken by name, as Whoosh does
FILTER_ATTRIBUTES = {  # filter parameter -> (value kind, attribute)
    "source": ("source", "source_key"), "section": ("section", "section_key"),
    "language": ("language", "language_key"), "person": ("person", "people_keys"),
    "organization": ("organization", "organizations_keys"),
    "place": ("place", "places_keys"), "tag": ("tag", "tags_keys"),
    "actor": ("actor", "actors_keys"),
}
FACET_ATTRIBUTES = {  # facet -> (attribute, value kind)
    "source": ("source_value", "source"), "section": ("section_value", "section"),
    "language": ("language_value", "language"), "person": ("people_values", "person"),
    "organization": ("organizations_values", "organization"),
    "place": ("places_values", "place"), "tag": ("tags_values", "tag"),
}
MAX_DAYS = 50_000  # days a histogram counts (137 years of daily news)
ORDERS = {"relevance": "WEIGHT() DESC, published DESC", "newest": "dated DESC, published DESC",
          "oldest": "dated DESC, published ASC"}


@dataclass(frozen=True)
class Statement:
    sql: str  # with a %s for the MATCH text when there is one, passed as a parameter
    args: tuple[str, ...]


def period_conditions(start: datetime | None, end: datetime | None) -> list[str]:
    """Attribute filters for [start, end] (either open), as search/docsets.published_within."""
    conditions = []
    if start is not None or end is not None:
        conditions.append("dated = 1")
    if start is not None:
        conditions.append(f"published >= {rows.seconds(start)}")
    if end is not None:
        conditions.append(f"published <= {rows.seconds(end)}")
    return conditions


def filter_conditions(request: SearchRequest) -> list[str]:
    conditions = []
    for name, value in request.filters:
        kind, attribute = FILTER_ATTRIBUTES[name]
        conditions.append(f"{attribute} = {rows.key(kind, value)}")
    return conditions


def conditions(request: SearchRequest, match: str, extra: list[str]) -> list[str]:
    """The WHERE of every statement of one search: the query, the dates, the filters."""
    return ((["MATCH(%s)"] if match else [])
            + period_conditions(request.date_from, request.date_to)
            + filter_conditions(request) + extra)


def _select(columns: str, where: list[str]) -> str:
    return f"SELECT {columns} FROM {schema.ARTICLES}" + (" WHERE " + " AND ".join(where)
                                                          if where else "")


def page(request: SearchRequest, match: str, extra: list[str],
         global_idf: bool = False) -> Statement:
    """The SELECT for one page of `request` (collapsed by story unless collapse=none)."""
    # Only ids and scores: every shard sends the head its whole top `max_matches`, so the
    # page's stored text is fetched after, by id (stored_of).
    sql = _select("id, WEIGHT() AS score", conditions(request, match, extra))
    if request.collapse == "cluster":
        sql += f" GROUP BY cluster_id WITHIN GROUP ORDER BY {ORDERS[request.sort]}"
    sql += (f" ORDER BY {ORDERS[request.sort]} LIMIT {request.offset}, {request.page_size}"
            f" OPTION ranker=bm25,"
            f" max_matches={max(DEFAULT_MATCHES, request.offset + request.page_size)}"
            + (", global_idf=1" if global_idf else ""))
    return Statement(sql, (match,) if match else ())


def count(request: SearchRequest, match: str, extra: list[str]) -> Statement:
    """Every copy matched, uncollapsed: its total_found is the response's total_copies."""
    sql = _select("id", conditions(request, match, extra)) + " LIMIT 1"
    return Statement(sql, (match,) if match else ())


def stories(request: SearchRequest, match: str, extra: list[str]) -> Statement:
    """The stories matched. Not the grouped page's total_found: past max_matches groups
    Sphinx estimates that (94,760 for 15,863 stories at x10)."""
    sql = _select("COUNT(DISTINCT cluster_id) AS stories", conditions(request, match, extra))
    return Statement(sql, (match,) if match else ())


def stored_of(numbers: list[int]) -> Statement:
    """The stored articles of a page, by document id."""
    sql = (f"SELECT id, stored FROM {schema.ARTICLES} WHERE id IN ({','.join(map(str, numbers))})"
           f" LIMIT {len(numbers)}")
    return Statement(sql, ())


def _counted(stories: bool) -> str:
    return "COUNT(DISTINCT cluster_id)" if stories else "COUNT(*)"


def facet(request: SearchRequest, name: str, match: str, extra: list[str]) -> Statement:
    """Counts of one facet's values over every match (stories or copies, as asked)."""
    attribute, _kind = FACET_ATTRIBUTES[name]
    sql = (_select(f"GROUPBY() AS value, {_counted(request.count == 'stories')} AS counted",
                   conditions(request, match, extra) + [f"{attribute} <> 0"]
                   if not attribute.endswith("_values") else conditions(request, match, extra))
           + f" GROUP BY {attribute} ORDER BY counted DESC"
           f" LIMIT {request.facet_size + FACET_SLACK} OPTION max_matches={MAX_MATCHES}")
    return Statement(sql, (match,) if match else ())


def histogram(request: SearchRequest, match: str, extra: list[str]) -> Statement:
    """Counts per day (stories or copies, as asked), which search/facets.histogram draws:
    a story told on two days counts on each, as on the Whoosh path."""
    sql = (_select(f"GROUPBY() AS bucket, {_counted(request.count == 'stories')} AS counted",
                   conditions(request, match, extra) + ["dated = 1"])
           + f" GROUP BY day ORDER BY day ASC LIMIT {MAX_DAYS} OPTION max_matches={MAX_DAYS}")
    return Statement(sql, (match,) if match else ())
