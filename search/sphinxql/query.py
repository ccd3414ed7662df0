"""A request's query for the SphinxQL backend: MATCH text plus attribute conditions.

Parsed by the same query language (search/sphinxql/translate.parse_query),
bounded by the same term limit, translated; `published:` clauses and the
`id:`/`cluster:` scopes become attribute conditions.
"""
from __future__ import annotations

from datetime import datetime, timezone

from index import schema as whoosh_schema
from index.errors import BadRequest
from index.sphinxql import schema
from search.dates import DateError, bounds
from search.limits import count_terms
from search.request import MAX_QUERY_TERMS, SearchRequest
from search.sphinxql import statement
from search.sphinxql.translate import AttributeFilter, parse_query, translate

ATTRIBUTE_NUMBER = {whoosh_schema.ID: "id", whoosh_schema.CLUSTER: "cluster_id"}


def _number(scope: str, value: str) -> int:
    """As index/sphinxql/rows.py numbers an article and its story."""
    return schema.doc_id(value) if scope == whoosh_schema.ID \
        else schema.value_id("cluster", value)


def _filter_condition(found: AttributeFilter) -> str:
    attribute = ATTRIBUTE_NUMBER[found.scope]
    numbers = ",".join(str(_number(found.scope, value)) for value in found.values)
    return f"{attribute} {'NOT IN' if found.exclude else 'IN'} ({numbers})"


def parsed_match(request: SearchRequest) -> tuple[str, list[str], str]:
    """(MATCH text, "" for every article; more WHERE conditions; the parsed query as text)."""
    if request.q.strip() == "*":
        return "", [], "*"
    tree = parse_query(request.q)
    terms = count_terms(tree)
    if terms > MAX_QUERY_TERMS:
        raise BadRequest(f"q has {terms} terms after parsing; at most {MAX_QUERY_TERMS} are "
                         "allowed", param="q")
    translation = translate(tree)
    now = request.now or datetime.now(timezone.utc).replace(tzinfo=None)
    conditions = []
    for clause in translation.dates:
        try:
            period = bounds(clause.op, clause.values, now, clause.exclusive)
        except DateError as exc:
            raise BadRequest(str(exc), param="q", position=clause.position) from None
        conditions += statement.period_conditions(period.start, period.end)
    conditions += [_filter_condition(found) for found in translation.filters]
    return translation.match, conditions, translation.match or "*"
