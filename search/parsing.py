"""The query language: Whoosh's parser with Morgue's scopes, dates, exact words and errors.

On top of Whoosh's terms, phrases (`"a b"~5` for proximity), AND/OR/NOT,
`+`/`-`, groups, `putin*` and `kursk~1`:
- field scopes by the names users type (`person:`, `actor:`, `title:`...),
  each standing for the real fields it searches (index.schema.QUERY_SCOPES);
  a word before a colon that is no scope (`3:1`) stays text;
- `=word` and `="a phrase"`: unstemmed, in headlines, names and quotations;
- date clauses on `published:` (search/dates.py), kept unresolved here
  (`DateClause`) because they need the request's "now" and the searcher;
- errors: what Whoosh would quietly drop (an unclosed range) is reported with
  its position instead.

Short keyword queries require every word; longer natural-language queries
(people paste sentences) match any word, with a bonus for matching more.
"""
from __future__ import annotations

import copy
import re
from functools import lru_cache

from whoosh import query
from whoosh.qparser import (FieldsPlugin, FuzzyTermPlugin, MultifieldPlugin, OrGroup,
                            PlusMinusPlugin, QueryParser, syntax)
from whoosh.qparser.plugins import Plugin, TaggingPlugin
from whoosh.qparser.taggers import RegexTagger

from index import schema
from index.errors import BadRequest
from search import ranking

# `+`, `-` and `=` are operators only at the start of a word: `four-power`, `newly-created`
# and `non-communist` are words (a phrase of their parts), never a NOT.
_WORD_START = r"(?<![^\s(])"
_PLUS, _MINUS = _WORD_START + r"\+(?=\S)", _WORD_START + r"-(?=\S)"
_SCOPE = r"\b(?:%s):" % "|".join(map(re.escape, (*schema.QUERY_SCOPES, schema.PUBLISHED)))
# Parentheses alone do not make an expression: "the baath (renaissance) party" is a sentence;
# grouping matters only with AND/OR/NOT or +/-, which are operators of their own.
_OPERATORS = re.compile(r'["*~\[\]{}]|\w\?|%s[+\-=]\S|%s|\b(?:AND|OR|NOT|ANDNOT|ANDMAYBE)\b'
                        % (_WORD_START, _SCOPE))
MAX_NESTING = 32  # levels of parentheses a query may have
# A question mark ending a sentence's word ("who joined the united nations?") is punctuation,
# not a one-letter wildcard.
_QUESTION_MARK = re.compile(r"(?<=\w)\?(?=\s*$)")
_DATE_CLAUSE = (r"published:(?:"
                r"(?P<open>[\[{])\s*(?P<low>\"[^\"]*\"|[^\s\]}]*)\s+(?:TO|to)\s*"
                r"(?P<high>\"[^\"]*\"|[^\s\]}]*)\s*(?P<close>[\]}])"
                r"|(?P<op>[<>]=?)?\s*(?P<value>\"[^\"]*\"|[^\s()\[\]{}]+))")


class DateClause(query.Query):
    """A `published:` clause as written; search/query.py turns it into documents."""

    def __init__(self, op: str, values: tuple[str, ...], exclusive: tuple[bool, bool],
                 text: str, position: int | None) -> None:
        self.op, self.values, self.exclusive = op, values, exclusive
        self.text, self.position = text, position
        self.fieldname = schema.PUBLISHED
        self.boost = 1.0

    def field(self) -> str:
        return self.fieldname

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def __repr__(self) -> str:
        return f"DateClause({self.text!r})"

    __str__ = __repr__

    def matcher(self, searcher, context=None):
        raise RuntimeError("DateClause must be resolved before searching")


class _DateNode(syntax.SyntaxNode):
    has_fieldname = False

    def __init__(self, match: re.Match) -> None:
        self.match = match
        self.original = match.group(0)

    def r(self) -> str:
        return self.original

    def query(self, parser) -> DateClause:
        m = self.match
        if m.group("open"):
            return DateClause("range", (m.group("low"), m.group("high")),
                              (m.group("open") == "{", m.group("close") == "}"),
                              self.original, self.startchar)
        return DateClause(m.group("op") or "", (m.group("value"),), (False, False),
                          self.original, self.startchar)


class _DateTagger(RegexTagger):
    def create(self, parser, match):
        return _DateNode(match)


class DatesPlugin(TaggingPlugin):
    """Tags whole `published:` clauses before Whoosh's own range and field handling."""

    def __init__(self) -> None:
        self.expr = _DATE_CLAUSE

    def taggers(self, parser):
        return [(_DateTagger(_DATE_CLAUSE), -10)]


class _ExactTagger(RegexTagger):
    def create(self, parser, match):
        return syntax.FieldnameNode("exact", match.group(0))


class ScopesPlugin(Plugin):
    """`scope:` names as users type them, each expanded to the fields it stands for."""

    def taggers(self, parser):
        return [(_ExactTagger(r"=(?=[\w\"])"), 0)]

    def filters(self, parser):
        return [(self.unknown_to_text, 99), (self.expand, 105)]

    def unknown_to_text(self, parser, group):
        """A colon after something that is no scope (`3:1`, `http:`) is just text."""
        out = group.empty_copy()
        pending = None
        for node in group:
            if isinstance(node, syntax.GroupNode):
                node = self.unknown_to_text(parser, node)
            if isinstance(node, syntax.FieldnameNode) and node.fieldname not in schema.QUERY_SCOPES:
                pending = node
                continue
            if pending is not None:
                if node.has_text:
                    node.text = pending.original + node.text
                else:
                    out.append(syntax.to_word(pending))
                pending = None
            out.append(node)
        if pending is not None:
            out.append(syntax.to_word(pending))
        return out

    def expand(self, parser, group):
        for i, node in enumerate(group):
            if isinstance(node, syntax.GroupNode):
                group[i] = self.expand(parser, node)
            elif node.has_fieldname and node.fieldname in schema.QUERY_SCOPES:
                fields = schema.QUERY_SCOPES[node.fieldname]
                copies = []
                for field in fields:
                    copies.append(copy.copy(node).set_fieldname(field, override=True))
                group[i] = copies[0] if len(copies) == 1 else syntax.OrGroup(copies)
        return group


