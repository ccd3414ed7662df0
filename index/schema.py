"""The Whoosh schema: field names, the schema version, and Article <-> document.

Nothing else spells a field name as a string: the write path turns an Article
into a document with `to_document`, the read path turns stored fields back
into an Article with `from_stored`, and both use the constants below. Bump
SCHEMA_VERSION whenever a change here needs a reindex; a server or script
meeting an index of another version says so instead of misreading it.

Article text is indexed once, in the fields of its language (`title_en` and
`body_en`, `title_de` and `body_de`, ..., `title_xx` and `body_xx` for
languages without a stemmer), so each article is analysed as it is written;
the title and body are stored once, for display, in `title` and `body`.
Names are indexed three ways: by their words (`person:putin`), as whole values
for filters (`person=Vladimir Putin`), and in a column for facet counts.
"""
from __future__ import annotations

from datetime import datetime

from whoosh import columns, fields

from index import clusters
from index.analysis import (ENGLISH, NEUTRAL, STEMMED_LANGUAGES, names_analyzer,
                            text_analyzer, value_analyzer, words_analyzer)
from index.article import Article, Quote
from index.dates import day_key

SCHEMA_VERSION = 3

ID = "id"
TITLE = "title"  # stored for display; indexed in title_<language>
BODY = "body"  # stored for display; indexed in body_<language>
LEDE = "lede"  # the first paragraph of English text, a ranking field of its own
TITLE_EXACT = "title_exact"  # headline words unstemmed, for `=word` and `exact:"..."`
URL = "url"
SOURCE = "source"
PUBLISHED = "published"
DAY = "day"  # "1987-03-31": date filters and histograms work on these few terms and a column
DATED = "dated"  # "1" when published is known: undated articles sort last either way
AUTHORS = "authors"
PEOPLE = "people"
ORGANIZATIONS = "organizations"
PLACES = "places"
ACTORS = "actors"  # the words of every name, a ranking field and the `actor:` scope
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
QUOTE = "quote"  # the quoted words as said, searchable (`quote:"listening exercise"`)
SPEAKER = "speaker"  # who was quoted, by the words of their name (`speaker:leavitt`)
CLUSTER = "cluster"  # the syndicated-story cluster: the id of its first article
SKETCH = "sketch"  # the body's near-duplicate sketch, a column read by incremental runs

LANGUAGES = (ENGLISH, *STEMMED_LANGUAGES, NEUTRAL)
TITLE_FIELDS = {language: f"title_{language}" for language in LANGUAGES}
BODY_FIELDS = {language: f"body_{language}" for language in LANGUAGES}
ACTOR_FIELDS = (PEOPLE, ORGANIZATIONS, PLACES)
# Whole values, one term each (lower-cased), for exact filters.
VALUE_FIELDS = {PEOPLE: "people_value", ORGANIZATIONS: "organizations_value",
                PLACES: "places_value", ACTORS: "actors_value"}
# Multi-valued fields' values per document, as a column, for facet counts.
FACET_COLUMNS = {PEOPLE: "people_facet", ORGANIZATIONS: "organizations_facet",
                 PLACES: "places_facet", TAGS: "tags_facet"}
FACET_SEPARATOR = "\x1f"

# Field scopes a query may use, by the name users type, and the fields each searches.
QUERY_SCOPES: dict[str, tuple[str, ...]] = {
    "title": tuple(TITLE_FIELDS.values()),
    "body": tuple(BODY_FIELDS.values()) + (LEDE,),
    "person": (PEOPLE,), "people": (PEOPLE,),
    "organization": (ORGANIZATIONS,), "organizations": (ORGANIZATIONS,),
    "place": (PLACES,), "places": (PLACES,),
    "actor": (ACTORS,), "actors": (ACTORS,),
    "source": (SOURCE,), "section": (SECTION,), "tag": (TAGS,), "tags": (TAGS,),
    "language": (LANGUAGE,), "dateline": (DATELINE,), "quote": (QUOTE,),
    "speaker": (SPEAKER,), "published": (PUBLISHED,), "id": (ID,), "cluster": (CLUSTER,),
    # `=word`: unstemmed, in headlines, names and quotations.
    "exact": (TITLE_EXACT, ACTORS, QUOTE),
}


def language_of(code: str) -> str:
    """The analysis language for an article's language code ("" and unknown codes: English)."""
    if not code or code == ENGLISH:
        return ENGLISH
    return code if code in STEMMED_LANGUAGES else NEUTRAL


