"""Wildcards, fuzzy words and ranges, expanded into the index words they match once per search.

Whoosh expands such a node (`putin*`, `kursk~1`, `title:[a TO c]`) again every
time it estimates a size or builds a matcher: three or four times a search,
and for a fuzzy word each time a walk of the field's whole word list with a
Levenshtein automaton (half a second per field on the small test index,
growing with the vocabulary). None of that looks at the clock, so the time
budget could not bound it. Here each node is expanded once, the words are
counted against the limits (per word as typed, and for the whole query), and
the node is replaced by `Expanded`, which holds its words: Whoosh scores it as
the node it stands for (an OR of those words) and search/vectorized.py scores
it from posting arrays, so it no longer sends the search down Whoosh's
matcher-by-matcher path. A fuzzy word keeps its first letter (as spelling
suggestions do: most typos keep it), so its automaton walks one letter's
words instead of all of them; `word~2/N` keeps N letters.
"""
from __future__ import annotations

import copy
from itertools import islice

from whoosh import query
from whoosh.matching import NullMatcher
from whoosh.query.compound import BinaryQuery, CompoundQuery
from whoosh.reading import IndexReader

from index.errors import BadRequest

MAX_EDIT_DISTANCE = 2
FUZZY_PREFIX = 1  # letters a fuzzy word keeps unless `~N/M` asks for more
QUERY_EXPANSIONS = 2  # the whole query may expand to this many times max_terms words


class Expanded(query.MultiTerm):
    """A wildcard, fuzzy word or range with the index words it matches, found once.

    It is a MultiTerm like the node it replaces, so everything that treats those
    specially (snippet marks, explain, the term count) treats it the same; it
    prints as that node, so `parsed` reads as the user typed it. It scores as the
    OR of its words, each a word's BM25F, times the node's boost: what Whoosh does
    for a MultiTerm on an index of more than 5,000 documents. (On a smaller one
    Whoosh preloads the OR unscored and gives every match 1.0, and a single word
    loses the boost, so a wildcard used to rank differently by archive size.)
    """

    def __init__(self, original: query.MultiTerm, words: tuple[bytes, ...]) -> None:
        self.original, self.words = original, words
        self.fieldname, self.boost = original.field(), original.boost
        self.text = getattr(original, "text", "")
        self.constantscore = getattr(original, "constantscore", True)
        self.startchar = getattr(original, "startchar", None)
        self.endchar = getattr(original, "endchar", None)

    def _btexts(self, ixreader: IndexReader):
        return iter(self.words)

    def matcher(self, searcher, context=None):
        terms = [query.Term(self.fieldname, word, boost=self.boost) for word in self.words]
        if not terms:
            return NullMatcher()
        return terms[0].matcher(searcher, context) if len(terms) == 1 \
            else query.Or(terms).matcher(searcher, context)

    def has_terms(self) -> bool:
        return self.original.has_terms()

    def terms(self, phrases: bool = False):
        return self.original.terms(phrases=phrases)

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.original == self.original \
            and other.words == self.words

    def __hash__(self) -> int:
        return hash((self.original, self.words))

    def __unicode__(self) -> str:
        return str(self.original)

    __str__ = __unicode__

    def __repr__(self) -> str:
        return f"Expanded({self.original!r}, {len(self.words)} words)"


def _refuse(message: str, node: query.Query) -> BadRequest:
    return BadRequest(message, param="q", position=getattr(node, "startchar", None))


def _words(node: query.MultiTerm, reader: IndexReader, max_terms: int,
           budget=None) -> tuple[bytes, ...]:
    """The node's index words, at most `max_terms`, or BadRequest saying why it is refused."""
    text = getattr(node, "text", "")
    if isinstance(node, query.FuzzyTerm):
        if node.maxdist > MAX_EDIT_DISTANCE:
            raise _refuse(f"{text}~{node.maxdist}: at most {MAX_EDIT_DISTANCE} letters may "
                          "differ in a fuzzy word", node)
        if node.prefixlength < FUZZY_PREFIX:
            node = query.FuzzyTerm(node.fieldname, node.text, boost=node.boost,
                                   maxdist=node.maxdist, prefixlength=FUZZY_PREFIX,
                                   constantscore=node.constantscore)
    elif isinstance(node, query.Wildcard) and text[:1] in ("*", "?"):
        raise _refuse(f"a wildcard may not start a word ({text!r}): give at least one letter "
                      "first, as in putin*", node)
    field = reader.schema[node.fieldname] if node.fieldname in reader.schema else None
    if field is None:
        return ()
    words = []
    for word in islice(node._btexts(reader), max_terms + 1):
        if word:
            words.append(word if isinstance(word, bytes) else field.to_bytes(word))
        if budget is not None and budget.expired():
            raise _refuse(f"looking up the words {text or node}, {len(words)} so far, took the "
                          "whole time budget of a search: make the query's wildcards and fuzzy "
                          "words longer, or use fewer of them", node)
    if len(words) > max_terms:
        shown = text or str(node)
        raise _refuse(f"{shown!r} matches more than {max_terms:,} different words; "
                      "make it more specific", node)
    return tuple(words)


def expand(q: query.Query, reader: IndexReader, max_terms: int, budget=None) -> query.Query:
    """`q` with every wildcard, fuzzy word and range replaced by `Expanded`.

    BadRequest when one of them matches more than `max_terms` words, or all of them
    together more than QUERY_EXPANSIONS times that (each field a word is searched in
    counts: those are the postings read), or when looking them up spends the whole
    `budget` (a search.limits.Budget): a fuzzy word's walk through the word list
    costs tens of milliseconds per field even with its first letter kept, and a
    query of twenty of them would not be answered in time at all.
    """
    total = 0

    def replace(node: query.Query) -> query.Query:
        nonlocal total
        if isinstance(node, query.MultiTerm) and not isinstance(node, (query.Every, Expanded)):
            words = _words(node, reader, max_terms, budget)
            total += len(words)
            if total > QUERY_EXPANSIONS * max_terms:
                raise _refuse(f"the wildcards and fuzzy words of this query match more than "
                              f"{QUERY_EXPANSIONS * max_terms:,} different words together; "
                              "make them more specific or use fewer", node)
            return Expanded(node, words)
        if not any(isinstance(leaf, query.MultiTerm) for leaf in node.leaves()):
            return node
        if isinstance(node, CompoundQuery) and not isinstance(node, BinaryQuery):
            # a copy, not apply(): it keeps an OR's coordination bonus (`scale`)
            changed = copy.copy(node)
            changed.subqueries = [replace(child) for child in node.subqueries]
            return changed
        return node.apply(replace)

    return replace(q)
