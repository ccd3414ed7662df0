"""Queries scored over whole posting lists with numpy: Whoosh's BM25F numbers, in bulk.

Whoosh scores a match by walking a tree of matcher objects one posting at a
time, in Python: for a common word searched in four fields that is tens of
thousands of method calls per query, done twice (once to count, once to rank).
Here the query tree is evaluated on arrays instead (search/postings.py): terms,
AND, OR (with Whoosh's coordination bonus for sentences), NOT (in an AND, or
alone), AND MAYBE,
phrases (positions checked as Whoosh's SpanNear2 does), date and filter sets,
feedback's preloaded OR, and wildcards, fuzzy words and ranges once expanded
(search/expansion.py). Every match is scored, so there is no block
skipping and no early stop to get wrong. Any other node makes `evaluate`
return None and the query goes Whoosh's way.
Scores equal Whoosh's up to float rounding in the order of additions;
tests/test_fast_paths.py compares match sets, scores and orders with Whoosh's.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from whoosh import query
from whoosh.query.compound import PreloadedOr
from whoosh.searching import Searcher

from index.errors import BadRequest
from search import docsets
from search.docsets import DocSet
from search.expansion import Expanded
from search.postings import (EMPTY_IDS, EMPTY_SCORES, Unsupported, leaves, live_mask,
                             term_positions, term_postings)



@dataclass(frozen=True)
class Scored:
    """Matching documents (global numbers, ascending, unique) and each one's score."""

    docs: np.ndarray
    scores: np.ndarray


@dataclass(frozen=True)
class _Leaf:
    """A Term node's postings with their scores: kept to tell which terms a hit matched."""

    field: str
    text: bytes
    docs: np.ndarray



def _union(parts: list[Scored]) -> Scored:
    parts = [p for p in parts if len(p.docs)]
    if not parts:
        return Scored(EMPTY_IDS, EMPTY_SCORES)
    if len(parts) == 1:
        return parts[0]
    docs, where = np.unique(np.concatenate([p.docs for p in parts]), return_inverse=True)
    scores = np.bincount(where, weights=np.concatenate([p.scores for p in parts]),
                         minlength=len(docs))
    return Scored(docs, scores)


def _intersection(parts: list[Scored], keep_order: bool = False) -> Scored:
    if not keep_order:
        parts = sorted(parts, key=lambda p: len(p.docs))  # rarest first: each step only shrinks
    result = parts[0]
    for part in parts[1:]:
        docs, mine, theirs = np.intersect1d(result.docs, part.docs, assume_unique=True,
                                            return_indices=True)
        result = Scored(docs, result.scores[mine] + part.scores[theirs])
        if not len(docs):
            break
    return result


def _maybe(required: Scored, optional: Scored) -> Scored:
    """AND MAYBE: the required side's matches, with the optional side's score where it matches."""
    _, mine, theirs = np.intersect1d(required.docs, optional.docs, assume_unique=True,
                                     return_indices=True)
    scores = required.scores.copy()
    scores[mine] += optional.scores[theirs]
    return Scored(required.docs, scores)


def _in_leaf(leaf: Searcher, term: query.Term) -> bool:
    """Whether Whoosh would give this term a matcher in this segment (not a NullMatcher)."""
    field = leaf.schema[term.fieldname] if term.fieldname in leaf.schema else None
    if field is None:
        return False
    try:
        return (term.fieldname, field.to_bytes(term.text)) in leaf.reader()
    except ValueError:
        return False


def _without(positive: Scored, negative: Scored) -> Scored:
    keep = ~np.isin(positive.docs, negative.docs, assume_unique=True)
    return Scored(positive.docs[keep], positive.scores[keep])


def _every(searcher: Searcher, boost: float) -> Scored:
    docs = np.arange(searcher.doc_count_all(), dtype=np.int64)
    live = live_mask(searcher)
    if live is not None:
        docs = docs[live]
    return Scored(docs, np.full(len(docs), float(boost)))