def build_schema() -> fields.Schema:
    value = value_analyzer()
    names = names_analyzer()
    values = dict(commas=True, lowercase=True)
    spec = {
        ID: fields.ID(stored=True, unique=True, sortable=True),
        TITLE: fields.STORED(),
        BODY: fields.STORED(),
        LEDE: fields.TEXT(analyzer=text_analyzer(ENGLISH)),
        TITLE_EXACT: fields.TEXT(analyzer=words_analyzer()),
        URL: fields.ID(stored=True),
        SOURCE: fields.ID(stored=True, sortable=True, analyzer=value),
        PUBLISHED: fields.DATETIME(stored=True, sortable=True),
        DAY: fields.ID(sortable=True),
        DATED: fields.ID(sortable=True),
        AUTHORS: fields.STORED(),
        PEOPLE: fields.TEXT(analyzer=names, stored=True),
        ORGANIZATIONS: fields.TEXT(analyzer=names, stored=True),
        PLACES: fields.TEXT(analyzer=names, stored=True),
        ACTORS: fields.TEXT(analyzer=names),
        TAGS: fields.KEYWORD(stored=True, **values),
        SECTION: fields.ID(stored=True, sortable=True, analyzer=value),
        LANGUAGE: fields.ID(stored=True, sortable=True, analyzer=value),
        DATELINE: fields.ID(stored=True, analyzer=value),
        TITLE_DERIVED: fields.STORED(),
        SOURCE_ID: fields.STORED(),
        ORIGIN: fields.STORED(),
        CONTENT_HASH: fields.ID(stored=True, sortable=True),
        INDEXED: fields.DATETIME(stored=True, sortable=True),
        QUOTES: fields.STORED(),
        QUOTE: fields.TEXT(analyzer=words_analyzer()),
        SPEAKER: fields.TEXT(analyzer=names),
        CLUSTER: fields.ID(stored=True, sortable=True),
        SKETCH: fields.COLUMN(columns.VarBytesColumn()),
    }
    for language in LANGUAGES:
        analyzer = text_analyzer(language)
        spec[TITLE_FIELDS[language]] = fields.TEXT(analyzer=analyzer)
        spec[BODY_FIELDS[language]] = fields.TEXT(analyzer=analyzer)
    for name in VALUE_FIELDS.values():
        spec[name] = fields.KEYWORD(**values)
    for name in FACET_COLUMNS.values():
        spec[name] = fields.COLUMN(columns.VarBytesColumn())
    return fields.Schema(**spec)


def _join(values: tuple[str, ...]) -> str:
    return ",".join(values)


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(v for v in (value or "").split(",") if v)


def _facet_value(values: tuple[str, ...]) -> bytes:
    return FACET_SEPARATOR.join(values).encode("utf-8")


def facet_values(raw: bytes) -> list[str]:
    """The values a facet column holds for one document."""
    return raw.decode("utf-8").split(FACET_SEPARATOR) if raw else []


def to_document(article: Article, indexed: datetime, content_hash: str | None = None) -> dict:
    """The Whoosh document for an article; empty values are left out, not stored as ''.

    `content_hash` keeps the hash of the article as it was read when the writer
    rewrites it after archive-wide normalisation (index/resolution.py).
    """
    language = language_of(article.language)
    names = article.people + article.organizations + article.places
    doc = {
        ID: article.id, TITLE: article.title, BODY: article.body, URL: article.url,
        TITLE_FIELDS[language]: article.title, BODY_FIELDS[language]: article.body,
        TITLE_EXACT: article.title, SOURCE: article.source, AUTHORS: list(article.authors),
        PEOPLE: _join(article.people), ORGANIZATIONS: _join(article.organizations),
        PLACES: _join(article.places), ACTORS: _join(names), TAGS: _join(article.tags),
        VALUE_FIELDS[PEOPLE]: _join(article.people),
        VALUE_FIELDS[ORGANIZATIONS]: _join(article.organizations),
        VALUE_FIELDS[PLACES]: _join(article.places), VALUE_FIELDS[ACTORS]: _join(names),
        SECTION: article.section, LANGUAGE: article.language, DATELINE: article.dateline,
        TITLE_DERIVED: article.title_derived, SOURCE_ID: article.source_id,
        ORIGIN: article.origin, CONTENT_HASH: content_hash or article.content_hash,
        INDEXED: indexed,
        QUOTES: [(q.text, q.speaker) for q in article.quotes],
        QUOTE: "\n\n".join(q.text for q in article.quotes),
        SPEAKER: _join(tuple(dict.fromkeys(q.speaker for q in article.quotes if q.speaker))),
        CLUSTER: article.cluster or article.id, SKETCH: clusters.encode(article.sketch),
    }
    if language == ENGLISH:
        doc[LEDE] = article.body.split("\n\n", 1)[0]
    for field, column in FACET_COLUMNS.items():
        doc[column] = _facet_value(getattr(article, field))
    if article.published is not None:
        doc[PUBLISHED] = article.published
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
