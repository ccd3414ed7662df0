"""The article model every reader produces and the writer consumes.

Readers turn their input into `Article` values (or `Problem` reports) with pure
functions; nothing here knows about Whoosh. Text fields hold plain text, never
escaped HTML, and `published` is a naive datetime in UTC.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Quote:
    """A quoted statement and who made it (empty when the text does not make it clear)."""

    text: str
    speaker: str = ""


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    body: str
    url: str = ""
    source: str = ""
    published: datetime | None = None
    authors: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    organizations: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    section: str = ""
    language: str = ""
    dateline: str = ""
    title_derived: bool = False
    source_id: str = ""
    origin: str = ""
    quotes: tuple[Quote, ...] = ()
    # The syndicated-story cluster: the id of the first article seen with this text.
    cluster: str = ""
    # Near-duplicate sketch of the body (see index/clusters.py); not part of the content.
    sketch: tuple[int, ...] = field(default=(), compare=False, repr=False)

    @property
    def content_hash(self) -> str:
        """Fingerprint of everything indexed, so an unchanged article is left alone."""
        parts = [self.title, self.body, self.url, self.source,
                 self.published.isoformat() if self.published else "",
                 "|".join(self.authors), "|".join(self.people),
                 "|".join(self.organizations), "|".join(self.places),
                 "|".join(self.tags), self.section, self.language, self.dateline,
                 str(self.title_derived), self.source_id,
                 "|".join(f"{q.speaker}\x1e{q.text}" for q in self.quotes)]
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


@dataclass
class Draft:
    """What a reader knows about one article before extraction and enrichment.

    Readers fill in what their format gives (nothing is invented here);
    `index.pipeline.finish` turns a Draft into an Article: it extracts an HTML
    page, cleans the body, derives a missing headline, detects the language,
    extracts actors and quotes, normalises the source and assigns the id.
    """

    origin: str
    own_id: str = ""  # the record's own id, as given
    native_id: str = ""  # a namespaced native id (reuters21578:12, feed guid, WARC URI)
    url: str = ""
    title: str = ""
    body: str = ""  # plain text, paragraphs separated by a blank line
    html: bytes | str | None = None  # a whole article page still to be extracted
    published: datetime | None = None  # naive UTC
    # Used only when nothing better is known, e.g. (feed updated date, "the feed's updated date").
    published_fallback: tuple[datetime, str] | None = None
    source: str = ""
    authors: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    organizations: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    section: str = ""
    language: str = ""
    dateline: str = ""
    title_derived: bool = False
    notes: list["Problem"] = field(default_factory=list)  # repairs made while reading


@dataclass(frozen=True)
class Problem:
    """A record that was skipped, or kept after a repair, with the reason why."""

    origin: str
    reason: str
    skipped: bool = True

    def to_dict(self) -> dict:
        return {"origin": self.origin, "reason": self.reason,
                "action": "skipped" if self.skipped else "repaired"}


Record = Article | Problem


@dataclass
class Tally:
    """Counts for the reindex summary line."""

    indexed: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    deleted: int = 0
    undated: int = 0  # articles written without a publication date (never invented)
    problems: list[Problem] = field(default_factory=list)

    def summary(self, seconds: float) -> str:
        return (f"indexed {self.indexed:,}, updated {self.updated:,}, "
                f"unchanged {self.unchanged:,}, skipped {self.skipped:,}, "
                f"deleted {self.deleted:,} in {seconds:.1f} s")
