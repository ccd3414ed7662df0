"""Autocomplete: names, sources and headline words that start with what has been typed.

The vocabulary is read once per state of the index (its segments and their
deletions) into one sorted list of keys: each name once from the start of
each of its words ("vladimir putin", "putin"), so "put" finds Vladimir Putin
and "new y" New York, and each headline word. Keys are lower case and
unaccented, as typed prefixes are made, so one bisection finds every match
and the work per call grows with the number of matches, never with the
vocabulary. Every thread's searcher over the same commit shares it.

Counts are articles: for a name, those naming it (its facet column); for a
word, those with it in their headline. Headline words are the written forms
(body terms are stems, which nobody types), and counting headlines rather
than bodies ranks the words stories are about above "but" and "because".
"""
from __future__ import annotations

import heapq
import re
import time
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field

from whoosh.searching import Searcher
from whoosh.support.charset import accent_map

from index import schema
from index.errors import BadRequest
from search import facets
from search.state_cache import cached

MAX_PREFIX = 100  # characters: no name or word is longer; longer input is refused
MAX_LIMIT = 50
MIN_WORD_LENGTH = 3  # shorter words complete nothing useful
MIN_HEADLINES = 2  # a word in one headline only is mostly noise (a typo, a code)
EXAMINED_PER_RESULT = 4  # words passed over (stop words, other forms) per result, at most
SHORT_PREFIX = 2  # prefixes this short are answered once per vocabulary and remembered
NAME_KINDS = (("person", schema.PEOPLE), ("organization", schema.ORGANIZATIONS),
              ("place", schema.PLACES))
_WORDS = re.compile(r"\w+")
_LAST = "\U0010ffff"  # sorts after every character: key + _LAST bounds the keys with that prefix


@dataclass(frozen=True)
class Entry:
    value: str
    kind: str  # person, organization, place, source or term
    count: int

    @property
    def rank(self) -> tuple:
        """Best first: more articles, then the shorter value, then A to Z."""
        return (-self.count, len(self.value), self.value)


@dataclass(frozen=True)
class Vocabulary:
    keys: list[str]  # sorted
    entries: list[int]  # entries[i]: the index in `items` of the entry keys[i] leads to
    items: list[Entry]
    word_analyzer: object  # the archive's main text analyzer: stop words and word forms
    build_ms: float
    short: dict[str, list[Entry]] = field(default_factory=dict)  # answers to 1-2 letters


def suggest(searcher: Searcher, prefix: str, limit: int = 10) -> list[dict]:
    """Up to `limit` {value, kind, count} whose value, or a word of it, starts with `prefix`.

    Case and accents never matter; a trailing space ("new ") asks for a name's next
    word. A headline word that is a stop word, or another form of a word already
    listed ("banks" after "bank"), is left out.
    """
    if len(prefix) > MAX_PREFIX:
        raise BadRequest(f"q must be at most {MAX_PREFIX} characters for suggestions "
                         f"(got {len(prefix)})", param="q")
    if not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(f"limit must be between 1 and {MAX_LIMIT} (got {limit})",
                         param="limit")
    key = fold(prefix)
    if not key:
        return []
    if prefix[-1].isspace():
        key += " "
    vocabulary = vocabulary_of(searcher)
    if len(key) > SHORT_PREFIX:
        return _distinct(_best(vocabulary, key, limit), limit, vocabulary.word_analyzer)
    # One or two letters match a large share of the vocabulary: answer them once.
    remembered = vocabulary.short.get(key)
    if remembered is None:  # kept for the largest limit, so it serves every limit
        remembered = vocabulary.short[key] = _best(vocabulary, key, MAX_LIMIT)
    return _distinct(remembered, limit, vocabulary.word_analyzer)


