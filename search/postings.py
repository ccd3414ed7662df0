"""A term's postings as arrays: document numbers, BM25F parts and, for phrases, positions.

Whoosh hands postings out one at a time through matcher objects. Here each
term's posting list is read block by block as Whoosh 2.7 writes it (a pickled
tuple of ids, weights and encoded positions per block of up to 128), the ids'
deltas are summed and every posting's BM25F part is computed at once with
numpy, on Whoosh's own idf, average field length and encoded field lengths
(each segment's lengths read once, in one piece). Decoded lists are kept per
index state (search/state_cache.py), up to CACHE_POSTINGS postings.
This relies on whoosh-reloaded 2.7.5's block layout (pinned); the tests
compare every figure with Whoosh's own matchers, so a change shows at once.
"""
from __future__ import annotations

from itertools import chain

import numpy as np
from whoosh import columns
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.matching import ListMatcher
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from search.state_cache import cached

EMPTY_IDS = np.zeros(0, dtype=np.int64)
EMPTY_SCORES = np.zeros(0, dtype=np.float64)
# Decoded posting lists kept per index state, counted in postings (12 bytes each; a posting
# with its encoded positions counts four).
CACHE_POSTINGS = 2_000_000
_BYTE_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


class Unsupported(Exception):
    """A query node (or a posting list) the array path does not handle: Whoosh must."""


def _cache(searcher: Searcher) -> dict:
    return cached(searcher, "vectorized",
                  lambda: {"postings": {}, "size": 0, "lengths": {}, "live": None})


def leaves(searcher: Searcher) -> list[tuple[Searcher, int]]:
    """Each segment's searcher and the number of its first document."""
    return [(searcher, 0)] if searcher.is_atomic() else list(searcher.leaf_searchers())


def _raw_postings(reader, field: str, text: bytes,
                  with_values: bool) -> tuple[np.ndarray, np.ndarray, list | None]:
    """(segment document numbers, weights, encoded values or None) of one term in one
    segment, deleted documents included."""
    matcher = reader._terms.matcher(field, text, reader.schema[field].format)
    if isinstance(matcher, W3LeafMatcher):
        return _blocks(matcher, with_values)
    if isinstance(matcher, ListMatcher) or hasattr(matcher, "all_ids"):
        ids, weights, values = [], [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            if with_values:
                values.append(matcher.value())
            matcher.next()
        return (np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64),
                values if with_values else None)
    raise Unsupported(type(matcher).__name__)


def _blocks(matcher: W3LeafMatcher,
            with_values: bool) -> tuple[np.ndarray, np.ndarray, list | None]:
    """Every block of a term's postings, read as Whoosh 2.7 writes them: a pickled tuple of
    ids (each block's deltas from 0, unless stored as bytes), weights (None: all 1.0; one
    float: all the same; else one each) and values. The deltas are summed by numpy.
    Unpickling a block decodes its positions too, so a phrase asks for them in the same pass."""
    raw: list = []
    sizes: list[int] = []
    weights: list = []
    values: list | None = [] if with_values else None
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        ids, block_weights = matcher._data[0], matcher._data[1]
        size = matcher._blocklength
        raw.append(ids)
        sizes.append(size)
        if block_weights is None:
            weights.append(np.ones(size))
        elif isinstance(block_weights, float):
            weights.append(np.full(size, block_weights))
        else:
            weights.append(np.asarray(block_weights, dtype=np.float64))
        if values is not None:
            matcher._read_values()
            values.extend(matcher._values)
        matcher._next_block()
    if not raw:
        return EMPTY_IDS, EMPTY_SCORES, values
    ids = np.fromiter(chain.from_iterable(raw), dtype=np.int64, count=sum(sizes))
    if not matcher._byteids:
        totals = np.cumsum(ids)
        ends = np.cumsum(sizes)
        before = np.concatenate(([0], totals[ends[:-1] - 1]))  # each block restarts from 0
        ids = totals - np.repeat(before, sizes)
    return ids, np.concatenate(weights), values


def _remember(cache: dict, key, value, size: int) -> None:
    """Keep `value` (counted as `size` postings); past CACHE_POSTINGS, start afresh."""
    if cache["size"] + size > CACHE_POSTINGS:
        cache["postings"].clear()
        cache["size"] = 0
    cache["postings"][key] = value
    cache["size"] += size


