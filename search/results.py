"""Articles and hits as plain, JSON-ready dictionaries.

Everything here is materialised inside the searcher's `with` block: no
Whoosh object leaves the search layer (a hit dies with its searcher).
Strings are plain text exactly as indexed, except `snippet` and
`title_html`, which are escaped HTML whose only markup is <mark>.
"""
from __future__ import annotations

from datetime import datetime

from index.article import Article
from index.dates import format_utc

# Keys a search result may carry, in response order; `fields=` picks among them.
RESULT_FIELDS = ("id", "url", "title", "title_html", "title_derived", "source", "published",
                 "indexed", "authors", "people", "organizations", "places", "tags", "section",
                 "language", "dateline", "snippet", "score", "cluster", "body")
DEFAULT_FIELDS = tuple(name for name in RESULT_FIELDS if name != "body")
# Exports (CSV, JSON Lines) by default leave out title_html too: in a file it repeats the title.
EXPORT_FIELDS = tuple(name for name in DEFAULT_FIELDS if name != "title_html")


def article_dict(article: Article, cluster: dict | None = None) -> dict:
    """The article as the API shows it (GET /api/v1/articles/<id>)."""
    return {
        "id": article.id, "url": article.url or None, "title": article.title,
        "title_derived": article.title_derived, "source": article.source or None,
        "published": format_utc(article.published), "authors": list(article.authors),
        "body": article.body, "people": list(article.people),
        "organizations": list(article.organizations), "places": list(article.places),
        "section": article.section or None, "tags": list(article.tags),
        "language": article.language or None, "dateline": article.dateline or None,
        "origin": article.origin or None, "source_id": article.source_id or None,
        "quotes": [{"text": q.text, "speaker": q.speaker or None} for q in article.quotes],
        "cluster": cluster or {"id": article.cluster or article.id, "size": 1},
    }


def result_dict(article: Article, fields: tuple[str, ...], *, score: float | None,
                snippet: str | None, title_html: str | None, cluster: dict | None,
                indexed: datetime | None = None) -> dict:
    """One search result with the keys in `fields`; `indexed` is when it entered the archive."""
    full = article_dict(article, cluster)
    full.update(score=None if score is None else round(score, 4), snippet=snippet,
                title_html=title_html, indexed=format_utc(indexed))
    return {name: full[name] for name in fields}


def query_echo(request, parsed: str, interval: str | None) -> dict:
    """The response's "query": what was asked, as understood (both backends answer it)."""
    return {"q": request.q, "parsed": parsed, "sort": request.sort,
            "page": request.page, "page_size": request.page_size,
            "filters": [{"name": n, "value": v} for n, v in request.filters],
            "from": format_utc(request.date_from), "to": format_utc(request.date_to),
            "collapse": request.collapse, "count": request.count,
            "interval": interval, "recency": request.recency or None}
