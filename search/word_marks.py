"""Marks of a hit's lone words found by substring search, without tokenizing the whole text.

Tokenizing a body with Python's regex engine costs about 70 ns a character,
twice per hit (the body's analyzer and the names analyzer): most of a
snippet's cost. When only lone words are wanted (no phrase, so no positions)
and the text's letters are all ASCII, a cheaper route gives the same marks:
Porter's stems and unstemmed names keep their word's written form but for
the last letter ("countri" for "country"), so every occurrence starts with
the stem less its last letter, in lower case ("pai" is "pay"). Each such place that begins a
token is read as the tokenizer would read it and analysed alone (analysis is
per word), and kept when it analyses to a wanted word. Anything else returns
None and the caller tokenizes as before; tests/test_fast_paths.py checks both
give the same marks on real articles.
"""
from __future__ import annotations

import re

from whoosh.analysis import CompositeAnalyzer, RegexTokenizer, StemFilter
from whoosh.lang.porter import stem as porter_stem

from index.analysis import ValuesTokenizer
from index.analysis_replay import fast_tokens

_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _expression(analyzer):
    """The token expression of an analyzer whose words keep their written prefix, or None."""
    if not isinstance(analyzer, CompositeAnalyzer):
        return None
    tokenizer = analyzer.items[0]
    if type(tokenizer) is ValuesTokenizer:
        tokenizer = tokenizer.words
    if type(tokenizer) is not RegexTokenizer or tokenizer.gaps:
        return None
    stemmers = [item for item in analyzer.items if isinstance(item, StemFilter)]
    if any(type(s) is not StemFilter or s.stemfn is not porter_stem for s in stemmers):
        return None  # Snowball stemmers rewrite more than a word's last letter
    return tokenizer.expression


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char in "_*"  # the tokenizer's [\w*]


def _starts_token(text: str, at: int) -> bool:
    """Whether a token begins at `at`: not inside a word, nor after a dot joining two words."""
    if at == 0:
        return True
    before = text[at - 1]
    if _is_word_char(before):
        return False
    return not (before == "." and at >= 2 and _is_word_char(text[at - 2]))


def word_marks(text: str, end: int, analyzer, words: frozenset[str]
               ) -> list[tuple[int, int, str]] | None:
    """(start, end, analysed word) of every token of text[:end] that analyses to one of
    `words`, in order; None when this route cannot be exact and the text must be tokenized."""
    expression = _expression(analyzer)
    region = text[:end]
    if expression is None or any(c.isalnum() for c in _NON_ASCII.findall(region)):
        return None
    lower = region.lower()
    found: dict[int, tuple[int, int, str]] = {}
    for word in words:
        prefix = word[:-1] if len(word) > 1 else word
        at = lower.find(prefix)
        while at >= 0:
            if at not in found and _starts_token(region, at):
                match = expression.match(region, at)
                tokens = fast_tokens(analyzer, match.group(0), at) if match else None
                if tokens is None and match is not None:
                    return None
                if tokens and tokens[0][1] in words:
                    found[at] = (at, match.end(), tokens[0][1])
            at = lower.find(prefix, at + 1)
    return [found[at] for at in sorted(found)]
