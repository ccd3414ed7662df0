"""Which hits make up the requested page, in which order, and the key to continue after them.

Two paths. A plain page (page=N) lets Whoosh collect the top N (with some
to spare) and keeps the best-placed member of each syndicated story: Whoosh's
own `collapse=` lets copies through once `sortedby` and `limit` are combined,
so collapsing happens here. A cursor or a recency blend orders every match
instead (Whoosh cannot start after a key or re-score by freshness), then
walks the order: copies of a story already shown are skipped, and so is
everything up to the cursor's key.

Every hit has a key, increasing down the list: for relevance minus the score
(or the blended score) then the document number, which is how Whoosh breaks
ties; for dates the date (negated for newest and indexed, undated articles
last) then the article id. Document numbers change when the index does, so a
cursor is only valid for the index state that gave it (search/cursor.py).
"""
from __future__ import annotations

import math
from array import array
from collections.abc import Iterator
from dataclasses import dataclass

from whoosh import query, sorting
from whoosh.searching import Hit, Searcher

from index import schema
from index.columns import column
from search.facets import column_values
from search.limits import Budget, search_within
from search.request import SearchRequest
from search.state_cache import cached

UNDATED = 2 ** 63  # sorts after every real date in either direction
RECENCY_DAYS = 30.0  # freshness falls to 1/e for an article 30 days older than the newest match


@dataclass
class Page:
    hits: list[Hit]
    keys: list[list]
    more: bool  # results continue after this page
    scores: dict[int, float]  # docnum -> the score shown (blended when recency is asked)


def raw_column(searcher: Searcher, field: str) -> list:
    """A datetime column as raw numbers (Whoosh's translation overflows on missing dates)."""
    return cached(searcher, ("raw column", field),
                  lambda: list(column(searcher.reader(), field, translate=False)))


_SORT_FIELDS = {"newest": (schema.PUBLISHED, True), "oldest": (schema.PUBLISHED, False),
                "indexed": (schema.INDEXED, True)}


def sort_facets(sort: str) -> sorting.MultiFacet | None:
    """Whoosh sort keys matching `key_of`: undated last, the date, then the id."""
    if sort not in _SORT_FIELDS:
        return None
    field, reverse = _SORT_FIELDS[sort]
    keys = [sorting.FieldFacet(field, reverse=reverse), sorting.FieldFacet(schema.ID)]
    if field == schema.PUBLISHED:
        keys.insert(0, sorting.FieldFacet(schema.DATED, reverse=True))
    return sorting.MultiFacet(keys)


def key_of(searcher: Searcher, sort: str, docnum: int, score: float | None) -> list:
    if sort == "relevance":
        return [-(score or 0.0), docnum]
    article_id = column_values(searcher, schema.ID)[docnum]
    field, reverse = _SORT_FIELDS[sort]
    if field == schema.PUBLISHED and not column_values(searcher, schema.DATED)[docnum]:
        return [UNDATED, article_id]
    value = raw_column(searcher, field)[docnum]
    return [-value if reverse else value, article_id]


def _blend(searcher: Searcher, hits: list[Hit], weight: float) -> dict[int, float]:
    """(1 - w) * relevance + w * freshness, both on 0..1; freshness decays from the newest match."""
    published = raw_column(searcher, schema.PUBLISHED)
    dated = column_values(searcher, schema.DATED)
    dates = [published[h.docnum] for h in hits if dated[h.docnum]]
    newest = max(dates) if dates else 0
    top = max((h.score or 0.0 for h in hits), default=0.0) or 1.0
    day = 86_400 * 1_000_000  # Whoosh's datetime numbers count microseconds
    blended = {}
    for hit in hits:
        age = (newest - published[hit.docnum]) / day if dated[hit.docnum] else math.inf
        freshness = math.exp(-age / RECENCY_DAYS)
        blended[hit.docnum] = (1 - weight) * (hit.score or 0.0) / top + weight * freshness
    return blended


def _stories(hits, clusters: list) -> list[Hit]:
    """The first hit of each story, in order."""
    seen, out = set(), []
    for hit in hits:
        if clusters[hit.docnum] not in seen:
            seen.add(clusters[hit.docnum])
            out.append(hit)
    return out


