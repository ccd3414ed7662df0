"""The Whoosh schema: field names, analysis and the schema version, in one place.

Nothing else spells a field name as a string: the write path turns an Article
into a document with `to_document`, the read path turns stored fields back
into an Article with `from_stored`, and both use the constants below. Bump
SCHEMA_VERSION whenever a change here needs a reindex; a server or script
meeting an index of another version says so instead of misreading it.
"""
from __future__ import annotations

from datetime import datetime

from whoosh import columns, fields
from whoosh.analysis import (CharsetFilter, IDTokenizer, LowercaseFilter, RegexTokenizer,
                             StemFilter, StopFilter)
from whoosh.support.charset import accent_map

from index import clusters
from index.article import Article, Quote
from index.dates import day_key, month_key

SCHEMA_VERSION = 2

ID = "id"
TITLE = "title"
BODY = "body"
URL = "url"
SOURCE = "source"
PUBLISHED = "published"
MONTH = "month"  # "1987-03": the published histogram's bucket, kept as a column
DAY = "day"  # "1987-03-31": date filters are ranges over these few terms, not over timestamps
DATED = "dated"  # "1" when published is known: undated articles sort last either way
AUTHORS = "authors"
PEOPLE = "people"
ORGANIZATIONS = "organizations"
PLACES = "places"
TAGS = "tags"
SECTION = "section"
LANGUAGE = "language"
DATELINE = "dateline"
TITLE_DERIVED = "title_derived"
SOURCE_ID = "source_id"
ORIGIN = "origin"
CONTENT_HASH = "content_hash"
INDEXED = "indexed"
QUOTES = "quotes"  # stored [(text, speaker)] for display
QUOTE = "quote"  # the quoted words, searchable (`quote:"listening exercise"`)
SPEAKER = "speaker"  # who was quoted, by the words of their name (`speaker:leavitt`)
CLUSTER = "cluster"  # the syndicated-story cluster: the id of its first article
SKETCH = "sketch"  # the body's near-duplicate sketch, a column read by incremental runs

TEXT_FIELDS = (TITLE, BODY)
ACTOR_FIELDS = (PEOPLE, ORGANIZATIONS, PLACES)
KEYWORD_FIELDS = ACTOR_FIELDS + (TAGS,)
# Field scopes a query may use, by the name users type (`person:volcker`).
QUERY_SCOPES = {"title": TITLE, "body": BODY, "source": SOURCE, "person": PEOPLE,
                "organization": ORGANIZATIONS, "place": PLACES, "tag": TAGS,
                "section": SECTION, "language": LANGUAGE, "dateline": DATELINE,
                "quote": QUOTE, "speaker": SPEAKER}


def text_analyzer():
    """Case- and accent-insensitive English analysis with stemming.

    Accents are folded before stemming so `Zürich` and `Zurich` meet.
    """
    return (RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)
            | StopFilter() | StemFilter())


def name_analyzer():
    """Words of names, case- and accent-insensitive, never stemmed or dropped as stop words.

    `speaker:leavitt` and `speaker:"karoline leavitt"` both find Karoline Leavitt.
    """
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


def exact_analyzer():
    """A whole value as one case-insensitive term: `source:reuters` finds "Reuters".

    The column (used for facets and sorting) keeps the value as given.
    """
    return IDTokenizer() | LowercaseFilter()


