"""The page of results from vectorized matches: the same order and keys as search/ordering.py.

search/vectorized.py gives every match and its score as arrays. Here they are
ordered by the request's sort key (minus the score then the document number;
or the date, undated last, then the article id), the best candidates first
picked with a partial sort, the cursor applied as an array comparison, and
syndicated copies skipped as ordering.walked_page does; a recency blend is
computed on the arrays as ordering does it on hits. The hits handed on look
like Whoosh's to the rest of the service: stored fields, score, matched terms.
"""
from __future__ import annotations

import math
from bisect import bisect_right

import numpy as np
from whoosh.searching import Searcher

from index import schema
from search.facets import cluster_codes, column_values
from search.ordering import RECENCY_DAYS, UNDATED, Page, key_of, raw_column
from search.request import SearchRequest
from search.state_cache import cached
from search.vectorized import Evaluation

_LAST = np.iinfo(np.int64).max  # UNDATED (2**63) as an int64: after every real date
_DATE_SORTS = {"newest": (schema.PUBLISHED, True), "oldest": (schema.PUBLISHED, False),
               "indexed": (schema.INDEXED, True)}


class VectorResults:
    """What a hit's highlighter asks of its results: the query, the searcher, matched terms."""

    def __init__(self, searcher: Searcher, q, evaluation: Evaluation) -> None:
        self.searcher, self.q, self.evaluation = searcher, q, evaluation

    def has_matched_terms(self) -> bool:
        return True


class VectorHit:
    def __init__(self, results: VectorResults, docnum: int, score: float | None) -> None:
        self.results, self.docnum, self.score = results, docnum, score

    def fields(self) -> dict:
        return self.results.searcher.stored_fields(self.docnum)

    def matched_terms(self) -> set[tuple[str, bytes]]:
        return self.results.evaluation.matched_terms(self.docnum)


def _id_ranks(searcher: Searcher) -> tuple[np.ndarray, list[str]]:
    """Each document's place in article-id order, and the ids in that order."""
    def build():
        ids = column_values(searcher, schema.ID)
        order = sorted(range(len(ids)), key=ids.__getitem__)
        ranks = np.empty(len(ids), dtype=np.int64)
        ranks[np.array(order, dtype=np.int64)] = np.arange(len(ids), dtype=np.int64)
        return ranks, [ids[doc] for doc in order]
    return cached(searcher, "ids", build)


def _date_keys(searcher: Searcher, sort: str) -> np.ndarray:
    """key_of's first part for a date sort, for every document."""
    def build() -> np.ndarray:
        field, reverse = _DATE_SORTS[sort]
        raw = np.array(raw_column(searcher, field), dtype=np.uint64)  # missing: 2**64 - 1
        dated = raw < np.uint64(_LAST)
        if field == schema.PUBLISHED:
            dated &= np.array([bool(d) for d in column_values(searcher, schema.DATED)])
        values = np.where(dated, raw, 0).astype(np.int64)
        return np.where(dated, -values if reverse else values, _LAST)
    return cached(searcher, f"dates:{sort}", build)


def blended(searcher: Searcher, docs: np.ndarray, scores: np.ndarray,
            weight: float) -> np.ndarray:
    """ordering._blend on arrays: (1 - w) * relevance + w * freshness, both on 0..1, freshness
    decaying from the newest match (the same figures: the exponent is math.exp's)."""
    if not len(docs):
        return scores
    dated = _dated(searcher)[docs]
    published = _published(searcher)[docs]
    newest = int(published[dated].max()) if dated.any() else 0
    top = float(scores.max()) or 1.0
    day = 86_400 * 1_000_000  # Whoosh's datetime numbers count microseconds
    freshness = np.array([math.exp(-((newest - int(value)) / day) / RECENCY_DAYS) if is_dated
                          else 0.0 for value, is_dated in zip(published.tolist(),
                                                              dated.tolist())])
    return (1 - weight) * scores / top + weight * freshness


def _dated(searcher: Searcher) -> np.ndarray:
    return cached(searcher, "dated", lambda: np.array(
        [bool(d) for d in column_values(searcher, schema.DATED)], dtype=bool))


def _published(searcher: Searcher) -> np.ndarray:
    """Raw publication numbers, 0 where there is none (only read where `_dated`)."""
    def build() -> np.ndarray:
        raw = np.array(raw_column(searcher, schema.PUBLISHED), dtype=np.uint64)
        return np.where(raw < np.uint64(_LAST), raw, 0).astype(np.int64)
    return cached(searcher, "published raw", build)


def count_stories(searcher: Searcher, docs: np.ndarray) -> int:
    if not len(docs):
        return 0
    return int(np.count_nonzero(np.bincount(cluster_codes(searcher)[docs])))


def _keys(searcher: Searcher, sort: str, docs: np.ndarray,
          scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first, second) sort key arrays, both ascending down the list."""
    if sort == "relevance":
        return -scores, docs
    return _date_keys(searcher, sort)[docs], _id_ranks(searcher)[0][docs]


def _after_mask(searcher: Searcher, sort: str, first: np.ndarray, second: np.ndarray,
                after: list) -> np.ndarray:
    """True for documents whose key comes after the cursor's key."""
    if sort == "relevance":
        bound_first, bound_second = float(after[0]), int(after[1])
    else:
        bound_first = _LAST if after[0] >= UNDATED else int(after[0])
        ordered_ids = _id_ranks(searcher)[1]
        # the ranks of ids greater than the cursor's id start at bisect_right
        bound_second = bisect_right(ordered_ids, str(after[1])) - 1
    return (first > bound_first) | ((first == bound_first) & (second > bound_second))


def _best(first: np.ndarray, second: np.ndarray, count: int) -> np.ndarray:
    """Positions of the `count` smallest keys (all ties at the boundary kept), in key order."""
    if count < len(first):
        bound = np.partition(first, count - 1)[count - 1]
        candidates = np.flatnonzero(first <= bound)
    else:
        candidates = np.arange(len(first))
    return candidates[np.lexsort((second[candidates], first[candidates]))]


def vector_page(searcher: Searcher, q, evaluation: Evaluation, docs: np.ndarray,
                scores: np.ndarray, request: SearchRequest, after: list | None) -> Page:
    """The requested page of `docs` (the matches left after filters), as ordering's Page."""
    relevance = request.sort == "relevance"
    first, second = _keys(searcher, request.sort, docs, scores)
    collapse = request.collapse == "cluster"
    clusters = cluster_codes(searcher) if collapse else None
    skip = request.offset
    if after is not None:
        later = _after_mask(searcher, request.sort, first, second, after)
        if collapse:  # a story already listed before the cursor stays listed there only
            earlier = np.unique(clusters[docs[~later]])
            later &= ~np.isin(clusters[docs], earlier)
        docs, scores, first, second = docs[later], scores[later], first[later], second[later]
        skip = 0
    need = skip + request.page_size
    limit = need + need // 4 + 10
    while True:
        order = _best(first, second, limit)
        picked = docs[order]
        if collapse:
            _, firsts = np.unique(clusters[picked], return_index=True)
            kept = order[np.sort(firsts)]
        else:
            kept = order
        if len(kept) >= need + 1 or len(order) >= len(docs):
            break
        limit *= 2
    page_positions = kept[skip:need]
    more = len(kept) > need
    results = VectorResults(searcher, q, evaluation)
    hits = [VectorHit(results, int(docs[p]), float(scores[p]) if relevance else None)
            for p in page_positions]
    keys = [key_of(searcher, request.sort, h.docnum, h.score) for h in hits]
    return Page(hits, keys, more=more, scores={h.docnum: h.score for h in hits if relevance})
