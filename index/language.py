"""Language detection per article: an ISO 639-1 code, or "" when the text cannot tell.

Used when the source does not say which language an article is in. py3langid
(a naive Bayes model over byte n-grams, numpy only) is fast enough to run on
every article; its model takes about a second to load, so it is loaded once
per process, on first use (worker processes forked after that inherit it).
Only the first few thousand characters are classified: the language of a
news article does not change half-way, and the cost grows with the length.
"""
from __future__ import annotations

import re
from functools import lru_cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

MAX_CHARS = 3_000
MIN_LETTERS = 12  # "Putin", "Leia mais": too short for any model to know
# Normalised probability below which the answer is a guess. On the 462 items of
# the real feeds in shared/data/feeds, 0.5 answered 443 title+summary texts with
# no wrong language; 0.3 let one wrong one through (a German headline taken as
# Luxembourgish). Reuters earnings tables ("Shr 81 cts vs 57 cts") stay below it.
MIN_CONFIDENCE = 0.5
NO_LANGUAGE = "zxx"  # the model's class for text without linguistic content
_LETTER = re.compile(r"[^\W\d_]")


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    """The model restricted to ISO 639-1 languages (its other classes are 3-letter codes)."""
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages([code for code in identifier.labels
                              if len(code) == 2 or code == NO_LANGUAGE])
    return identifier


def _prepared(text: str) -> str:
    """Cut to MAX_CHARS and lower-case all-caps paragraphs (wire headlines such as
    "KIM SPEAKS WITH PUTIN"), whose capital letters are n-grams the model rarely saw."""
    paragraphs = text[:MAX_CHARS].split("\n")
    return "\n".join(p.lower() if p.isupper() else p for p in paragraphs)


def detect_language(text: str) -> str:
    """An ISO 639-1 code such as "en", or "" when the text is too short or unclear."""
    sample = _prepared(text)
    if len(_LETTER.findall(sample)) < MIN_LETTERS:
        return ""
    code, confidence = _identifier().classify(sample)
    if code == NO_LANGUAGE or confidence < MIN_CONFIDENCE:
        return ""
    return code
