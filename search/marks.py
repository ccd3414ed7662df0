"""Finding what to mark in a hit's text: the terms and phrases it actually matched.

What is marked: only the terms this hit actually matched (`hit.matched_terms()`),
in the fields that hold the text shown. A snippet looks at the body field of
the article's language, `lede`, `quote` and `actors` (a name matched only in
`actors` is marked where the body says it); a title at its title field,
`title_exact` and `actors`. Each field's own analyzer re-reads the text, so
"exports" is marked for `export` and "Häuser" for `haus`. A phrase is marked as
the words in sequence (one <mark> for an exact phrase, one per word for `~N`),
never as lone occurrences of its words: Whoosh's `strict_phrase` compares the
analysed phrase words with the raw text split on spaces, so it marks nothing
for stemmed fields ("ivori" never equals "Ivory").

Cost is bounded per hit: the first HEAD_CHARS characters are analysed; a term
not found there is looked for further on with a plain substring search for its
stem (C speed) and confirmed by analysing a small window around each candidate
(so past the head a word whose written form differs from its stem by more than
its last letter, such as "Zürich" for `zurich`, is not found).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from whoosh import query

from index.analysis_replay import fast_tokens
from search.word_marks import word_marks


HEAD_CHARS = 10_000  # analysed in full: longer than most news stories (~1 ms per 1,000)
LONG_WORD = 60  # a "word" longer than this (a URL, a table row) may be cut
MAX_PHRASE_SLOP = 100  # marks of `"a b"~N` are looked for within this many positions
SCAN_TERMS = 8  # terms looked for past the head, at most
SCAN_CANDIDATES = 1_000  # substring hits checked per term past the head
SCAN_WINDOWS = 4  # windows analysed per term past the head
SCAN_CONTEXT = 250  # characters analysed on each side of a candidate


@dataclass(frozen=True)
class Wanted:
    """What to mark with one analyzer: lone words and phrases (words, slop), analysed."""

    analyzer: object
    words: frozenset[str]
    phrases: frozenset[tuple[tuple[str, ...], int]]


@dataclass(frozen=True)
class Mark:
    start: int
    end: int
    keys: frozenset  # the analysed words and phrases it shows, to count distinct ones


# What the query asks to mark ------------------------------------------------

@dataclass
class QueryParts:
    phrases: dict  # field -> {(words, slop)}
    terms: set  # (field, text) of plain terms outside phrases
    open_fields: set  # fields with a wildcard, prefix or fuzzy word outside phrases


def query_parts(q: query.Query) -> QueryParts:
    parts = QueryParts(defaultdict(set), set(), set())
    stack = [q]
    while stack:
        node = stack.pop()
        if isinstance(node, query.Phrase):
            parts.phrases[node.fieldname].add((tuple(node.words), node.slop))
        elif isinstance(node, query.MultiTerm):
            parts.open_fields.add(node.field())
        elif isinstance(node, query.Term):
            parts.terms.add((node.fieldname, node.text))
        elif isinstance(node, query.AndNot):  # a NOT's words are what the hit lacks
            stack.append(node.a)
        elif not isinstance(node, query.Not):
            stack.extend(node.children())
    return parts


def wanted(hit, fields: tuple[str, ...], parts: QueryParts) -> list[Wanted]:
    """Per analyzer, the words and phrases of `fields` this hit matched.

    A word that the query holds only inside phrases is marked only as part of them.
    Fields sharing an analyzer (body_en and lede) are read once.
    """
    field_schema = hit.results.searcher.schema
    results = hit.results
    pairs = hit.matched_terms() if results.has_matched_terms() else \
        results.query_terms(expand=True)
    matched = defaultdict(set)
    for field, text in pairs:
        if field in fields:
            matched[field].add(field_schema[field].from_bytes(text))
    groups: list[tuple[object, set, set]] = []
    for field in fields:
        if not matched[field]:
            continue
        phrases = {p for p in parts.phrases.get(field, ()) if set(p[0]) <= matched[field]}
        in_phrases = {word for words, _ in parts.phrases.get(field, ()) for word in words}
        words = {w for w in matched[field] if w not in in_phrases
                 or (field, w) in parts.terms or field in parts.open_fields}
        analyzer = field_schema[field].analyzer
        for known, known_words, known_phrases in groups:
            if known == analyzer:
                known_words |= words
                known_phrases |= phrases
                break
        else:
            groups.append((analyzer, words, phrases))
    return [Wanted(a, frozenset(w), frozenset(p)) for a, w, p in groups if w or p]


# Finding marks in text --------------------------------------------------------

def tokens_of(analyzer, text: str, start: int, end: int,
              keep: frozenset[str] | None = None) -> list[tuple[int, str, int, int]]:
    """(position, analysed text, start, end) of each token of text[start:end], stops removed;
    with `keep`, only tokens whose analysed text is in it."""
    fast = fast_tokens(analyzer, text[start:end], start, keep)
    if fast is not None:
        return fast
    return [(t.pos, t.text, t.startchar, t.endchar)
            for t in analyzer(text[start:end], positions=True, chars=True, mode="index",
                              start_char=start) if keep is None or t.text in keep]


def _sought(want: Wanted) -> frozenset[str]:
    """Every analysed word a mark can be made of: tokens of other words cannot matter."""
    return want.words.union(*(words for words, _slop in want.phrases))


def _phrase_end(tokens, i: int, rest: tuple[str, ...], slop: int, memo: dict) -> list | None:
    """Token indexes continuing a phrase from token i, each 1..slop positions on (as Whoosh)."""
    if not rest:
        return []
    key = (i, len(rest))
    if key not in memo:
        memo[key] = None
        pos = tokens[i][0]
        for j in range(i + 1, len(tokens)):
            if tokens[j][0] - pos > slop:
                break
            if tokens[j][1] == rest[0]:
                tail = _phrase_end(tokens, j, rest[1:], slop, memo)
                if tail is not None:
                    memo[key] = [j, *tail]
                    break
    return memo[key]


def marks_in(tokens, want: Wanted) -> list[Mark]:
    """Each token in `want.words`, and each occurrence of a phrase, keyed by what it shows."""
    marks = [Mark(s, e, frozenset({word})) for _, word, s, e in tokens if word in want.words]
    for words, slop in want.phrases:
        key = frozenset({words})
        slop = min(max(slop, 1), MAX_PHRASE_SLOP)
        memo: dict = {}
        for i, token in enumerate(tokens):
            if token[1] != words[0]:
                continue
            rest = _phrase_end(tokens, i, words[1:], slop, memo)
            if rest is None:
                continue
            if slop == 1:  # an exact phrase reads as one unit, stop words inside included
                marks.append(Mark(token[2], tokens[rest[-1]][3] if rest else token[3], key))
            else:
                marks.extend(Mark(tokens[j][2], tokens[j][3], key) for j in (i, *rest))
    return marks


def merge(marks: list[Mark]) -> list[Mark]:
    """Sorted, with overlapping marks (a phrase and one of its words) made one."""
    out: list[Mark] = []
    for mark in sorted(marks, key=lambda m: (m.start, -m.end)):
        if out and mark.start < out[-1].end:
            last = out[-1]
            out[-1] = Mark(last.start, max(last.end, mark.end), last.keys | mark.keys)
        else:
            out.append(mark)
    return out


def cut_at_space(text: str, limit: int) -> int:
    """An offset at or before `limit` that does not split a word (or `limit` in a huge word)."""
    if limit >= len(text):
        return len(text)
    for at in range(limit, max(0, limit - LONG_WORD), -1):
        if text[at].isspace():
            return at
    return limit


def _occurrences(text: str, stem: str, start: int):
    """Offsets past `start` of `stem` in lower, Title or UPPER case, in order."""
    variants = {stem, stem.capitalize(), stem.upper()}
    upcoming = {v: text.find(v, start) for v in variants}
    while True:
        found = [at for at in upcoming.values() if at >= 0]
        if not found:
            return
        at = min(found)
        yield at
        for variant, where in upcoming.items():
            if where == at:
                upcoming[variant] = text.find(variant, at + 1)


def _scan_beyond(text: str, start: int, wants: list[Wanted], found: set) -> list[Mark]:
    """Marks past the head for terms the head lacks: substring candidates, then analysis."""
    marks: list[Mark] = []
    todo = [(w, (w,)) for want in wants for w in want.words]
    todo += [(words, words) for want in wants for words, _ in want.phrases]
    todo = [(key, words) for key, words in todo if key not in found]
    for key, words in todo[:SCAN_TERMS]:
        if key in found:  # shown by a window opened for another term
            continue
        stem = max(words, key=len)
        stem = stem[:-1] if len(stem) > 3 else stem  # stems may end differently ("countri")
        analysed = 0
        for n, at in enumerate(_occurrences(text, stem, start)):
            if n >= SCAN_CANDIDATES or analysed >= SCAN_WINDOWS:
                break
            if at and text[at - 1].isalnum():  # inside a word: not where a token begins
                continue
            lo = max(start, at - SCAN_CONTEXT)
            while lo > start and not text[lo - 1].isspace() and at - lo < SCAN_CONTEXT + LONG_WORD:
                lo -= 1
            hi = cut_at_space(text, at + SCAN_CONTEXT)
            analysed += 1
            window = [m for want in wants for m in
                      marks_in(tokens_of(want.analyzer, text, lo, hi, _sought(want)), want)]
            if any(key in m.keys for m in window):
                marks += window
                found.update(k for m in window for k in m.keys)
                break
    return marks


def find_marks(text: str, wants: list[Wanted], head_chars: int = HEAD_CHARS) -> list[Mark]:
    """Every mark in the first `head_chars` characters, and the first of each term past them."""
    if not wants or not text:
        return []
    head = cut_at_space(text, head_chars)
    marks = []
    for want in wants:
        quick = None if want.phrases else word_marks(text, head, want.analyzer, want.words)
        if quick is not None:
            marks += [Mark(start, end, frozenset({word})) for start, end, word in quick]
        else:
            marks += marks_in(tokens_of(want.analyzer, text, 0, head, _sought(want)), want)
    if head < len(text):
        found = {k for m in marks for k in m.keys}
        marks += _scan_beyond(text, head, wants, found)
    return merge(marks)
