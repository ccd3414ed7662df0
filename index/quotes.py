"""Quoted statements and their speakers (placeholder: finds none yet)."""
from __future__ import annotations

from index.article import Quote


def extract_quotes(body: str, people: tuple[str, ...] = ()) -> tuple[Quote, ...]:
    """Quotes in the body, each with its speaker where the text makes it clear."""
    return ()