def _best(vocabulary: Vocabulary, key: str, limit: int) -> list[Entry]:
    """The entries that have a key starting with `key`, best first, enough to fill `limit`."""
    low = bisect_left(vocabulary.keys, key)
    high = bisect_left(vocabulary.keys, key + _LAST, low)
    matched = {vocabulary.entries[i] for i in range(low, high)}
    return heapq.nsmallest(limit * EXAMINED_PER_RESULT, (vocabulary.items[i] for i in matched),
                           key=lambda entry: entry.rank)


def fold(text: str) -> str:
    """Lower case, accents off, words joined by one space: how keys and prefixes compare."""
    text = text.casefold()
    if not text.isascii():  # translating every character is the slow part; most names are ASCII
        text = text.translate(accent_map)
    return " ".join(_WORDS.findall(text))


def vocabulary_of(searcher: Searcher) -> Vocabulary:
    """The vocabulary of the searcher's index state, built by the first thread that asks."""
    return cached(searcher, "vocabulary", lambda: build_vocabulary(searcher))


def build_vocabulary(searcher: Searcher) -> Vocabulary:
    started = time.perf_counter()
    items = _names(searcher) + _headline_words(searcher)
    keys, entries = [], []
    for index, entry in enumerate(items):
        if entry.kind == "term":  # already one word, lower case and unaccented, as indexed
            keys.append(entry.value)
            entries.append(index)
            continue
        words = fold(entry.value).split(" ")
        for start in range(len(words)):
            keys.append(" ".join(words[start:]))
            entries.append(index)
    order = sorted(range(len(keys)), key=keys.__getitem__)
    return Vocabulary([keys[i] for i in order], [entries[i] for i in order], items,
                      _main_analyzer(searcher),
                      round((time.perf_counter() - started) * 1000, 1))


def _names(searcher: Searcher) -> list[Entry]:
    """People, organisations, places and sources, each with the number of articles naming it."""
    live = list(searcher.reader().all_doc_ids())  # a deleted document keeps its column values
    out = []
    for kind, name_field in NAME_KINDS:
        values = facets.column_values(searcher, schema.FACET_COLUMNS[name_field])
        counts = Counter(name for doc in live for name in set(values[doc]))
        out.extend(Entry(name, kind, count) for name, count in counts.items() if name.strip())
    sources = facets.column_values(searcher, schema.SOURCE)
    counts = Counter(sources[doc] for doc in live if sources[doc])
    out.extend(Entry(name, "source", count) for name, count in counts.items() if name.strip())
    return out


def _headline_words(searcher: Searcher) -> list[Entry]:
    """Words of at least MIN_HEADLINES headlines, each with its number of headlines."""
    out = []
    for term, info in searcher.reader().iter_field(schema.TITLE_EXACT):
        count = info.doc_frequency()
        word = term.decode("utf-8")
        if count >= MIN_HEADLINES and len(word) >= MIN_WORD_LENGTH and word.isalpha():
            out.append(Entry(word, "term", count))
    return out


def _main_analyzer(searcher: Searcher):
    """The analyzer of the title field holding the most text: the archive's main language."""
    reader = searcher.reader()
    main = max(schema.TITLE_FIELDS.values(), key=reader.field_length)
    return reader.schema[main].analyzer


def _distinct(best: list[Entry], limit: int, analyzer) -> list[dict]:
    """The entries as dicts, best first, leaving out a headline word that is a stop word,
    another form of a word listed above it ("banks" after "bank"), or a name listed above
    it ("japan" after Japan, "volcker" after Paul Volcker)."""
    names: set[str] = set()
    forms: set[str] = set()
    out = []
    for entry in best:
        if entry.kind == "term":
            stems = [token.text for token in analyzer(entry.value, mode="query")]
            if not stems or stems[0] in forms or entry.value in names:
                continue
            forms.add(stems[0])
        else:
            words = fold(entry.value).split(" ")
            names.update((" ".join(words), words[-1]) if entry.kind == "person"
                         else (" ".join(words),))
        out.append({"value": entry.value, "kind": entry.kind, "count": entry.count})
        if len(out) == limit:
            break
    return out