class _Evaluator:
    def __init__(self, searcher: Searcher, budget=None) -> None:
        self.searcher = searcher
        self.budget = budget  # a search.limits.Budget (not imported: limits imports this)
        self.leaves: list[_Leaf] = []

    def run(self, node: query.Query, positive: bool = True) -> Scored:
        if isinstance(node, query.Term):
            return self._term(node, positive)
        if type(node) is query.Phrase:
            return self._phrase(node, positive)
        if isinstance(node, Expanded):
            return self._expanded(node, positive)
        if isinstance(node, DocSet):
            docs = np.array(sorted(node.members), dtype=np.int64)
            return Scored(docs, np.zeros(len(docs)))
        if type(node) is query.Every and node.fieldname is None:
            return _every(self.searcher, node.boost)
        if node is query.NullQuery or isinstance(node, query.NullQuery.__class__):
            return Scored(EMPTY_IDS, EMPTY_SCORES)
        if type(node) is query.AndNot:
            return self._boosted(node, _without(self.run(node.a, positive),
                                                self.run(node.b, False)))
        if type(node) is query.And:
            positives = [c for c in node.subqueries if not isinstance(c, query.Not)]
            negatives = [c.query for c in node.subqueries if isinstance(c, query.Not)]
            if not positives:
                raise Unsupported("a NOT alone")
            result = _intersection([self.run(c, positive) for c in positives])
            for negative in negatives:
                # Whoosh matches a NOT inside AND with an InverseMatcher scoring 1.0 a document.
                result = _without(result, self.run(negative, False))
                result = Scored(result.docs, result.scores + 1.0)
            return self._boosted(node, result)
        if getattr(node, "unmarked", False):  # feedback's added words: scored, never marked
            return self.run(node.child, False)
        if isinstance(node, query.AndMaybe):
            return self._boosted(node, _maybe(self.run(node.a, positive),
                                              self.run(node.b, positive)))
        if isinstance(node, PreloadedOr) or (type(node) is query.Or and not node.scale
                                             and not node.minmatch):
            return self._boosted(node, _union([self.run(c, positive) for c in node.subqueries]))
        if type(node) is query.Or and not node.minmatch \
                and all(type(c) is query.Term for c in node.subqueries):
            return self._coordinated(node, positive)
        raise Unsupported(type(node).__name__)

    def _coordinated(self, node: query.Or, positive: bool) -> Scored:
        """An OR with Whoosh's coordination bonus (CoordMatcher's "SQR"): the boosted sum,
        plus (matching terms - 1) / (terms - scale)^2, times (terms - 1) / terms, where
        `terms` counts the OR's terms present in the document's own segment."""
        parts = [self.run(child, positive) for child in node.subqueries]
        union = _union(parts)
        if not len(union.docs):
            return union
        every = np.concatenate([part.docs for part in parts])
        matching = np.bincount(np.searchsorted(union.docs, every), minlength=len(union.docs))
        terms = np.zeros(len(union.docs))
        for leaf, offset in leaves(self.searcher):
            present = sum(1 for child in node.subqueries if _in_leaf(leaf, child))
            inside = (union.docs >= offset) & (union.docs < offset + leaf.doc_count_all())
            terms[inside] = present
        scale = node.scale
        total = union.scores * node.boost if node.boost != 1.0 else union.scores
        with np.errstate(divide="ignore", invalid="ignore"):
            bonus = (total + (matching - 1) / (terms - scale) ** 2) * ((terms - 1) / terms)
        return Scored(union.docs, np.where((terms == 0) | (terms == scale), 0.0, bonus))

    def _expanded(self, node: Expanded, positive: bool) -> Scored:
        """The OR of the words' Terms, times the node's boost (as Expanded.matcher).

        Reading a word's postings costs about a millisecond when they are not cached yet,
        so a wildcard's thousand words stop where they got once the budget is spent: the
        matches (and the page among them) are then those of the words read. Under a NOT
        fewer words would let through what the query excludes, so there the query is
        refused instead (400: the query itself is the problem, as for a look-up).
        """
        parts = []
        for word in node.words:
            parts.append(self._term(query.Term(node.fieldname, word), positive))
            if self.budget is not None and self.budget.expired():
                if not positive:
                    raise BadRequest(f"the words {node} excludes take longer to read than "
                                     "a search's time budget allows: make it more specific",
                                     param="q", position=node.startchar)
                self.budget.mark("total")
                self.budget.mark("results")
                break
        return self._boosted(node, _union(parts))

    def _boosted(self, node: query.Query, scored: Scored) -> Scored:
        boost = getattr(node, "boost", 1.0)
        return scored if boost == 1.0 else Scored(scored.docs, scored.scores * boost)

    def _term(self, node: query.Term, positive: bool) -> Scored:
        schema = self.searcher.schema
        if node.fieldname not in schema:
            return Scored(EMPTY_IDS, EMPTY_SCORES)
        try:
            text = schema[node.fieldname].to_bytes(node.text)
        except ValueError:
            return Scored(EMPTY_IDS, EMPTY_SCORES)
        docs, scores = term_postings(self.searcher, node.fieldname, text)
        if positive:
            self.leaves.append(_Leaf(node.fieldname, text, docs))
        return Scored(docs, scores * node.boost if node.boost != 1.0 else scores)


    def _phrase(self, node: query.Phrase, positive: bool) -> Scored:
        """The words' intersection (scores added, as Whoosh's SpanNear2 does), kept where
        the positions follow each other within the slop."""
        schema = self.searcher.schema
        field = schema[node.fieldname] if node.fieldname in schema else None
        if field is None or not field.format or not field.format.supports("positions"):
            raise Unsupported("a phrase Whoosh refuses")
        try:
            words = [field.to_bytes(word) for word in node.words]
        except ValueError:
            return Scored(EMPTY_IDS, EMPTY_SCORES)
        reader = self.searcher.reader()
        if not words or any((node.fieldname, word) not in reader for word in words):
            return Scored(EMPTY_IDS, EMPTY_SCORES)
        postings = [term_positions(self.searcher, node.fieldname, word) for word in words]
        together = _intersection([Scored(p[0], p[1]) for p in postings], keep_order=True)
        if not len(together.docs):
            return together
        found = [np.searchsorted(p[0], together.docs) for p in postings]
        values = [p[2] for p in postings]
        decode = field.format.decode_positions
        keep = np.fromiter(
            (_in_sequence([decode(values[w][found[w][i]]) for w in range(len(words))],
                          node.slop)
             for i in range(len(together.docs))), dtype=bool, count=len(together.docs))
        docs = together.docs[keep]
        if positive:
            self.leaves.extend(_Leaf(node.fieldname, word, docs) for word in words)
        scores = together.scores[keep]
        return Scored(docs, scores * node.boost if node.boost != 1.0 else scores)


