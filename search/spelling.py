"""Did-you-mean: a better spelling for a query word the archive hardly knows.

A word is worth correcting when the fields it is searched in hold it in
fewer than RARE documents and a word a letter or two away is held in many
times more (`volckr` -> `volcker`). Candidates must be words people write:
body and title terms are stems (`govern`, `compani`), so neighbours are
taken from the unstemmed fields (headline words, the words of every name,
quoted words), then weighed by how many documents the *searched* fields
hold them in, analysed as those fields analyse them (`person:volckr` is
weighed in people's names, `volckr` in headlines, bodies and names).
Between equally close neighbours, the one found most often with the query's
other words wins ("ivory caost": coast, where "caost" alone gives cost).

Neighbours come from Whoosh's Levenshtein automaton walked over each
segment's sorted word list (read once per segment: a segment never changes),
sharing the first letter, as most typos do: a few dozen bisections per word,
never a scan of the vocabulary, 1-5 ms per misspelled word on the 21,578
Reuters stories and a tenth of a millisecond for a query with no rare word.
A word that is never in a headline, a name or a quotation is not offered.
"""
from __future__ import annotations

import threading
from bisect import bisect_left
from collections import OrderedDict
from functools import lru_cache
from itertools import islice

from whoosh import fields, query
from whoosh.automata.fsa import DFA, find_all_matches
from whoosh.automata.lev import levenshtein_automaton
from whoosh.reading import IndexReader
from whoosh.searching import Searcher
from whoosh.support.levenshtein import damerau_levenshtein

from index import schema

MIN_LENGTH = 4  # shorter words have too many neighbours one letter away to guess from
RARE = 3  # a word held in fewer documents than this may be a typo
RATIO = 10  # ... when a neighbour is held in this many times more documents
LONG_WORD = 8  # words this long may have two letters wrong, shorter ones one
MAX_WORDS = 10  # words of one query examined, at most
MAX_NEIGHBOURS = 64  # neighbours weighed per word, at most
MAX_CONTEXT_CHECKS = 4  # equally close neighbours checked against the rest of the query
MAX_SEGMENTS = 64  # segments whose word lists are kept (an index has a handful)
# Where written forms of words come from: unstemmed headlines, names and quotations.
SURFACE_FIELDS = (schema.TITLE_EXACT, schema.ACTORS, schema.QUOTE)
_segment_words: OrderedDict[str, list[str]] = OrderedDict()
_lock = threading.Lock()


def suggest_query(searcher: Searcher, text: str, parsed_query: query.Query) -> str | None:
    """`text` with its rare words replaced by much more frequent neighbours, or None.

    Everything but the replaced words stays as typed (scopes, quotes, operators).
    Words inside phrases, wildcards and fuzzy words (`cocoa~`) are left alone.
    """
    reader = searcher.reader()
    words = dict(islice(_query_words(searcher, parsed_query).items(), MAX_WORDS))
    held = {place: max(reader.doc_frequency(field, term) for field, term in terms)
            for place, terms in words.items()}
    replacements = []
    for place, terms in words.items():
        if held[place] >= RARE:
            continue
        # The query's well-known words tell "ivory caost" (coast) from "caost" (cost).
        context = [_widest(reader, others) for other, others in words.items()
                   if other != place and held[other] >= RARE]
        better = better_word(searcher, text[place[0]:place[1]], terms, held[place], context)
        if better is not None:
            replacements.append((*place, better))
    if not replacements:
        return None
    for start, end, better in sorted(replacements, reverse=True):  # splice from the end
        text = text[:start] + better + text[end:]
    return text


def better_word(searcher: Searcher, word: str, terms: list[tuple[str, str]], held: int,
                context: list[query.Term]) -> str | None:
    """A much more frequent neighbour of `word`, which is searched as `terms` [(field,
    analysed)] and held in `held` documents; among equally close ones, the one found
    most often with the `context` queries, then the most frequent."""
    reader = searcher.reader()
    written = _normalise(reader, word)
    if written is None or len(written) < MIN_LENGTH or not written.isalpha():
        return None
    searched = [field for field, _ in terms]
    # Two wrong letters only for long words, and only when one finds nothing: the
    # distance-2 automaton costs ten times the distance-1 one to build.
    for maxdist in ((1, 2) if len(written) >= LONG_WORD else (1,)):
        found = []  # (distance, -documents, neighbour)
        for neighbour in islice(_neighbours(reader, written, maxdist), MAX_NEIGHBOURS):
            documents = _documents(reader, neighbour, searched)
            if documents >= max(1, RATIO * held):
                found.append((damerau_levenshtein(written, neighbour), -documents, neighbour))
        if found:
            return _like(word, _closest(searcher, sorted(found), searched, context))
    return None


