"""Did-you-mean on the small index: the hand-written set, the sample article, a Reuters file."""
from __future__ import annotations

from datetime import datetime

import pytest

from search.query import build_query
from search.request import parse_request
from search.spelling import suggest_query


def did_you_mean(archive, q: str) -> str | None:
    """The suggestion for `q`, parsed exactly as a search request parses it."""
    with archive.searcher() as searcher:
        parsed = build_query(parse_request({"q": [q]}), searcher, 1000, datetime(2026, 1, 1))
        return suggest_query(searcher, q, parsed)


@pytest.mark.parametrize("q, expected", [
    ("volckr", "volcker"),  # a name from the Reuters file, one letter missing
    ("Volckr", "Volcker"),  # the typed capital is kept
    ("BANKAMERCA", "BANKAMERICA"),
    ("harvst", "harvest"),  # a headline word: suggested as written, not as its stem
    ("cocao", "cocoa"),  # two letters swapped count as one edit
])
def test_a_misspelled_word_is_corrected(archive, q, expected):
    assert did_you_mean(archive, q) == expected


def test_everything_else_stays_as_typed(archive):
    assert did_you_mean(archive, "person:volckr  cocoa") == "person:volcker  cocoa"
    assert did_you_mean(archive, "volckr AND cocao") == "volcker AND cocoa"


def test_the_rest_of_the_query_chooses_between_equally_close_words(archive):
    # "caost" is one edit from both "cost" and "coast": alone, the more frequent word wins;
    # after "Ivory", the word found with it does.
    assert did_you_mean(archive, "caost") == "cost"
    assert did_you_mean(archive, "Ivory Caost") == "Ivory Coast"


@pytest.mark.parametrize("q", [
    "volcker", "cocoa prices", "Zürich",
    "regan",  # Donald Regan: a real name in several articles, though "reagan" is commoner
    "Kursk",  # in one article only, with no frequent word close to it
    "qwxzyv",  # nothing close at all
    '"volckr term"', "volckr~1", "volck*",  # phrases, fuzzy words and wildcards are left alone
    "*",
])
def test_no_suggestion_when_nothing_better_exists(archive, q):
    assert did_you_mean(archive, q) is None
