"""Morgue's parsed query -> Sphinx 2.2 extended query syntax: the MATCH() of the SphinxQL backend.

Both backends read one query language (search/parsing.py). `parse_query` (fields.py,
re-exported here) parses it with each word as typed, since Sphinx must analyse the words
itself, as it analysed the documents. `translate` then walks the tree:
- a word Whoosh searches in several fields is one clause over the Sphinx fields they map
  to (`@(title,body,actors) oil`), not an OR of copies;
- names, quotations and `=word` match unstemmed (`@people =putin`): Whoosh indexes them
  unstemmed and Sphinx stems every field; whole values (source, section, language,
  dateline) match from the field's start to its end (`@source "=^reuters$"`);
- a pasted sentence's OR group becomes `|` of its words: Sphinx's default ranker
  (proximity_bm25) ranks a story matching more of them higher, as the coordination does;
- `published:` clauses and `id:`/`cluster:` values come back apart, to become attribute
  filters, so they must be ANDed with the rest of the query;
- what Sphinx 2.2 would answer differently is refused with BadRequest naming it.
Ranking is Sphinx's own; the translation keeps which articles match.
Words reach Sphinx as runs of the letters and digits its index holds (any other character
is refused, as Sphinx would drop it), escaped all the same;
the MATCH text is for a pymysql parameter (`MATCH(%s)`), never for splicing into SQL.
"""
from __future__ import annotations

import re
import string
from dataclasses import dataclass, replace

from whoosh import query

from index import schema
from index.errors import BadRequest
from index.sphinxql import schema as sphinx_schema
from index.sphinxql.charset import is_indexed
from search import docsets, expansion, feedback, parsing, ranking
from search.sphinxql.fields import (FILTER_SCOPES, SPHINX_FIELDS, UNSTEMMED_FIELDS,
                                    WHOLE_VALUE_FIELDS, analysis, form, parse_query,
                                    verbatim_rank)

# parse_query is fields.py's: search/sphinxql/query.py and the tests import it from here.
__all__ = ["AttributeFilter", "Translation", "parse_query", "translate"]

BACKEND = "the sphinxql backend"
MIN_PREFIX = int(dict(sphinx_schema.INDEX_SETTINGS)["min_prefix_len"])  # shorter: no match
_LEAVES = (query.Term, query.Phrase, query.Prefix)
_NULL = type(query.NullQuery)  # not one object: Whoosh copies it
_LATER_STAGES = (expansion.Expanded, docsets.DocSet, feedback.Refined, feedback.Unmarked)
_TOKEN = re.compile(r"\w+")
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


@dataclass(frozen=True)
class AttributeFilter:
    """`id:` or `cluster:` values, for `id IN (...)` / `cluster_id IN (...)`, not text."""

    scope: str  # schema.ID or schema.CLUSTER
    values: tuple[str, ...]  # as typed: ids are case-sensitive
    exclude: bool = False  # from NOT or -: the article has none of them


@dataclass(frozen=True)
class Translation:
    match: str  # Sphinx extended query; "" matches every article (leave MATCH() out)
    dates: tuple[parsing.DateClause, ...] = ()  # ANDed: the caller resolves them to filters
    filters: tuple[AttributeFilter, ...] = ()


def translate(q: query.Query) -> Translation:
    """The Sphinx query, date clauses and attribute filters for a parsed query, or BadRequest.

    Trees from the Whoosh path's parser work too, but there stop words are gone from
    phrases and a word only in stemmed fields is lost (ValueError): use `parse_query`.
    """
    parts = _Parts()
    parts.add(q)
    return Translation(parts.match(), tuple(parts.dates), tuple(parts.filters))


@dataclass(frozen=True)
class _Clause:
    """Sphinx text under one field limit, or (fields None) a group carrying its own limits."""

    text: str
    fields: tuple[str, ...] | None = None

    def render(self) -> str:
        return self.text if self.fields is None else f"{_limit(self.fields)} {self.text}"


