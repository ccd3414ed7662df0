"""Text to words, and words to the capitalised runs where names are.

A run is a stretch of capitalised words, joined by the lower-case connectors
that names contain ("Bank of Japan", "Perez de Cuellar"), cut at punctuation,
dates and weekdays. Each word knows whether it opens a sentence, where a
capital says nothing about a name. Text written in capitals or in Title Case
(wire headlines, link lists) carries no case cue at all: `is_caseless` says so
and such text is matched only against known names.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from index.actors import words
from index.actors.lexicon import norm

# Initialisms ("U.S."), words with inner apostrophes, hyphens or ampersands ("O'Neill",
# "al-Sayyari", "AT&T"), and single other characters.
_TOKEN = re.compile(r"(?:[^\W\d_]\.){2,}(?![^\W\d_])|[^\W_][\w&]*(?:['\-][^\W_][\w&]*)*|\S")
# Lower-case words recur in every article and carry no position anyone reads: one shared,
# never-modified token per word spares building hundreds per article.
_SHARED: dict[str, "Token"] = {}
_SENTENCE_END = frozenset('.!?:;"“”()[]—–-•*|')


@dataclass(slots=True, eq=False)
class Token:
    text: str  # as written, possessive 's removed
    start: int  # offset in the text
    key: str  # norm(text)
    cap: bool  # starts with a capital letter
    word: bool  # a word, not punctuation
    possessive: bool = False
    initial: bool = False  # opens a sentence, so its capital is no cue


def tokenize(text: str, offset: int = 0) -> list[Token]:
    """Words and punctuation of one paragraph; offsets are `offset` + position in `text`.

    Lower-case words are shared tokens whose `start` is -1: only capitalised
    words (and "the", which may open a place's name) mark where a name is.
    """
    text = text.replace("\u2019", "'")  # same length, so offsets hold
    tokens: list[Token] = []
    previous: Token | None = None
    previous_end = -1
    for match in _TOKEN.finditer(text):
        raw = match.group()
        first = raw[0]
        if first.islower() and raw != "the" and "-" not in raw:
            token = _SHARED.get(raw)
            if token is None:
                token = _shared(raw)
            if raw in words.ABBREVIATIONS:  # "vs." may take the full stop: keep it apart
                token = Token(token.text, -1, token.key, False, True, token.possessive)
            tokens.append(token)
            previous, previous_end = token, match.end()
            continue
        start = match.start()
        if raw == "." and previous is not None and previous_end == start and previous.word \
                and _takes_full_stop(previous.text):
            previous.text += "."  # "Mr." "Corp." "J.": the stop ends no sentence
            previous.key = norm(previous.text)
            previous_end += 1
            continue
        possessive = len(raw) > 2 and raw[-2] == "'" and raw[-1] in "sS"
        if possessive:
            raw = raw[:-2]
        word = first.isalnum()
        token = Token(raw, offset + start, norm(raw) if word else raw, first.isupper(), word,
                      possessive)
        if word:
            token.initial = (previous is None or previous.text in _SENTENCE_END
                             # "the U.S. Firms": the wire capitalises after any full stop
                             or (previous.text[-1] == "." and len(previous.text) > 2
                                 and previous.text[-2].isupper()))
        tokens.append(token)
        previous, previous_end = token, match.end()
    return tokens


def _shared(raw: str) -> Token:
    possessive = len(raw) > 2 and raw[-2] == "'" and raw[-1] == "s"
    text = raw[:-2] if possessive else raw
    token = Token(text, -1, norm(text), False, True, possessive)
    if len(_SHARED) < 100_000:
        _SHARED[raw] = token
    return token


def _takes_full_stop(text: str) -> bool:
    return text in words.ABBREVIATIONS or (len(text) == 1 and text.isupper())


def is_caseless(tokens: list[Token], headline: bool = False) -> bool:
    """True for text in capitals, or a headline in Title Case: a capital is no sign of a name.

    Only a headline is judged by Title Case: a sentence dense with names
    ("Chairman Paul Volcker and Treasury Secretary James Baker") looks the same.
    """
    upper = lower = capitalised = long_words = 0
    shared = sum(1 for token in tokens if token.start < 0)
    if not headline and shared * 10 > len(tokens):
        return False  # running text: lower-case words are plenty
    for token in tokens:
        if not token.word:
            continue
        text = token.text
        if text.isupper():
            upper += 1
        elif text != text.upper():
            lower += 1
        if len(text) > 3 and text[0].isalpha():
            long_words += 1
            capitalised += token.cap
    if upper + lower < 2:
        return upper > 0 and len(tokens[0].text) > 3 if tokens else False
    if lower <= (upper + lower) * 0.1:
        return True
    return headline and long_words >= 4 and capitalised >= long_words * 0.85


def _name_word(token: Token) -> bool:
    if not token.word:
        return False
    if token.cap:
        return token.key not in words.SKIP and not token.text.isdigit()
    # "al-Sayyari", "bin-Laden": a lower-case particle joined to a capitalised name
    head, _, tail = token.text.partition("-")
    return bool(tail) and head in words.NAME_PARTICLES and tail[:1].isupper()


def _is_date(tokens: list[Token], i: int) -> bool:
    """A month followed by a number ("March 23") is a date, "May" alone may be a name."""
    if tokens[i].key not in words.MONTHS:
        return False
    following = tokens[i + 1] if i + 1 < len(tokens) else None
    preceding = tokens[i - 1] if i else None
    return bool((following and following.text[:1].isdigit())
                or (preceding and preceding.text[:1].isdigit())
                or (following and following.key in ("of", "and")) or tokens[i].initial)


def runs(tokens: list[Token]) -> list[tuple[int, int]]:
    """(start, end) index pairs of the capitalised runs, end exclusive."""
    found: list[tuple[int, int]] = []
    i, n = 0, len(tokens)
    while i < n:
        token = tokens[i]
        if (token.start < 0 and not token.cap) or not _name_word(token) or _is_date(tokens, i):
            i += 1
            continue
        start = last = i
        j = i + 1
        while j < n:
            token = tokens[j]
            if _name_word(token) and not _is_date(tokens, j) and not token.initial:
                last = j
                j += 1
            elif token.word and token.key in words.CONNECTORS and j + 1 < n and (
                    _name_word(tokens[j + 1]) or (tokens[j + 1].key == "the" and j + 2 < n
                                                  and _name_word(tokens[j + 2]))):
                j += 1
            elif token.key == "the" and tokens[j - 1].key in ("of", "for", "on", "and") \
                    and j + 1 < n and _name_word(tokens[j + 1]):
                j += 1
            elif token.text == "&" and j + 1 < n and _name_word(tokens[j + 1]):
                j += 1
            else:
                break
        found.append((start, last + 1))
        i = last + 1
    return found

