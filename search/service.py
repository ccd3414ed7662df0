"""The one search function: a validated request in, a plain-data response out.

The JSON API, the HTML pages and scripts/query.py all call `run_search` and
`get_article`; they differ only in how they render the result.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from whoosh import query, sorting

from index import schema
from index.dates import format_utc
from index.errors import NotFound
from search.archive import Archive
from search.facets import FACETS, facet_values, grouping
from search.highlight import Highlighters, mark_words
from search.query import build_filter, build_query, parser
from search.request import SearchRequest
from search.results import article_dict, result_dict

_SORT_FIELDS = {"newest": (schema.PUBLISHED, True), "oldest": (schema.PUBLISHED, False),
                "indexed": (schema.INDEXED, True)}


@dataclass(frozen=True)
class Limits:
    max_wildcard_terms: int = 1000


def _sorted_by(sort: str) -> sorting.MultiFacet | None:
    """Sort keys: undated articles last, then the date, then the id so ties keep one order."""
    if sort not in _SORT_FIELDS:
        return None
    field, reverse = _SORT_FIELDS[sort]
    keys = [sorting.FieldFacet(field, reverse=reverse), sorting.FieldFacet(schema.ID)]
    if field == schema.PUBLISHED:
        keys.insert(0, sorting.FieldFacet(schema.DATED, reverse=True))
    return sorting.MultiFacet(keys)


def run_search(archive: Archive, request: SearchRequest, limits: Limits = Limits()) -> dict:
    started = time.perf_counter()
    with archive.searcher() as searcher:
        q = build_query(request, searcher.reader(), limits.max_wildcard_terms)
        results = searcher.search(
            q, limit=request.page * request.page_size, filter=build_filter(request, searcher),
            sortedby=_sorted_by(request.sort), groupedby=grouping(request.facets),
            terms=True)
        total = len(results)
        highlighters = Highlighters()
        hits = []
        for hit in results[request.offset:request.offset + request.page_size]:
            article = schema.from_stored(hit.fields())
            hits.append(result_dict(
                article, request.fields,
                cluster_size=(cluster_size(searcher, article) if "cluster" in request.fields
                              else 1),
                score=hit.score if request.sort == "relevance" else None,
                snippet=(highlighters.snippet(hit, article.body)
                         if "snippet" in request.fields else None),
                title_html=(highlighters.title_html(hit, article.title)
                            if "title_html" in request.fields else None)))
        facets = {}
        for name in request.facets:
            facet = FACETS[name]
            selected = {v for param, v in request.filters if param == facet.filter_param}
            facets[name] = facet_values(facet, results.groups(name), request.facet_size,
                                        selected)
        parsed = str(q)
    pages = -(-total // request.page_size)
    return {
        "query": {"q": request.q, "parsed": parsed, "sort": request.sort,
                  "page": request.page, "page_size": request.page_size,
                  "filters": [{"name": n, "value": v} for n, v in request.filters],
                  "from": format_utc(request.date_from), "to": format_utc(request.date_to)},
        "total": total, "page": request.page, "page_size": request.page_size,
        "pages": pages, "took_ms": round((time.perf_counter() - started) * 1000, 1),
        "results": hits, "facets": facets, "suggestion": None, "next_cursor": None,
    }


def cluster_size(searcher, article) -> int:
    """How many live articles share this one's syndicated-story cluster."""
    cluster = article.cluster or article.id
    return sum(1 for _ in searcher.docs_for_query(query.Term(schema.CLUSTER, cluster))) or 1


def _query_words(q: str, reader, fieldname: str) -> frozenset[str]:
    """The analysed words of a query that exist in the index for one field."""
    try:
        parsed = parser().parse(q)
    except Exception:  # a query we cannot read only means nothing gets marked
        return frozenset()
    # Always name the field: without it, Whoosh 2.7's existing_terms reuses its
    # `fieldname` argument as a loop variable and keeps only the first field's terms.
    terms = parsed.existing_terms(reader, phrases=True, expand=True, fieldname=fieldname)
    return frozenset(text.decode("utf-8") for _field, text in terms)


def get_article(archive: Archive, article_id: str, highlight_q: str | None = None) -> dict:
    """The article as plain data; with a query, also its title and body with matches marked."""
    with archive.searcher() as searcher:
        stored = searcher.document(**{schema.ID: article_id})
        if stored is None:
            raise NotFound(f"no article with id {article_id!r}", param="id")
        article = schema.from_stored(stored)
        data = article_dict(article, cluster_size(searcher, article))
        if highlight_q:
            reader = searcher.reader()
            body_words = _query_words(highlight_q, reader, schema.BODY)
            title_words = _query_words(highlight_q, reader, schema.TITLE)
            data["title_html"] = mark_words(article.title, title_words,
                                            searcher.schema[schema.TITLE].analyzer)
            data["body_html"] = mark_words(article.body, body_words,
                                           searcher.schema[schema.BODY].analyzer).split("\n\n")
    return data
