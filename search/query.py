"""The request's query text and filters -> a Whoosh query and a set of allowed documents.

The parsed query is checked (search/parsing.py) and its date clauses are
resolved against the request's "now" into document sets; wildcards, fuzzy
words and ranges are expanded once into the index words they match
(search/expansion.py), refused with the word's position when they match too many.
"""
from __future__ import annotations

from datetime import datetime

from whoosh import query
from whoosh.searching import Searcher

from index.errors import BadRequest
from search import expansion, parsing, ranking, vectorized
from search.dates import DateError, Period, bounds
from search.docsets import DocSet, published_within
from search.filters import filter_query
from search.request import SearchRequest


def _every_article(node: query.Query) -> query.Query:
    """A bare `*` among other words (`cocoa *`, `title:*`) means any article.

    Whoosh reads it as "any word of this field" and walks every posting of the
    field to find them: seconds on a large archive, for a clause that selects
    nearly everything. Here it selects every article: an OR with it is every
    article, an AND leaves it out. (Whoosh's own normalize() would turn the
    whole AND into every article, so it is not used on the result.)
    """
    if isinstance(node, query.Every):
        return query.Every()
    if isinstance(node, query.Or) and any(_is_every(sub) for sub in node.subqueries):
        return query.Every()
    if isinstance(node, query.And):
        kept = [sub for sub in node.subqueries if not _is_every(sub)]
        if len(kept) < len(node.subqueries):
            if not kept:
                return query.Every()
            return kept[0] if len(kept) == 1 else node.__class__(kept, boost=node.boost)
    if isinstance(node, query.AndMaybe) and _is_every(node.b):
        return node.a
    return node


def _is_every(node: query.Query) -> bool:
    return isinstance(node, query.Every) and node.fieldname is None


def _resolve_dates(node: query.Query, searcher: Searcher, now: datetime) -> query.Query:
    """Replace each `published:` clause with the documents it selects."""
    if isinstance(node, parsing.DateClause):
        try:
            period = bounds(node.op, node.values, now, node.exclusive)
        except DateError as exc:
            raise BadRequest(str(exc), param="q", position=node.position) from None
        return DocSet(published_within(searcher, period), label=node.text)
    if node.children():
        return node.apply(lambda child: _resolve_dates(child, searcher, now))
    return node


def build_query(request: SearchRequest, searcher: Searcher, max_wildcard_terms: int,
                now: datetime, budget=None) -> query.Query:
    """The request's query, checked, dates resolved, wildcards and fuzzy words expanded
    (BadRequest when their look-up spends the `budget`, a search.limits.Budget)."""
    if request.q == "*":
        return query.Every()
    reader = searcher.reader()
    qp = parsing.parser(ranking.default_fields(reader), tuple(ranking.field_boosts().items()),
                        parsing.is_natural_language(request.q))
    parsed = _resolve_dates(parsing.parse(parsing.as_typed(request.q), qp), searcher, now)
    parsed = parsed.accept(_every_article)
    return expansion.expand(parsed, reader, max_wildcard_terms, budget)


def build_filter(request: SearchRequest, searcher: Searcher) -> set[int] | None:
    """The documents every result must be among: all filter parameters and the date range."""
    if not request.filters and not (request.date_from or request.date_to):
        return None
    docs: set[int] | None = None
    if request.date_from or request.date_to:
        docs = published_within(searcher, Period(request.date_from, request.date_to))
    for name, value in request.filters:
        allowed = vectorized.matching(searcher, filter_query(name, value))
        docs = allowed if docs is None else docs & allowed
    return docs