class _Parts:
    """The top-level AND: text clauses in order, and the dates and filters beside them."""

    def __init__(self) -> None:
        self.clauses: list[tuple[str, _Clause]] = []  # (sign, clause)
        self.dates: list[parsing.DateClause] = []
        self.filters: list[AttributeFilter] = []

    def add(self, node: query.Query, negated: bool = False) -> None:
        _check_boost(node)
        kind, found = type(node), _filter(node)
        if kind is parsing.DateClause:
            if negated:
                raise _date_refused(node)
            self.dates.append(node)
        elif found is not None:
            self.filters.append(replace(found, exclude=negated))
        elif negated:
            self.clauses.append(("-", _excluded(node)))
        elif kind is query.And:
            for child in node.subqueries:
                self.add(child)
        elif kind is query.AndNot:
            self.add(node.a)
            self.add(node.b, negated=True)
        elif kind is query.Not:
            self.add(node.query, negated=True)
        elif kind is query.AndMaybe:
            required = _Parts()
            required.add(node.a)
            self.dates += required.dates
            self.filters += required.filters
            self.clauses.append(("", _maybe(required.clause(), _render(node.b))))
        else:
            clause = _render(node)
            if clause is not None:
                self.clauses.append(("", clause))

    def clause(self, top: bool = False) -> _Clause | None:
        """These clauses ANDed; None (every article) when there are none."""
        if not self.clauses:
            return None
        if all(sign == "-" for sign, _ in self.clauses):
            raise _only_excluded()
        return _sequence(self.clauses, " ", top=top)

    def match(self) -> str:
        clause = self.clause(top=True)
        return "" if clause is None else clause.render()


def _render(node: query.Query) -> _Clause | None:
    """The Sphinx text for `node` below the top level; None when it matches every article."""
    _check_boost(node)
    kind = type(node)
    if kind in _LEAVES:
        return _words([node])
    if kind in (query.Or, query.DisjunctionMax):  # the same articles; Sphinx ranks its way
        return _any_of(node.subqueries)
    if kind in (query.And, query.AndNot, query.AndMaybe, query.Not):
        parts = _Parts()
        parts.add(node)
        if parts.dates:
            raise _date_refused(parts.dates[0])
        if parts.filters:
            raise _filter_refused(node)
        return parts.clause()
    if kind is query.Every:
        return None
    if kind is _NULL:  # what Whoosh left of an unreadable clause: it matches nothing
        raise BadRequest("a part of the query has no searchable words (an unreadable range or "
                         "date?); remove it", param="q")
    raise _unsupported(node)


def _any_of(children: list[query.Query]) -> _Clause | None:
    """An OR: each run of one word's copies (MultifieldPlugin's, a scope's) is one clause."""
    items: list[tuple[str, _Clause]] = []
    for run in _runs(children):
        if isinstance(run, list):
            items.append(("", _words(run)))
            continue
        if type(run) is query.Not:
            raise BadRequest(f"excluding words inside an OR (a OR NOT b) is not supported by "
                             f"{BACKEND}: Sphinx needs a word beside the NOT", param="q")
        if type(run) is parsing.DateClause:
            raise _date_refused(run)
        clause = _render(run)
        if clause is None:
            return None  # `oil OR *` is every article, as search/query.py has it
        items.append(("", clause))
    return _sequence(items, " | ") if items else None


def _runs(children: list[query.Query]):
    """Consecutive copies of one word as lists; anything else as itself (Or flattens them)."""
    run: list[query.Query] = []
    for child in children:
        if type(child) not in _LEAVES or (run and not _same_word(run, child)):
            if run:
                yield run
            run = []
        if type(child) in _LEAVES:
            run.append(child)
        elif type(child) is not _NULL:  # an OR of nothing more
            yield child
    if run:
        yield run


def _same_word(run: list[query.Query], leaf: query.Query) -> bool:
    first = run[0]
    if type(leaf) is not type(first) or form(leaf.fieldname) != form(first.fieldname):
        return False
    if _position(leaf) != _position(first):
        return False
    if _position(leaf) != (None, None):
        return True
    # Whoosh's normalize() drops a hyphenated word's position (four-power's phrase): the next
    # word starts when a field repeats, or a field analysed alike holds other words.
    return all(other.fieldname != leaf.fieldname and (
        analysis(other.fieldname) != analysis(leaf.fieldname) or _said(other) == _said(leaf))
        for other in run)


def _position(leaf: query.Query) -> tuple:
    ranges = getattr(leaf, "char_ranges", None)
    if ranges:
        return (tuple(ranges), getattr(leaf, "slop", None))
    return (getattr(leaf, "startchar", None), getattr(leaf, "endchar", None))


def _said(leaf: query.Query) -> tuple[str, ...]:
    return tuple(leaf.words) if type(leaf) is query.Phrase else (leaf.text,)


