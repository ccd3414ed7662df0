"""Syndicated copies: articles whose bodies are near-identical share a cluster id.

Each body becomes a bottom-k MinHash sketch: the K smallest 32-bit hashes of
its word 4-shingles (one hash function, so it is cheap enough to run on
every article). Two sketches estimate the Jaccard similarity of the shingle
sets; above THRESHOLD the later article joins the earlier one's cluster.
Candidates are found through an LSH-style table keyed by each sketch's BANDS
smallest hashes: two bodies that are at least THRESHOLD alike share their
minimum hash with at least that probability, so they almost surely share one
of the first few. The cluster id is the id of the first article seen with
the text, so it is stable across rebuilds of the same input.
"""
from __future__ import annotations

import heapq
import re
import unicodedata
import zlib
from collections import defaultdict

K = 48
BANDS = 6
SHINGLE = 4
THRESHOLD = 0.75
MIN_WORDS = 30  # below this, only an exact copy of the text counts as the same story
# A hash that is among the smallest of this many bodies belongs to a shared phrase
# (a wire's sign-off, a table heading), not to one story: it finds no candidates.
MAX_BUCKET = 40

_WORD = re.compile(r"\w+")


def sketch(body: str) -> tuple[int, ...]:
    """The bottom-K sketch of a body; for a short body one hash of its whole text; () if empty."""
    words = _WORD.findall(unicodedata.normalize("NFKC", body).casefold())
    if not words:
        return ()
    if len(words) < MIN_WORDS:
        return (zlib.crc32(("\x00" + " ".join(words)).encode("utf-8")),)
    hashes = {zlib.crc32(" ".join(words[i:i + SHINGLE]).encode("utf-8"))
              for i in range(len(words) - SHINGLE + 1)}
    return tuple(heapq.nsmallest(K, hashes))


def similarity(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """Estimated Jaccard similarity of the two shingle sets behind two sketches."""
    if not a or not b:
        return 0.0
    union = heapq.nsmallest(K, set(a) | set(b))
    shared = set(a) & set(b)
    return sum(1 for h in union if h in shared) / len(union)


class Clusterer:
    """Assigns cluster ids to articles as they stream past, in input order."""

    def __init__(self) -> None:
        self._table: dict[int, list[int]] = defaultdict(list)
        self._sketches: list[tuple[int, ...]] = []
        self._clusters: list[str] = []

    def add(self, article_id: str, body_sketch: tuple[int, ...],
            cluster: str | None = None) -> str:
        """Record an article and return its cluster id (its own id when it has no copy seen yet).

        `cluster` is given when the article is already indexed with one (incremental runs).
        """
        if cluster is None:
            cluster = self._match(body_sketch) or article_id
        if body_sketch:
            index = len(self._sketches)
            self._sketches.append(body_sketch)
            self._clusters.append(cluster)
            for key in body_sketch[:BANDS]:
                bucket = self._table[key]
                if len(bucket) <= MAX_BUCKET:
                    bucket.append(index)
        return cluster

    def _match(self, body_sketch: tuple[int, ...]) -> str | None:
        if not body_sketch:
            return None
        candidates = {i for key in body_sketch[:BANDS]
                      for i in self._table.get(key, ()) if len(self._table[key]) <= MAX_BUCKET}
        best, best_score = None, THRESHOLD
        for index in sorted(candidates):
            score = similarity(body_sketch, self._sketches[index])
            if score >= best_score and (best is None or score > best_score):
                best, best_score = self._clusters[index], score
        return best


def encode(body_sketch: tuple[int, ...]) -> bytes:
    """Sketch -> bytes for the index column (4 bytes a hash)."""
    return b"".join(h.to_bytes(4, "big") for h in body_sketch)


def decode(data: bytes) -> tuple[int, ...]:
    return tuple(int.from_bytes(data[i:i + 4], "big") for i in range(0, len(data), 4))
