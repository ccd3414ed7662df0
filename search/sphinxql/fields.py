"""Morgue's fields as the SphinxQL backend searches them, and queries parsed over them as typed.

Which Sphinx field each Whoosh field a query may name maps to, and how a word in it
is matched there: unstemmed (names, quotations, the exact title), as a whole value
(source, section, language, dateline) or not as text at all (`id:`, `cluster:` are
attribute filters). `parse_query` parses with Morgue's parser over a copy of the
schema whose text fields keep each word as typed: stemming, stop words and case are
Whoosh's analysis, and Sphinx must analyse the words itself, as it analysed the
documents. search/sphinxql/translate.py turns what it parses into Sphinx's syntax.
"""
from __future__ import annotations

import copy
from functools import lru_cache

from whoosh import query
from whoosh.analysis import RegexTokenizer
from whoosh.fields import TEXT, Schema
from whoosh.qparser import QueryParser

from index import schema
from index.analysis import ENGLISH, NEUTRAL
from index.sphinxql import schema as sphinx_schema
from search import parsing

# Each word is searched in these (all unstemmed here), which map to Sphinx's title, body, actors.
DEFAULT_FIELDS = (schema.TITLE_FIELDS[NEUTRAL], schema.BODY_FIELDS[NEUTRAL], schema.ACTORS)
FILTER_SCOPES = (schema.ID, schema.CLUSTER)  # attribute filters, not text

NAME_FIELDS = (schema.PEOPLE, schema.ORGANIZATIONS, schema.PLACES, schema.ACTORS, schema.SPEAKER)
WHOLE_VALUE_FIELDS = (schema.SOURCE, schema.SECTION, schema.LANGUAGE, schema.DATELINE)
SPHINX_FIELDS = {
    **{field: schema.TITLE for field in schema.TITLE_FIELDS.values()},
    **{field: schema.BODY for field in schema.BODY_FIELDS.values()},
    schema.LEDE: schema.BODY, schema.TITLE_EXACT: schema.TITLE,
    **{field: field for field in (*NAME_FIELDS, *WHOLE_VALUE_FIELDS, schema.TAGS, schema.QUOTE)},
}
if not set(SPHINX_FIELDS.values()) <= set(sphinx_schema.FIELDS):
    raise RuntimeError("index/sphinxql/schema.py lacks a field the translation searches")
UNSTEMMED_FIELDS = {schema.TITLE_EXACT, schema.QUOTE, *NAME_FIELDS}  # matched with `=word`
# A word's copies in these fields were stemmed by Whoosh: not the word as typed.
STEMMED_FIELDS = (set(schema.TITLE_FIELDS.values()) | set(schema.BODY_FIELDS.values())
                  | {schema.LEDE}) - {schema.TITLE_FIELDS[NEUTRAL], schema.BODY_FIELDS[NEUTRAL]}


def _verbatim_schema() -> Schema:
    fields = schema.build_schema()
    for name in fields.names():
        if isinstance(fields[name], TEXT):
            fields[name].analyzer = RegexTokenizer()  # case too: Sphinx folds it
        if hasattr(fields[name], "multitoken_query"):
            fields[name].multitoken_query = "phrase"  # as search/parsing.py: four-power
    return fields


@lru_cache(maxsize=2)
def _parser(natural_language: bool) -> QueryParser:
    """Morgue's parser (no field weights: Sphinx has its own) over the verbatim schema."""
    qp = copy.copy(parsing.parser(DEFAULT_FIELDS, (), natural_language))
    qp.schema = _verbatim_schema()
    return qp


def parse_query(text: str) -> query.Query:
    """The query `text` as search/query.py reads it (`*` is every article), words as typed."""
    if text == "*":
        return query.Every()
    return parsing.parse(parsing.as_typed(text), _parser(parsing.is_natural_language(text)))


def analysis(field: str) -> str:
    """Fields whose copies of one word are alike: a language's, names', words as typed."""
    if field in STEMMED_FIELDS:
        return field.rsplit("_", 1)[-1] if field != schema.LEDE else ENGLISH
    return "names" if field in NAME_FIELDS else "typed"


def form(field: str) -> str:
    """Fields whose copies of one word are the same value: text, tags, or each whole-value
    field and filter scope on its own."""
    if field in WHOLE_VALUE_FIELDS or field in FILTER_SCOPES:
        return field
    return schema.TAGS if field == schema.TAGS else "text"


def verbatim_rank(field: str) -> int:
    """How well a word's copy in the field keeps it as typed: 0 as typed, 1 stop words out,
    2 stemmed."""
    return 2 if field in STEMMED_FIELDS else 1 if field in NAME_FIELDS else 0
