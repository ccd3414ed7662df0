"""Whole article pages (HTML) -> headline, body, date, authors, source (placeholder)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Page:
    """What an article page says about itself; empty values when it does not say."""

    title: str = ""
    body: str = ""  # plain text, paragraphs separated by a blank line
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None  # naive UTC, with the time of day when the page gives it
    source: str = ""  # the outlet: og:site_name, JSON-LD publisher...
    url: str = ""  # the canonical URL, when the page names one
    language: str = ""
    section: str = ""
    tags: list[str] = field(default_factory=list)
    description: str = ""


def extract_page(html: bytes | str, url: str = "") -> Page:
    """Extract the main article of a page."""
    raise NotImplementedError("HTML extraction is not written yet")
