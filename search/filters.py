"""Filter parameters (`source=Reuters`, `person=Vladimir Putin`) and the field each matches.

Declared once here; the request parser accepts exactly these names. A filter
matches a whole value, case-insensitively, as facets list it: `person=Reagan`
is not `Ronald Reagan`.
"""
from __future__ import annotations

from whoosh import query

from index import schema

FILTERS: dict[str, str] = {
    "source": schema.SOURCE,
    "actor": schema.VALUE_FIELDS[schema.ACTORS],
    "person": schema.VALUE_FIELDS[schema.PEOPLE],
    "organization": schema.VALUE_FIELDS[schema.ORGANIZATIONS],
    "place": schema.VALUE_FIELDS[schema.PLACES],
    "tag": schema.TAGS,
    "section": schema.SECTION,
    "language": schema.LANGUAGE,
}


def filter_query(name: str, value: str) -> query.Term:
    return query.Term(FILTERS[name], " ".join(value.split()).lower())