def plain_page(searcher: Searcher, q: query.Query, allowed: set[int] | None,
               request: SearchRequest, total: int, budget: Budget | None = None) -> Page:
    budget = budget or Budget(None)
    need = request.offset + request.page_size
    limit = need + need // 4 + 10  # copies of stories already listed take room
    clusters = column_values(searcher, schema.CLUSTER)
    while True:
        results = search_within(searcher, q, budget, limit=limit, allowed=allowed,
                                sortedby=sort_facets(request.sort))
        ordered = _stories(results, clusters) if request.collapse == "cluster" else list(results)
        if len(ordered) >= need or "results" in budget.cut \
                or results.scored_length() >= len(results):
            break
        limit *= 2
    hits = ordered[request.offset:need]
    keys = [key_of(searcher, request.sort, h.docnum, h.score) for h in hits]
    scores = {h.docnum: h.score for h in hits if h.score is not None}
    return Page(hits, keys, more=total > request.offset + len(hits), scores=scores)


def walked_page(searcher: Searcher, q: query.Query, allowed: set[int] | None,
                request: SearchRequest, after: list | None, budget: Budget | None = None) -> Page:
    """Order every match, then take the page after `after` (or at `offset`)."""
    budget = budget or Budget(None)
    results = search_within(searcher, q, budget, limit=None, allowed=allowed,
                            sortedby=sort_facets(request.sort))
    hits = list(results)
    scores = {h.docnum: h.score for h in hits if h.score is not None}
    if request.recency and request.sort == "relevance":
        scores = _blend(searcher, hits, request.recency)
    keyed = sorted(((key_of(searcher, request.sort, h.docnum, scores.get(h.docnum)), h)
                    for h in hits), key=lambda item: item[0])
    clusters = column_values(searcher, schema.CLUSTER)
    seen: set[str] = set()
    skip = 0 if after is not None else request.offset
    page: list[tuple[list, Hit]] = []
    for key, hit in keyed:
        cluster = clusters[hit.docnum] if request.collapse == "cluster" else hit.docnum
        if cluster in seen:
            continue
        seen.add(cluster)
        if after is not None and key <= after:
            continue
        if skip:
            skip -= 1
            continue
        if len(page) == request.page_size:
            return Page([h for _, h in page], [k for k, _ in page], more=True, scores=scores)
        page.append((key, hit))
    return Page([h for _, h in page], [k for k, _ in page], more=False, scores=scores)


def every_result(searcher: Searcher, q: query.Query, allowed: set[int] | None,
                 request: SearchRequest) -> Iterator[tuple[int, float | None]]:
    """Every result in page order, collapsed like `total`: (document number, score shown).

    For exports. Whoosh orders the matches once, here and now (its order is
    `key_of`'s: minus the score then the document number, or the sort facets);
    only document numbers and scores are kept, in compact arrays, never stored
    fields. The returned iterator walks them, skipping copies of shown stories.
    """
    results = searcher.search(q, limit=None, filter=allowed, sortedby=sort_facets(request.sort))
    relevance = request.sort == "relevance"
    if relevance and request.recency:
        blended = _blend(searcher, list(results), request.recency)
        docnums = array("q", sorted(blended, key=lambda docnum: (-blended[docnum], docnum)))
        scores = array("d", (blended[docnum] for docnum in docnums))
    else:
        docnums = array("q", (docnum for _key, docnum in results.top_n))
        scores = array("d", (key for key, _docnum in results.top_n)) if relevance else None
    del results
    clusters = column_values(searcher, schema.CLUSTER) if request.collapse == "cluster" else None
    return _walk(docnums, scores, clusters)


def _walk(docnums: array, scores: array | None,
          clusters: list | None) -> Iterator[tuple[int, float | None]]:
    seen: set[str] = set()
    for position, docnum in enumerate(docnums):
        if clusters is not None:
            if clusters[docnum] in seen:
                continue
            seen.add(clusters[docnum])
        yield docnum, scores[position] if scores is not None else None