def is_natural_language(text: str) -> bool:
    """A sentence pasted into the box, rather than a few keywords or an expression."""
    text = _QUESTION_MARK.sub("", text)
    words = len(re.findall(r"\w+", text))
    return not _OPERATORS.search(text) and words >= ranking.NATURAL_LANGUAGE_WORDS


def as_typed(text: str) -> str:
    """The text to parse: a sentence's closing question mark dropped (it is no wildcard)."""
    return _QUESTION_MARK.sub("", text) if is_natural_language(text) else text


def _query_schema():
    """The index schema, where a word the analyzer splits is a phrase of its parts.

    `four-power` and `U.S.-Soviet` mean those words in that order; Whoosh's default would
    AND them (or OR them in a sentence, matching any story with "power").
    """
    fields = schema.build_schema()
    for name in fields.names():
        if hasattr(fields[name], "multitoken_query"):
            fields[name].multitoken_query = "phrase"
    return fields


@lru_cache(maxsize=16)
def parser(default_fields: tuple[str, ...], boosts: tuple[tuple[str, float], ...],
           natural_language: bool) -> QueryParser:
    """A parser over these default fields; built once per combination, shared by threads."""
    group = OrGroup.factory(ranking.COORDINATION) if natural_language else syntax.AndGroup
    qp = QueryParser(None, _query_schema(), group=group,
                     plugins=[p for p in QueryParser(None, None).plugins
                              if not isinstance(p, FieldsPlugin)])
    qp.add_plugin(FieldsPlugin(remove_unknown=False))
    qp.add_plugin(ScopesPlugin())
    qp.add_plugin(DatesPlugin())
    qp.add_plugin(MultifieldPlugin(list(default_fields), fieldboosts=dict(boosts)))
    # Without it, `cocoa -futures` would require "futures"; only at a word's start.
    qp.add_plugin(PlusMinusPlugin(plusexpr=_PLUS, minusexpr=_MINUS))
    qp.add_plugin(FuzzyTermPlugin())
    return qp


def _first_error(node) -> syntax.ErrorNode | None:
    if isinstance(node, syntax.ErrorNode):
        return node
    if isinstance(node, syntax.GroupNode):
        for child in node:
            found = _first_error(child)
            if found is not None:
                return found
    return None


def parse(text: str, qp: QueryParser) -> query.Query:
    """The query for `text`, or BadRequest with the reason and, where known, the position."""
    _check_nesting(text)
    tree = qp.process(text)
    error = _first_error(tree)
    if error is not None:
        raise BadRequest(f"cannot read {error.node.r() if error.node else text!r} in the query "
                         f"({error.message})", param="q", position=error.startchar)
    _check_unclosed(text)
    try:
        parsed = tree.query(qp).normalize()
    except (IndexError, NotImplementedError):
        # Whoosh fails on an operator with nothing to act on: `NOT AND cocoa`, `title:(cocoa +)`.
        raise BadRequest("an operator (AND, OR, NOT, + or -) has no word to act on; "
                         "remove it or give it a word", param="q") from None
    except Exception as exc:
        # A `published:` clause DatesPlugin did not take (`published:{today 1987]`, no TO;
        # `published:[now TO\0 1987]`) reaches Whoosh's own date parsing, which raises
        # ValueError or OverflowError, or a bare Exception ("... is not a parseable date").
        if not isinstance(exc, (ValueError, OverflowError)) and not (
                type(exc) is Exception and "is not a parseable date" in str(exc)):
            raise
        raise BadRequest("a date or range in the query cannot be read; write dates as "
                         "published:1987-03, published:>=\"last week\" or "
                         "published:[1987-03-01 TO 1987-03-15]", param="q") from None
    if parsed is query.NullQuery:
        raise BadRequest(f"the query {text!r} has no searchable words (single letters and "
                         "very common words such as 'the' are not indexed)", param="q")
    return parsed


def _check_nesting(text: str) -> None:
    """Groups nested deeper than MAX_NESTING: Whoosh's parser takes time quadratic in the
    depth (half a second for 500 levels, before any time budget applies) for no meaning."""
    depth, quoted = 0, False
    for position, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
            if depth > MAX_NESTING:
                raise BadRequest(f"parentheses are nested more than {MAX_NESTING} deep",
                                 param="q", position=position)
        elif not quoted and char == ")":
            depth = max(0, depth - 1)


def _check_unclosed(text: str) -> None:
    """Unbalanced quotes, brackets and parentheses: Whoosh would guess; we say where."""
    if text.count('"') % 2:
        raise BadRequest('a quotation mark is not closed', param="q",
                         position=text.rfind('"'))
    depth, quoted = 0, False
    for position, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        if quoted or char == '"':
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                raise BadRequest("a closing parenthesis has no opening one", param="q",
                                 position=position)
    if depth > 0:
        raise BadRequest("a parenthesis is not closed", param="q", position=text.rfind("("))
    for opener, closers in (("[", "]}"), ("{", "]}")):
        start = text.find(opener)
        if start >= 0 and not any(c in text[start:] for c in closers):
            raise BadRequest(f"a range opened with {opener!r} is not closed (write "
                             "published:[2025-08-01 TO 2025-08-15])", param="q", position=start)
