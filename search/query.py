"""The user's query text and filters -> a Whoosh query, or a BadRequest saying why not.

Whoosh's parser degrades instead of failing (a query of only stop words
becomes a null query and matches nothing), so the parsed tree is checked:
a query that means nothing, a leading wildcard, or a wildcard that would
expand to too many terms is refused with a message and, where known, the
character position.
"""
from __future__ import annotations

from datetime import time
from functools import lru_cache
from itertools import islice

from whoosh import query
from whoosh.qparser import FieldAliasPlugin, MultifieldParser, PlusMinusPlugin
from whoosh.reading import IndexReader
from whoosh.searching import Searcher
from whoosh.util.times import datetime_to_long

from index import schema
from index.columns import column
from index.dates import day_key
from index.errors import BadRequest
from search.filters import filter_query
from search.ranking import FIELD_BOOSTS
from search.request import SearchRequest


@lru_cache(maxsize=1)
def parser() -> MultifieldParser:
    """Built once: terms are looked up in title and body, every term required.

    Whoosh's parser is stateless between calls, so one instance serves all threads.
    """
    qp = MultifieldParser(list(schema.TEXT_FIELDS), schema.build_schema(),
                          fieldboosts=FIELD_BOOSTS)
    aliases: dict[str, list[str]] = {}
    for typed, field in schema.QUERY_SCOPES.items():
        if typed != field:
            aliases.setdefault(field, []).append(typed)
    qp.add_plugin(FieldAliasPlugin(aliases))
    qp.add_plugin(PlusMinusPlugin())  # without it, `cocoa -futures` would require "futures"
    return qp


def _walk(node: query.Query):
    yield node
    for child in node.children():
        yield from _walk(child)


def _check_expansions(parsed: query.Query, reader: IndexReader, max_terms: int) -> None:
    for node in _walk(parsed):
        if not isinstance(node, query.MultiTerm) or isinstance(node, query.Every):
            continue
        text = getattr(node, "text", "")
        position = getattr(node, "startchar", None)
        if isinstance(node, query.Wildcard) and text[:1] in ("*", "?"):
            raise BadRequest(f"a wildcard may not start a word ({text!r}): "
                             "give at least one letter first, as in putin*",
                             param="q", position=position)
        expanded = sum(1 for _ in islice(node.expanded_terms(reader), max_terms + 1))
        if expanded > max_terms:
            raise BadRequest(f"{text!r} matches more than {max_terms:,} different words; "
                             "make it more specific", param="q", position=position)


def build_query(request: SearchRequest, reader: IndexReader, max_wildcard_terms: int
                ) -> query.Query:
    if request.q == "*":
        return query.Every()
    parsed = parser().parse(request.q).normalize()
    if parsed is query.NullQuery:
        raise BadRequest(f"the query {request.q!r} has no searchable words "
                         "(single letters and very common words such as 'the' are not indexed)", param="q")
    _check_expansions(parsed, reader, max_wildcard_terms)
    return parsed


def _days(reader: IndexReader, first: str | None, last: str | None) -> set[int]:
    """Documents published on any day from `first` to `last` (inclusive, None = open).

    Reading each day's posting list straight into a set is far cheaper than
    letting Whoosh union dozens of range matchers one document at a time.
    """
    docs: set[int] = set()
    for term, _info in reader.iter_field(schema.DAY, first or ""):
        day = term.decode("ascii")  # iter_field yields the raw bytes of each term
        if last is not None and day > last:
            break
        docs.update(reader.postings(schema.DAY, day).all_ids())
    return docs


def _date_docs(request: SearchRequest, reader: IndexReader) -> set[int]:
    """Documents within [from, to]: whole days by term, a bound's own day checked by time."""
    start, end = request.date_from, request.date_to
    docs = _days(reader, day_key(start) if start else None, day_key(end) if end else None)
    raw = column(reader, schema.PUBLISHED, translate=False)
    if start is not None and start.time() != time.min:
        limit = datetime_to_long(start)
        docs -= {doc for doc in _days(reader, day_key(start), day_key(start)) if raw[doc] < limit}
    if end is not None and end.time() != time.max:
        limit = datetime_to_long(end)
        docs -= {doc for doc in _days(reader, day_key(end), day_key(end)) if raw[doc] > limit}
    return docs


def build_filter(request: SearchRequest, searcher: Searcher) -> set[int] | query.Query | None:
    """What every result must satisfy: all filter parameters and the date range."""
    clauses: list[query.Query] = [filter_query(name, value) for name, value in request.filters]
    if not (request.date_from or request.date_to):
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else query.And(clauses)
    docs = _date_docs(request, searcher.reader())
    for clause in clauses:
        docs.intersection_update(searcher.docs_for_query(clause))
    return docs