def build_schema() -> fields.Schema:
    analyzer = text_analyzer()
    keyword = dict(stored=True, commas=True, scorable=True, lowercase=True)
    exact = exact_analyzer()
    return fields.Schema(**{
        ID: fields.ID(stored=True, unique=True, sortable=True),
        TITLE: fields.TEXT(analyzer=analyzer, stored=True),
        BODY: fields.TEXT(analyzer=analyzer, stored=True),
        URL: fields.ID(stored=True),
        SOURCE: fields.ID(stored=True, sortable=True, analyzer=exact),
        PUBLISHED: fields.DATETIME(stored=True, sortable=True),
        MONTH: fields.ID(sortable=True),
        DAY: fields.ID(),
        DATED: fields.ID(sortable=True),
        AUTHORS: fields.STORED(),
        PEOPLE: fields.KEYWORD(**keyword),
        ORGANIZATIONS: fields.KEYWORD(**keyword),
        PLACES: fields.KEYWORD(**keyword),
        TAGS: fields.KEYWORD(**keyword),
        SECTION: fields.ID(stored=True, analyzer=exact),
        LANGUAGE: fields.ID(stored=True, analyzer=exact),
        DATELINE: fields.ID(stored=True, analyzer=exact),
        TITLE_DERIVED: fields.STORED(),
        SOURCE_ID: fields.STORED(),
        ORIGIN: fields.STORED(),
        CONTENT_HASH: fields.ID(stored=True, sortable=True),
        INDEXED: fields.DATETIME(stored=True, sortable=True),
        QUOTES: fields.STORED(),
        QUOTE: fields.TEXT(analyzer=analyzer),
        SPEAKER: fields.TEXT(analyzer=name_analyzer()),
        CLUSTER: fields.ID(stored=True, sortable=True),
        SKETCH: fields.COLUMN(columns.VarBytesColumn()),
    })


def _join(values: tuple[str, ...]) -> str:
    return ",".join(values)


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(v for v in (value or "").split(",") if v)


def to_document(article: Article, indexed: datetime) -> dict:
    """The Whoosh document for an article; empty values are left out, not stored as ''."""
    doc = {
        ID: article.id, TITLE: article.title, BODY: article.body, URL: article.url,
        SOURCE: article.source, AUTHORS: list(article.authors),
        PEOPLE: _join(article.people), ORGANIZATIONS: _join(article.organizations),
        PLACES: _join(article.places), TAGS: _join(article.tags),
        SECTION: article.section, LANGUAGE: article.language, DATELINE: article.dateline,
        TITLE_DERIVED: article.title_derived, SOURCE_ID: article.source_id,
        ORIGIN: article.origin, CONTENT_HASH: article.content_hash, INDEXED: indexed,
        QUOTES: [(q.text, q.speaker) for q in article.quotes],
        QUOTE: "\n\n".join(q.text for q in article.quotes),
        # Each speaker once; the field is words of names, so a surname alone finds them.
        SPEAKER: "\n\n".join(dict.fromkeys(q.speaker for q in article.quotes if q.speaker)),
        CLUSTER: article.cluster or article.id, SKETCH: clusters.encode(article.sketch),
    }
    if article.published is not None:
        doc[PUBLISHED] = article.published
        doc[MONTH] = month_key(article.published)
        doc[DAY] = day_key(article.published)
        doc[DATED] = "1"
    return {name: value for name, value in doc.items() if value not in ("", None, [], b"")}


def from_stored(stored: dict) -> Article:
    """Rebuild the Article from a hit's stored fields (plain data, safe after the searcher closes)."""
    return Article(
        id=stored[ID], title=stored.get(TITLE, ""), body=stored.get(BODY, ""),
        url=stored.get(URL, ""), source=stored.get(SOURCE, ""),
        published=stored.get(PUBLISHED), authors=tuple(stored.get(AUTHORS) or ()),
        people=_split(stored.get(PEOPLE)), organizations=_split(stored.get(ORGANIZATIONS)),
        places=_split(stored.get(PLACES)), tags=_split(stored.get(TAGS)),
        section=stored.get(SECTION, ""), language=stored.get(LANGUAGE, ""),
        dateline=stored.get(DATELINE, ""), title_derived=bool(stored.get(TITLE_DERIVED)),
        source_id=stored.get(SOURCE_ID, ""), origin=stored.get(ORIGIN, ""),
        quotes=tuple(Quote(text, speaker) for text, speaker in stored.get(QUOTES) or ()),
        cluster=stored.get(CLUSTER, ""),
    )