def _in_sequence(positions: list[list[int]], slop: int) -> bool:
    """Whoosh's SpanNear2 (ordered, mindist 1): each word 1..slop positions after the
    span so far, which then grows to take it in."""
    spans = {(pos, pos) for pos in positions[0]}
    for following in positions[1:]:
        grown = set()
        for start, end in spans:
            for pos in following:
                if pos < start:
                    continue
                if pos > end + slop:
                    break
                if start <= pos <= end:  # overlapping: distance 0, below mindist
                    continue
                if 1 <= pos - end <= slop:
                    grown.add((start, max(end, pos)))
        if not grown:
            return False
        spans = grown
    return True


@dataclass
class Evaluation:
    scored: Scored
    leaves: list[_Leaf]

    def matched_terms(self, docnum: int) -> set[tuple[str, bytes]]:
        """The (field, term) pairs of the query this document matched, as Whoosh's hit says."""
        out = set()
        for leaf in self.leaves:
            at = np.searchsorted(leaf.docs, docnum)
            if at < len(leaf.docs) and leaf.docs[at] == docnum:
                out.add((leaf.field, leaf.text))
        return out


def evaluate(searcher: Searcher, q: query.Query, budget=None) -> Evaluation | None:
    """Every match of `q` with its score, or None when Whoosh has to do it.

    With a `budget` (search.limits.Budget), expanded words stop being read once it is
    spent, and it says so ("total" and "results" cut)."""
    evaluator = _Evaluator(searcher, budget)
    try:
        if type(q) is query.Not:  # alone: as Whoosh's InverseMatcher, every other doc at 1.0
            scored = _without(_every(searcher, 1.0), evaluator.run(q.query, False))
        else:
            scored = evaluator.run(q)
    except Unsupported:
        return None
    return Evaluation(scored, evaluator.leaves)


def among(scored: Scored, allowed: set[int] | None) -> Scored:
    """The matches that are also among `allowed` (the request's filters), scores kept."""
    if allowed is None:
        return scored
    keep = np.isin(scored.docs, np.fromiter(allowed, dtype=np.int64, count=len(allowed)))
    return Scored(scored.docs[keep], scored.scores[keep])


def matching(searcher: Searcher, q: query.Query) -> set[int]:
    """Every document `q` matches, unscored: from posting arrays when it can be."""
    evaluation = evaluate(searcher, q)
    if evaluation is None:
        return docsets.matching(searcher, q)
    return set(evaluation.scored.docs.tolist())
