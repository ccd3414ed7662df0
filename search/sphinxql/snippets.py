"""Snippets from CALL SNIPPETS, made safe: the text escaped, only `<mark>` added.

They are made on the head against its empty SNIPPETS_INDEX, which has the
articles' settings (Sphinx 2.2 makes no snippets on a distributed index).
Sphinx inserts its match markers into the raw text; markers from Unicode's
private use area (stripped from the text first) survive html.escape, and
only then become <mark> and </mark>, so no markup from an article ever
reaches a page.
"""
from __future__ import annotations

import html

from index.sphinxql.config import SNIPPETS_INDEX

BEFORE, AFTER = "\ue000", "\ue001"
SNIPPET_CHARACTERS = 300
AROUND = 8  # words around each match


def _plain(text: str) -> str:
    return text.replace(BEFORE, "").replace(AFTER, "").replace("\x00", " ")


def to_html(marked: str) -> str:
    return html.escape(marked, quote=False).replace(BEFORE, "<mark>").replace(AFTER, "</mark>")


def snippets(cursor, bodies: list[str], match: str, index: str = SNIPPETS_INDEX, *,
             whole: bool = False) -> list[str]:
    """One escaped snippet per body, the words of `match` (Sphinx query syntax) marked;
    `whole`: each text entire, marked (an article's title and paragraphs)."""
    if not bodies:
        return []
    placeholders = ",".join(["%s"] * len(bodies))
    limits = ("0 AS limit, 0 AS around, 1 AS allow_empty" if whole
              else f"{SNIPPET_CHARACTERS} AS limit, {AROUND} AS around")
    cursor.execute(
        f"CALL SNIPPETS(({placeholders}), %s, %s, %s AS before_match, %s AS after_match, "
        f"{limits}, 1 AS query_mode, ' ... ' AS chunk_separator)",
        [*map(_plain, bodies), index, match, BEFORE, AFTER])
    found = [to_html(row[0]) for row in cursor.fetchall()]
    if whole:  # allow_empty: a text with no match comes back empty; show it as it is
        found = [text or to_html(_plain(body)) for text, body in zip(found, bodies)]
    return found
