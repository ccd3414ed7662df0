"""Ranking settings: BM25F over title and body, with the title weighted up.

A story *about* cocoa carries the word in its headline; one that mentions it
in passing does not. The title boost makes the first kind rank above the
second; the figures are Whoosh's BM25F defaults otherwise.
"""
from __future__ import annotations

from whoosh import scoring

from index import schema

TITLE_BOOST = 3.0
FIELD_BOOSTS = {schema.TITLE: TITLE_BOOST, schema.BODY: 1.0}


def weighting() -> scoring.BM25F:
    return scoring.BM25F(B=0.75, K1=1.2)