def _lengths(searcher: Searcher, leaf: Searcher, field: str) -> np.ndarray:
    """Every document's encoded length of `field` in this segment, decoded as Whoosh does."""
    cache = _cache(searcher)["lengths"]
    key = (leaf.reader().segment().segment_id(), field)
    if key not in cache:
        perdoc = leaf.reader()._perdoc
        column = perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
        if column is None:
            cache[key] = np.ones(leaf.doc_count_all(), dtype=np.float64)
        else:
            cache[key] = _BYTE_LENGTHS[_length_bytes(column, leaf.doc_count_all())]
    return cache[key]


def _length_bytes(column, documents: int) -> np.ndarray:
    """A lengths column's bytes: one per document from its start, absent ones 0 (its default).
    Read in one piece; iterating the column costs a Python call per document."""
    if isinstance(column, columns.NumericColumn.Reader) and column._typecode == "B" \
            and column._default == 0:
        stored = np.frombuffer(column._dbfile.get(column._basepos, column._count),
                               dtype=np.uint8)
        out = np.zeros(documents, dtype=np.uint8)
        out[:min(len(stored), documents)] = stored[:documents]
        return out
    return np.fromiter(iter(column), dtype=np.uint8, count=documents)


def prepare(searcher: Searcher, fields: tuple[str, ...]) -> None:
    """Read every segment's lengths of `fields` now (a server worker's warm-up)."""
    live_mask(searcher)
    for leaf, _offset in leaves(searcher):
        for field in fields:
            if field in searcher.schema and searcher.schema[field].scorable:
                _lengths(searcher, leaf, field)


def live_mask(searcher: Searcher) -> np.ndarray | None:
    """False for deleted documents (global numbers), or None when none is deleted."""
    cache = _cache(searcher)
    if cache["live"] is None:
        reader = searcher.reader()
        if not reader.has_deletions():
            cache["live"] = False
        else:
            live = np.zeros(reader.doc_count_all(), dtype=bool)
            live[np.fromiter(reader.all_doc_ids(), dtype=np.int64)] = True
            cache["live"] = live
    return cache["live"] if cache["live"] is not False else None


def term_postings(searcher: Searcher, field: str, text: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(global document numbers, BM25F part without the query boost) of one term."""
    found = _cached_postings(searcher, field, text, with_values=False)
    return found[0], found[1]


def term_positions(searcher: Searcher, field: str,
                   text: bytes) -> tuple[np.ndarray, np.ndarray, list]:
    """`term_postings` and each posting's encoded positions, from the same decoding."""
    return _cached_postings(searcher, field, text, with_values=True)


def _cached_postings(searcher: Searcher, field: str, text: bytes, with_values: bool) -> tuple:
    cache = _cache(searcher)["postings"]
    found = cache.get((field, text, True))
    if found is None and not with_values:
        found = cache.get((field, text, False))
    if found is not None:
        return found
    weighting = searcher.weighting
    scorable = searcher.schema[field].scorable
    idf = searcher.idf(field, text)
    avgfl = searcher.avg_field_length(field) or 1
    parts_ids, parts_scores, values = [], [], []
    for leaf, offset in leaves(searcher):
        reader = leaf.reader()
        if (field, text) not in reader:
            continue
        ids, weights, leaf_values = _raw_postings(reader, field, text, with_values)
        if scorable:
            lengths = _lengths(searcher, leaf, field)[ids]
            b, k1 = weighting.B, weighting.K1
            scores = idf * ((weights * (k1 + 1)) / (weights + k1 * ((1 - b) + b * lengths / avgfl)))
        else:
            scores = weights
        parts_ids.append(ids + offset)
        parts_scores.append(scores)
        values.extend(leaf_values or ())
    if not parts_ids:
        found = (EMPTY_IDS, EMPTY_SCORES, [])
    else:
        docs, scores = np.concatenate(parts_ids), np.concatenate(parts_scores)
        live = live_mask(searcher)
        if live is not None:
            keep = live[docs]
            docs, scores = docs[keep], scores[keep]
            if with_values:
                values = [v for v, kept in zip(values, keep.tolist()) if kept]
        found = (docs, scores, values if with_values else None)
    _remember(_cache(searcher), (field, text, with_values), found,
              len(found[0]) * (4 if with_values else 1))
    return found