def _words(run: list[query.Query]) -> _Clause:
    """One word, phrase or prefix as typed, over the Sphinx fields its copies map to."""
    for leaf in run:
        _check_boost(leaf)
    names = [leaf.fieldname for leaf in run]
    source = min(run, key=lambda leaf: verbatim_rank(leaf.fieldname))
    if source.fieldname in FILTER_SCOPES:
        raise _filter_refused(source)
    unknown = [name for name in names if name not in SPHINX_FIELDS]
    if unknown:
        raise BadRequest(f"the {unknown[0]} field cannot be searched by {BACKEND} ({source})",
                         param="q", position=getattr(source, "startchar", None))
    if verbatim_rank(source.fieldname) == 2:
        raise ValueError(f"{source!r}: Whoosh stemmed every copy of this word, so it is lost "
                         "as typed; parse with search.sphinxql.translate.parse_query")
    fields = tuple(f for f in sphinx_schema.FIELDS if f in {SPHINX_FIELDS[n] for n in names})
    return _Clause(_keyword(source, exact=set(names) <= UNSTEMMED_FIELDS,
                            whole=set(names) <= set(WHOLE_VALUE_FIELDS),
                            valued=set(names) <= set(WHOLE_VALUE_FIELDS) | {schema.TAGS}), fields)


def _keyword(leaf: query.Query, exact: bool, whole: bool, valued: bool) -> str:
    """Sphinx text for one leaf: `oil`, `=putin`, `"oil prices"`, `putin*`, `"=^ap$"`."""
    shown = _shown(leaf)
    if type(leaf) is query.Phrase and leaf.slop != 1:
        raise BadRequest(f"proximity searches ({shown}) are not supported by {BACKEND}: "
                         "Sphinx finds the words within the distance in any order, Morgue "
                         "only in the order typed", param="q")
    # Lower-cased ASCII, so no word is an operator (MAYBE, NEAR/3, SENTENCE...); Whoosh's
    # value fields lower-case İ to i and a combining dot, which Sphinx would split.
    tokens = [token.translate(_ASCII_LOWER) for word in _said(leaf)
              for token in _TOKEN.findall(word.replace("i\u0307", "i"))]
    if not tokens:
        raise BadRequest(f"{shown} has no letters or digits {BACKEND} could search for",
                         param="q", position=getattr(leaf, "startchar", None))
    if not all(map(is_indexed, "".join(tokens))):
        raise BadRequest(f"{shown} has characters {BACKEND} does not index: it holds Latin, "
                         "Greek and Cyrillic letters and digits", param="q",
                         position=getattr(leaf, "startchar", None))
    prefix = type(leaf) is query.Prefix
    if prefix and len(tokens[-1]) < MIN_PREFIX:
        raise BadRequest(f"a prefix search needs at least {MIN_PREFIX} letters before the * "
                         f"in {BACKEND} ({shown})", param="q",
                         position=getattr(leaf, "startchar", None))
    marked = []
    for at, token in enumerate(tokens):
        # `=^word`, not `^=word`: Sphinx 2.2.11 silently drops the ^ of the latter.
        start = ("=" if exact or valued else "") + ("^" if whole and at == 0 else "")
        last = at == len(tokens) - 1
        end = ("*" if prefix and last else "") + ("$" if whole and last and not prefix else "")
        marked.append(start + _escape(token) + end)
    return f'"{" ".join(marked)}"' if len(marked) > 1 or whole else marked[0]


def _escape(token: str) -> str:
    """Backslash before anything but letters and digits: no user text is Sphinx syntax."""
    return re.sub(r"[^\w\s]", lambda m: "\\" + m.group(0), token)


def _sequence(items: list[tuple[str, _Clause]], separator: str, top: bool = False) -> _Clause:
    """Clauses joined by AND (" "), " | " or " MAYBE ", each field limit written once.

    Sphinx's `@field` lasts until the next limit or the end of its group, so a limit is
    written when it changes, and every group starts with one.
    """
    if len(items) == 1 and items[0][0] == "":
        return items[0][1]
    limits = {clause.fields for _, clause in items}
    if len(limits) == 1 and None not in limits:
        body = separator.join(sign + clause.text for sign, clause in items)
        return _Clause(body if top else f"({body})", items[0][1].fields)
    pieces, current = [], None
    for sign, clause in items:
        if clause.fields is None:
            pieces.append(sign + clause.text)
            continue
        limit = "" if clause.fields == current else _limit(clause.fields) + " "
        pieces.append(limit + sign + clause.text)
        current = clause.fields
    body = separator.join(pieces)
    return _Clause(body if top else f"({body})")


