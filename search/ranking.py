"""Ranking settings: BM25F over title, lede, body and actor names.

A story *about* cocoa carries the word in its headline and its opening
paragraph; one that mentions it in passing does not. Field weights make the
first kind rank above the second. The figures are tuned on the development
relevance set by scripts/relevance.py (see README for the measured effect).
"""
from __future__ import annotations

from whoosh import scoring
from whoosh.reading import IndexReader

from index import schema

TITLE_BOOST = 3.0
LEDE_BOOST = 1.0
BODY_BOOST = 1.0
ACTORS_BOOST = 1.0
K1 = 1.2
B = 0.75
# Short keyword queries require every word; a query of this many plain words or more
# (a pasted sentence) matches any of them, with Whoosh's OrGroup bonus for matching more.
NATURAL_LANGUAGE_WORDS = 4
COORDINATION = 0.9


def field_boosts() -> dict[str, float]:
    boosts = {field: TITLE_BOOST for field in schema.TITLE_FIELDS.values()}
    boosts.update({field: BODY_BOOST for field in schema.BODY_FIELDS.values()})
    boosts.update({schema.LEDE: LEDE_BOOST, schema.ACTORS: ACTORS_BOOST})
    return boosts


def default_fields(reader: IndexReader) -> tuple[str, ...]:
    """The ranking fields this index has any text in (an English archive has no title_de)."""
    candidates = (*schema.TITLE_FIELDS.values(), *schema.BODY_FIELDS.values(),
                  schema.LEDE, schema.ACTORS)
    present = tuple(field for field in candidates if reader.field_length(field))
    return present or (schema.TITLE_FIELDS["en"], schema.BODY_FIELDS["en"])


def weighting() -> scoring.BM25F:
    return scoring.BM25F(B=B, K1=K1)
