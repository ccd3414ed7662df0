"""Our analyzers replayed without Whoosh's token generators: the same tokens, fewer steps.

Indexing analyses every text field, and marking a snippet re-reads each shown
body with its field's analyzer. Whoosh runs that as a chain of generators
passing one mutable Token object along: about ten Python calls per word. The
analyzers of index/analysis.py are all a regex tokenizer (plain, or one per
comma-separated value with a position gap) followed by lower-casing, accent
folding, stop words and a stemmer, so the chain can be replayed as one loop
over the regex matches with the very same objects (the tokenizer's expression,
the stop list, the stemmer's cached function, the character map). When only a
few words are wanted (highlighting), even that loop runs in C. An analyzer of
any other shape returns None and Whoosh's own chain is used.
tests/test_fast_paths.py compares both on real and generated text.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from itertools import accumulate, compress, islice, repeat
from operator import is_, is_not

from whoosh.analysis import (CharsetFilter, CompositeAnalyzer, LowercaseFilter, RegexTokenizer,
                             StemFilter, StopFilter)

from index.analysis import ValuesTokenizer

Token = tuple[int, str, int, int]  # position, analysed text, start char, end char
MEMO_WORDS = 100_000  # written forms remembered per analyzer (then forgotten at once)
_UNSEEN = object()
_PLANS: dict[int, tuple[object, Callable | None]] = {}


def _step(item) -> Callable[[str], str | None] | None:
    """One filter as a function of a word: the new word, or None when it is dropped."""
    if type(item) is LowercaseFilter:
        return str.lower
    if type(item) is CharsetFilter:
        charmap = item.charmap
        return lambda word: word.translate(charmap)
    if type(item) is StopFilter and item.renumber:
        stops, low, high = item.stops, item.min, item.max
        return lambda word: word if (len(word) >= low and (high is None or len(word) <= high)
                                     and word not in stops) else None
    if type(item) is StemFilter:
        stem, ignore = item._stem, item.ignore
        return lambda word: word if word in ignore else stem(word)
    return None


def _plan(analyzer) -> Callable[[str, int], list[Token]] | None:
    if not isinstance(analyzer, CompositeAnalyzer):
        return None
    tokenizer, *filters = analyzer.items
    steps = [_step(item) for item in filters]
    if any(step is None for step in steps):
        return None
    if type(tokenizer) is RegexTokenizer and not tokenizer.gaps:
        separator, gap, expression = None, 0, tokenizer.expression
    elif type(tokenizer) is ValuesTokenizer and type(tokenizer.words) is RegexTokenizer \
            and not tokenizer.words.gaps:
        separator, gap, expression = tokenizer.separator, tokenizer.gap, tokenizer.words.expression
    else:
        return None
    renumbers = any(type(item) is StopFilter for item in filters)
    memo: dict[str, str | None] = {}  # each written form's analysed form (None: a stop word)
    words_of = _findall(expression)

    def analysed(raw: str) -> str | None:
        word = raw
        for step in steps:
            word = step(word)
            if word is None:
                break
        if len(memo) >= MEMO_WORDS:
            memo.clear()
        memo[raw] = word
        return word

    def pieces(text: str) -> list[str] | tuple[str]:
        return text.split(separator) if separator is not None else (text,)

    def tokens(text: str, start_char: int, keep: frozenset[str] | None) -> list[Token]:
        if keep is not None and words_of is not None:
            return _kept_tokens(text, start_char, keep)
        out: list[Token] = []
        kept = None  # StopFilter numbers kept words on from the first one's own position
        next_pos, offset = 0, start_char
        for piece in pieces(text):
            number = -1
            for number, match in enumerate(expression.finditer(piece)):
                raw = match.group(0)
                word = memo.get(raw, _UNSEEN)
                if word is _UNSEEN:
                    word = analysed(raw)
                if word is None:
                    continue
                pos = next_pos + number
                if renumbers:
                    pos = kept = pos if kept is None else kept + 1
                if keep is not None and word not in keep:
                    continue
                out.append((pos, word, offset + match.start(), offset + match.end()))
            if number >= 0:  # ValuesTokenizer: the next value starts `gap` after this one's last
                next_pos += number + gap
            if separator is not None:
                offset += len(piece) + len(separator)
        return out

    def _kept_tokens(text: str, start_char: int, keep: frozenset[str]) -> list[Token]:
        """`tokens` when only a few words are wanted: the per-word steps run in C (findall,
        map, compress); Python touches only the words kept, numbered as `tokens` numbers them."""
        out: list[Token] = []
        first_kept = None  # the original position of the first word not stopped
        kept_before = 0  # words not stopped in earlier pieces
        next_pos, offset = 0, start_char
        for piece in pieces(text):
            raws = words_of(piece)
            count = len(raws)
            if count:
                words = list(map(memo.get, raws, repeat(_UNSEEN, count)))
                for i in compress(range(count), map(is_, words, repeat(_UNSEEN, count))):
                    words[i] = analysed(raws[i])
                hits = list(compress(range(count), map(keep.__contains__, words)))
                live = list(accumulate(map(is_not, words, repeat(None, count))))
                if renumbers and first_kept is None and live[-1]:
                    first_kept = next_pos + live.index(1)
                if hits:
                    matches = expression.finditer(piece)
                    previous = -1
                    for i in hits:
                        match = next(islice(matches, i - previous - 1, None))
                        previous = i
                        pos = first_kept + kept_before + live[i] - 1 if renumbers \
                            else next_pos + i
                        out.append((pos, words[i], offset + match.start(), offset + match.end()))
                kept_before += live[-1]
                next_pos += count - 1 + gap
            if separator is not None:
                offset += len(piece) + len(separator)
        return out

    return tokens


def _findall(expression) -> Callable[[str], list[str]] | None:
    """`expression`'s whole matches as a list, found in C: its groups made non-capturing."""
    if not expression.groups:
        return expression.findall
    plain = re.sub(r"(?<!\\)\((?!\?)", "(?:", expression.pattern)
    try:
        compiled = re.compile(plain, expression.flags)
    except re.error:
        return None
    return compiled.findall if not compiled.groups else None


def fast_tokens(analyzer, text: str, start_char: int,
                keep: frozenset[str] | None = None) -> list[Token] | None:
    """The analyzer's (position, text, start, end) tokens of `text`, or None for Whoosh's way.

    With `keep`, only the tokens whose analysed text is in it (positions still count all).
    """
    key = id(analyzer)
    cached = _PLANS.get(key)
    if cached is None or cached[0] is not analyzer:
        cached = (analyzer, _plan(analyzer))
        _PLANS[key] = cached
    plan = cached[1]
    return plan(text, start_char, keep) if plan is not None else None
