"""How text becomes index terms: one analyzer per kind of field.

- Article text is stemmed in its own language: English (and text whose
  language is unknown) with Whoosh's English stemmer, the fifteen other
  languages Whoosh's Snowball stemmers cover with theirs, anything else with
  a neutral analyzer. Case and accents never matter; accents are folded after
  stemming, because the Snowball rules expect them.
- Names (actors, speakers) and headlines for exact matching keep every word as
  written: no stemming, no stop words.
- Whole values (source, section, language, tags, exact actor names) are one
  case-insensitive term each.

Multi-valued name fields ("Vladimir Putin,Donald Trump") leave a wide gap in
positions between values, so a phrase never matches across two names.
"""
from __future__ import annotations

from whoosh.analysis import (Analyzer, CharsetFilter, IDTokenizer, LowercaseFilter,
                             RegexTokenizer, StemFilter, StopFilter, Tokenizer)
from whoosh.lang import has_stemmer, has_stopwords
from whoosh.support.charset import accent_map

ENGLISH = "en"
NEUTRAL = "xx"  # languages without a stemmer here (Urdu, Chinese...) and mixed text
# Whoosh's Snowball stemmers, English aside: each gets its own title and body fields.
STEMMED_LANGUAGES = ("ar", "da", "de", "es", "fi", "fr", "hu", "it", "nl", "no", "pt", "ro",
                     "ru", "sv")
VALUE_GAP = 100


def text_analyzer(language: str = ENGLISH) -> Analyzer:
    """Article text in one language: words, lower case, stop words out, stemmed, unaccented."""
    chain = RegexTokenizer() | LowercaseFilter()
    if language == ENGLISH:
        # English: folding first is harmless (its stemmer ignores accents) and lets
        # "Zürich" and "Zurich" meet before stemming.
        return chain | CharsetFilter(accent_map) | StopFilter() | StemFilter()
    if language != NEUTRAL and has_stopwords(language):
        chain = chain | StopFilter(lang=language)
    if language != NEUTRAL and has_stemmer(language):
        chain = chain | StemFilter(lang=language)
    return chain | CharsetFilter(accent_map)


def words_analyzer() -> Analyzer:
    """Every word as written (case and accents aside): for headlines matched exactly."""
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


class ValuesTokenizer(Tokenizer):
    """Tokenizes each comma-separated value on its own, with a position gap between values."""

    def __init__(self, separator: str = ",", gap: int = VALUE_GAP) -> None:
        self.separator = separator
        self.gap = gap
        self.words = RegexTokenizer()

    def __eq__(self, other) -> bool:
        return (type(other) is type(self) and other.separator == self.separator
                and other.gap == self.gap)

    def __call__(self, value, positions=False, chars=False, start_pos=0, start_char=0,
                 mode="", **kwargs):
        next_pos, offset = start_pos, 0
        for piece in value.split(self.separator):
            last = None
            for token in self.words(piece, positions=positions, chars=chars,
                                    start_pos=next_pos, start_char=start_char + offset,
                                    mode=mode, **kwargs):
                last = token.pos if positions else None
                yield token
            if positions and last is not None:
                next_pos = last + self.gap
            offset += len(piece) + len(self.separator)


def names_analyzer() -> Analyzer:
    """Words of names, never stemmed: `person:putin` and `person:"vladimir putin"` both work.

    Stop words go ("Bank of England" is bank, england), so a query word like "the"
    does not match every "The ..." name; phrases still match, as queries lose them too.
    """
    return ValuesTokenizer() | LowercaseFilter() | StopFilter() | CharsetFilter(accent_map)


def value_analyzer() -> Analyzer:
    """A whole value as one case-insensitive term: `source:reuters` finds "Reuters"."""
    return IDTokenizer() | LowercaseFilter()
