"""Filter parameters (`source=Reuters`, `person=Reagan`) and the fields they match.

Declared once here; the request parser accepts exactly these names and the
query builder turns each into a Whoosh term on its fields.
"""
from __future__ import annotations

from whoosh import query

from index import schema

# parameter -> the fields it matches (each indexes whole values, lower-cased)
FILTERS: dict[str, tuple[str, ...]] = {
    "source": (schema.SOURCE,),
    "actor": schema.ACTOR_FIELDS,
    "person": (schema.PEOPLE,),
    "organization": (schema.ORGANIZATIONS,),
    "place": (schema.PLACES,),
    "tag": (schema.TAGS,),
    "section": (schema.SECTION,),
    "language": (schema.LANGUAGE,),
}


def filter_query(name: str, value: str) -> query.Query:
    terms = [query.Term(field, value.lower()) for field in FILTERS[name]]
    return terms[0] if len(terms) == 1 else query.Or(terms)
