"""The one sanitiser for HTML we produce: only <mark> survives, without attributes.

Highlighting already escapes text by construction; this explicit allow-list
is the last line of defence, kept in one module so it can be swapped.
"""
from __future__ import annotations

import bleach

ALLOWED_TAGS = frozenset({"mark"})


def clean_highlight(html: str) -> str:
    """Escaped text whose only markup is <mark>...</mark>."""
    return bleach.clean(html, tags=ALLOWED_TAGS, attributes={}, protocols=(), strip=True)
