"""Every result of a search, one plain dict at a time: what the CSV and JSON Lines exports write.

The same query, filters, ranking and collapsing as `run_search` (so an export
lists exactly `total` results, in page order), but walked instead of paged:
the order is worked out once as document numbers, then stored fields,
snippets and clusters are read in batches of BATCH, so memory stays flat
however many results there are. The set-up (parsing, checking, ordering)
runs before `iter_results` returns: a bad query is a BadRequest before the
first byte of a streamed response is sent, never a truncated file.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice

from whoosh import query
from whoosh.searching import Hit, Searcher

from index import schema
from search import feedback, ordering
from search.archive import Archive
from search.backends import is_cluster
from search.sphinxql import backend as cluster_backend
from search.highlight import Highlighters
from search.limits import Limits, checked_query
from search.query import build_filter
from search.request import SearchRequest
from search.service import hit_dict, request_now

BATCH = 500  # results materialised at a time


def iter_results(archive: Archive, request: SearchRequest,
                 limits: Limits = Limits()) -> Iterator[dict]:
    """Every result of the search as a dict of `request.fields`, in order (collapsed like total)."""
    if is_cluster(archive):
        return cluster_backend.iter_results(archive, request)
    rows = _rows(archive, request, limits)
    next(rows)  # run the set-up now, while an error can still be a proper 400
    return rows


def _rows(archive: Archive, request: SearchRequest, limits: Limits) -> Iterator[dict | None]:
    with archive.searcher() as searcher:
        q = checked_query(searcher, request, limits, request_now(request))
        allowed = build_filter(request, searcher)
        q = feedback.expand(searcher, q, request, allowed)
        order = ordering.every_result(searcher, q, allowed, request)
        yield None
        marked = "snippet" in request.fields or "title_html" in request.fields
        while batch := list(islice(order, BATCH)):
            hits = _hits(searcher, q, (docnum for docnum, _ in batch)) if marked else {}
            highlighters = Highlighters()  # per batch: it keeps each batch's results alive
            for docnum, score in batch:
                stored = searcher.stored_fields(docnum)
                yield hit_dict(searcher, schema.from_stored(stored), request.fields,
                               highlighters, hits.get(docnum), score=score,
                               indexed=stored.get(schema.INDEXED))


def _hits(searcher: Searcher, q: query.Query, docnums: Iterable[int]) -> dict[int, Hit]:
    """Whoosh hits, with their matched terms, for a batch of documents: what snippets need."""
    results = searcher.search(q, limit=None, filter=set(docnums), terms=True)
    return {hit.docnum: hit for hit in results}
