"""Ranking settings: BM25 over title, lede, body and actor names, and the weighting itself.

A story *about* cocoa carries the word in its headline and its opening
paragraph; one that mentions it in passing does not. Field weights make the
first kind rank above the second. Each field is scored by BM25 on its own and
the parts are added, each multiplied by its weight (Whoosh's "BM25F").

The figures were measured on the TIME test collection's development queries
with scripts/relevance.py, which also cross-validates them (tune on half the
queries, score the other half); each setting says in a line why it should
hold beyond that set. Those queries are long pasted sentences, so they say
little about short keyword queries, which keep Whoosh's AND.
"""
from __future__ import annotations

from math import log

from whoosh import scoring
from whoosh.reading import IndexReader

from index import schema

# Field weights, relative to the body. A weight of 0 leaves the field out of the default
# search (Whoosh divides by a boost when it skips blocks, so 0 cannot be a weight).
# A headline word counts half again a body word: a headline names the subject, and its short
# length already makes one match worth nearly a full word, so a larger weight (3 was 0.05
# nDCG@10 worse) lets a story's opening words outvote its whole body. On TIME, whose
# "headlines" are only the body's first eight words, 1.0 scores the same within 0.006.
TITLE_BOOST = 1.5
# The lede (first paragraph) is where a news story states its subject (the inverted pyramid);
# a one-paragraph story's lede is its whole body, which this weight then simply adds to.
LEDE_BOOST = 1.5
BODY_BOOST = 1.0
# Names found in the text are words of the body too: counted once more, not more.
ACTORS_BOOST = 1.0
# Term-frequency saturation and length normalisation: the textbook values (Robertson and
# Zaragoza 2009); no other pair of K1 in 0.9..2.0 and B in 0.5..0.9 did better.
K1 = 1.2
B = 0.75
# Short keyword queries require every word; a query of this many plain words or more
# (a pasted sentence) matches any of them: AND over a sentence finds almost nothing
# (Whoosh's AND scores 0.074 nDCG@10 on the TIME queries).
NATURAL_LANGUAGE_WORDS = 4
# Whoosh's OrGroup coordination bonus for matching more of a long query's words. Its bonus,
# (matched - 1) / (terms - COORDINATION)^2 with terms counted per field, is under a thousandth
# for a sentence and changed no ranking: BM25's sum already favours matching more words.
COORDINATION = 0.9

# Pseudo-relevance feedback (search/feedback.py, RM3) for natural-language queries: the
# FEEDBACK_TERMS likeliest words of the best FEEDBACK_DOCS first-pass stories are added to
# the query with FEEDBACK_WEIGHT of the total weight (the query's own words keep the rest).
# FEEDBACK_DOCS = 0 turns it off (on TIME: 0.796 nDCG@10 without, 0.841 with).
# Three stories: an archive holds few stories on one event, and further down the list they
# drift to neighbouring events (10, RM3's usual figure, scored 0.816). Fifty words: the
# model's probabilities fall off fast and the idf leaves the common ones weightless, while
# ten (0.795) miss the names that make the subject. Half the weight: RM3's usual even
# interpolation of the query with its relevance model (0.3 scored 0.833, 0.2 0.824).
FEEDBACK_DOCS = 3
FEEDBACK_TERMS = 50
FEEDBACK_WEIGHT = 0.5  # below 1: search/feedback.py divides by 1 - FEEDBACK_WEIGHT


def field_boosts() -> dict[str, float]:
    boosts = {field: TITLE_BOOST for field in schema.TITLE_FIELDS.values()}
    boosts.update({field: BODY_BOOST for field in schema.BODY_FIELDS.values()})
    boosts.update({schema.LEDE: LEDE_BOOST, schema.ACTORS: ACTORS_BOOST})
    return boosts


def default_fields(reader: IndexReader) -> tuple[str, ...]:
    """The weighted ranking fields the index has text in (an English archive has no title_de)."""
    boosts = field_boosts()
    candidates = (*schema.TITLE_FIELDS.values(), *schema.BODY_FIELDS.values(),
                  schema.LEDE, schema.ACTORS)
    present = tuple(field for field in candidates
                    if boosts.get(field, 1.0) > 0 and reader.field_length(field))
    return present or (schema.TITLE_FIELDS["en"], schema.BODY_FIELDS["en"])


def rsj_idf(documents: int, frequency: int) -> float:
    """Robertson/Sparck Jones idf, kept positive as Lucene does: log(1 + (N - n + .5) / (n + .5)).

    Whoosh's own idf, log(N / (n + 1)) + 1, never falls below 1, so a word found in every
    story ("said", "week", or a query's "number of", "what") still weighs a sixth of the
    rarest name in a 400-story archive; this one gives it almost nothing (on TIME: 0.833
    nDCG@10 against 0.815 with Whoosh's idf).
    """
    return log(1.0 + (documents - frequency + 0.5) / (frequency + 0.5))


class RobertsonBM25F(scoring.BM25F):
    """Whoosh's per-field BM25 with the Robertson/Sparck Jones idf (see `rsj_idf`)."""

    def idf(self, searcher, fieldname: str, text) -> float:
        parent = searcher.get_parent()
        return rsj_idf(parent.doc_count_all(), parent.doc_frequency(fieldname, text))


def weighting() -> scoring.BM25F:
    return RobertsonBM25F(B=B, K1=K1)