def _closest(searcher: Searcher, found: list[tuple[int, int, str]], searched: list[str],
             context: list[query.Term]) -> str:
    """The best of the closest neighbours: together with the context most, then most frequent."""
    nearest = [neighbour for distance, _, neighbour in found if distance == found[0][0]]
    if len(nearest) == 1 or not context:
        return nearest[0]
    reader = searcher.reader()

    def together(neighbour: str) -> int:
        terms = [(field, token) for field in searched
                 for token in reader.schema[field].process_text(neighbour, mode="query")]
        # One term per word, each in the field holding it most (the body, mostly): Whoosh
        # intersects plain terms by leaping through postings blocks; unions of fields crawl.
        return sum(1 for _ in searcher.docs_for_query(
            query.And([_widest(reader, terms), *context])))

    ranked = nearest[:MAX_CONTEXT_CHECKS]  # already most frequent first
    return max(ranked, key=lambda neighbour: (together(neighbour), -ranked.index(neighbour)))


def _widest(reader: IndexReader, terms: list[tuple[str, str]]) -> query.Term:
    """Of a word's (field, term) pairs, the one in the most documents, as a query."""
    field, term = max(terms, key=lambda pair: reader.doc_frequency(*pair))
    return query.Term(field, term)


def _query_words(searcher: Searcher, node: query.Query,
                 found: dict | None = None) -> dict[tuple[int, int], list[tuple[str, str]]]:
    """Each plain word of the query, by its place in the text: the (field, term) it searches."""
    found = {} if found is None else found
    if type(node) is query.Term and node.startchar is not None and node.endchar is not None:
        if (node.fieldname in searcher.schema
                and isinstance(searcher.schema[node.fieldname], fields.TEXT)):
            found.setdefault((node.startchar, node.endchar), []).append(
                (node.fieldname, node.text))
    for child in node.children():
        _query_words(searcher, child, found)
    return found


def _normalise(reader: IndexReader, word: str) -> str | None:
    """The word as headline words are indexed (lower case, unaccented), if it is one word."""
    tokens = list(reader.schema[schema.TITLE_EXACT].process_text(word, mode="query"))
    return tokens[0] if len(tokens) == 1 else None


@lru_cache(maxsize=256)
def _automaton(word: str, maxdist: int) -> DFA:
    """Whoosh's Levenshtein automaton for a word, keeping its first letter; built once per word."""
    return levenshtein_automaton(word, maxdist, prefix=1).to_dfa()


def _neighbours(reader: IndexReader, word: str, maxdist: int):
    """Written words within `maxdist` edits (a swap of two letters is one), each once."""
    seen = {word}
    automaton = _automaton(word, maxdist)
    lists = [surface_words(leaf) for leaf, _offset in reader.leaf_readers()]
    for words in lists:
        def first_at_or_after(key: str, words=words) -> str | None:
            at = bisect_left(words, key)
            return words[at] if at < len(words) else None

        for neighbour in find_all_matches(automaton, first_at_or_after):
            if neighbour not in seen:
                seen.add(neighbour)
                yield neighbour
    # Whoosh's automata count a swap ("cocao") as two edits: look swaps up directly.
    for i in range(1, len(word) - 1):
        swapped = word[:i] + word[i + 1] + word[i] + word[i + 2:]
        if swapped not in seen and any(_holds(words, swapped) for words in lists):
            seen.add(swapped)
            yield swapped


def _holds(words: list[str], word: str) -> bool:
    at = bisect_left(words, word)
    return at < len(words) and words[at] == word


def surface_words(leaf: IndexReader) -> list[str]:
    """The sorted written words of one segment's headlines, names and quotations.

    A segment's terms never change once written (deletions only mark documents), so
    the list is kept by segment id for every searcher and thread of the process: after
    a commit only the new segments are read.
    """
    segment = leaf.segment()
    if segment is None:  # an empty index has no segment and no words
        return []
    key = segment.segment_id()
    with _lock:
        words = _segment_words.get(key)
        if words is not None:
            _segment_words.move_to_end(key)
            return words
    found: set[bytes] = set()
    for field in SURFACE_FIELDS:
        if leaf.field_length(field):
            found.update(leaf.lexicon(field))
    words = sorted(term.decode("utf-8") for term in found)
    with _lock:
        _segment_words[key] = words
        while len(_segment_words) > MAX_SEGMENTS:
            _segment_words.popitem(last=False)
    return words


def _documents(reader: IndexReader, word: str, searched: list[str]) -> int:
    """How many documents the searched fields hold `word` in, analysed as each field does."""
    best = 0
    for field in searched:
        if not reader.field_length(field):  # `title:` searches sixteen languages' fields
            continue
        tokens = list(reader.schema[field].process_text(word, mode="query"))
        if len(tokens) == 1:
            best = max(best, reader.doc_frequency(field, tokens[0]))
    return best


def _like(typed: str, word: str) -> str:
    """`word` in the typed word's case: VOLCKR -> VOLCKER, Volckr -> Volcker."""
    if typed.isupper() and len(typed) > 1:
        return word.upper()
    if typed[:1].isupper():
        return word[:1].upper() + word[1:]
    return word