def _limit(fields: tuple[str, ...]) -> str:
    if set(fields) == set(sphinx_schema.FIELDS):
        return "@*"
    return f"@{fields[0]}" if len(fields) == 1 else f"@({','.join(fields)})"


def _maybe(required: _Clause | None, optional: _Clause | None) -> _Clause:
    if required is None:
        raise BadRequest(f"optional words (ANDMAYBE, or words beside +word) need a required "
                         f"word to search for in {BACKEND}", param="q")
    if optional is None:
        return required
    return _sequence([("", required), ("", optional)], " MAYBE ")


def _excluded(node: query.Query) -> _Clause:
    clause = _render(node)
    if clause is None:
        raise BadRequest(f"excluding every article (-*) is not supported by {BACKEND}",
                         param="q")
    return clause


def _filter(node: query.Query) -> AttributeFilter | None:
    """`id:a` or `id:a OR id:b` (one scope): an attribute filter."""
    leaves = node.subqueries if type(node) is query.Or else [node]
    scopes = {getattr(leaf, "fieldname", None) for leaf in leaves}
    if len(scopes) != 1 or not scopes <= set(FILTER_SCOPES) \
            or any(type(leaf) is not query.Term for leaf in leaves):
        return None
    for leaf in leaves:
        _check_boost(leaf)
    return AttributeFilter(scopes.pop(), tuple(dict.fromkeys(leaf.text for leaf in leaves)))


def _check_boost(node: query.Query) -> None:
    """A user's `^` boost is refused; MultifieldPlugin's field weights (Whoosh path) are not."""
    boost = getattr(node, "boost", 1.0)
    if boost == 1.0 or (node.is_leaf()
                        and boost == ranking.field_boosts().get(getattr(node, "fieldname", None))):
        return
    raise BadRequest(f"boosts (^{boost:g}) are not supported by {BACKEND}; Sphinx weighs "
                     "fields its own way", param="q", position=getattr(node, "startchar", None))


def _shown(leaf: query.Query) -> str:
    if type(leaf) is query.Phrase:
        slop = f"~{leaf.slop}" if leaf.slop != 1 else ""
        return f'"{" ".join(leaf.words)}"{slop}'
    return f"{leaf.text}*" if type(leaf) is query.Prefix else str(getattr(leaf, "text", leaf))


def _date_refused(clause: parsing.DateClause) -> BadRequest:
    return BadRequest(f"a date clause ({clause.text}) under OR or NOT is not supported by "
                      f"{BACKEND}; AND it with the rest of the query", param="q",
                      position=clause.position)


def _filter_refused(node: query.Query) -> BadRequest:
    return BadRequest(f"id: and cluster: ({node}) select articles by attribute in {BACKEND}: "
                      "give whole values, ANDed with the rest of the query", param="q")


def _only_excluded() -> BadRequest:
    return BadRequest(f"a query or group of only excluded words (NOT, -) is not supported by "
                      f"{BACKEND}: add a word to search for", param="q")


def _unsupported(node: query.Query) -> Exception:
    kind = type(node)
    if kind in _LATER_STAGES:
        return ValueError(f"translate the parsed query, not one already resolved ({kind.__name__})")
    position = getattr(node, "startchar", None)
    if kind is query.FuzzyTerm:
        return BadRequest(f"fuzzy terms ({node.text}~{node.maxdist}) are not supported by "
                          f"{BACKEND}", param="q", position=position)
    if kind is query.Wildcard:
        return BadRequest(f"wildcards other than a * ending a word ({node.text}) are not "
                          f"supported by {BACKEND}; use a prefix such as putin*", param="q",
                          position=position)
    if kind in (query.TermRange, query.NumericRange, query.DateRange):
        return BadRequest(f"ranges ([{node.start} TO {node.end}]) are not supported by "
                          f"{BACKEND}", param="q")
    if kind is query.Require:
        return BadRequest(f"REQUIRE is not supported by {BACKEND}; use AND", param="q")
    if kind is parsing.DateClause:
        return _date_refused(node)
    return BadRequest(f"{kind.__name__} queries ({node}) are not supported by {BACKEND}",
                      param="q", position=position)
