"""Boilerplate removal for article text (placeholder: keeps every paragraph).

To be replaced by the real rules: share/subscribe/newsletter/related-links
lines, "Recommended Stories" blocks, cookie notices, other stories' headlines.
"""
from __future__ import annotations


def remove_boilerplate(paragraphs: list[str], title: str = "") -> list[str]:
    """The paragraphs that belong to the article itself, in order."""
    return list(paragraphs)
