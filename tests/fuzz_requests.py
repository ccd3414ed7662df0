"""Hypothesis strategies for requests to one documented operation of the JSON API.

Built from the operation's own parameters (enumerations, integer bounds,
comma lists, repeatable filters) and mixed with what a careless or hostile
client sends: control characters and odd unicode, huge and malformed numbers,
brackets, quotes, wildcards, broken query syntax (field groups, dangling
operators, open ranges), very long values, repeated and unknown parameters,
raw percent-garbage, odd headers, forged cursors, and for write operations
hostile bodies (deep, huge, not UTF-8, not JSON) with and without the token.
Most requests keep to what the schema allows, so that they get past
validation into the search, the highlighter and the writer.
"""
from __future__ import annotations

import json
import string
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from hypothesis import strategies as st

TOKEN = "fuzz-token-0123456789"
MAX_POST_BYTES = 100_000  # the fuzzed app's: small, so that bodies past it are cheap to make

HOSTILE = (
    "", " ", "\x00", "\t", "\r\n", "\x1b[31m", "\x7f", "\u200b", "\ufeff", "\u202e", "e\u0301",
    "🦜", "𝔘𝔫𝔦", "ǅ", "ß", "İ", "ﬃ", "日本語", "مرحبا", "\u0000\u0001\u0002",
    "*", "?", "**", "*?*", "a*", "*a", "?a", "~", "~2", "a~99", "a~-1", "a~1.5", "^2", "a^99999",
    '"', "'", '""', '"a', "((((", "))))", "()", "[", "]", "{", "}", "[* TO *]", "{a TO}",
    "published:[2024 to", "published:[2024 TO 2025]", "published:[2025 TO 2024]",
    "published:>", "published:>=\"3 days ago\"", "published:<1900", "published:99999",
    "published:0000-00-00", "published:1987-02-30", "published:>\"next year\"",
    "title:", ":", "::", "a:b:c", "nosuchfield:x", "person:", 'person:"', "actor:*",
    "-", "--", "+", "+-", "NOT", "AND", "OR", "AND OR NOT", "NOT NOT a", "a AND", "OR a",
    "\\", "\\\\", "%", "%00", "%zz", "&", "=", "#", ";", ",", ",,", "/", "../../etc/passwd",
    "<script>alert(1)</script>", "' OR 1=1 --", "${jndi:ldap://x}", "{{7*7}}", "%s%n",
    "0", "-0", "-1", "1", "2", "99", "100", "101", "10000", "9" * 30, "-" + "9" * 30,
    "1e3", "1e309", "-1e309", "NaN", "nan", "inf", "-inf", "0x10", "1_000", "1.0", "+5",
    " 5 ", "٣", "١٠", "１２", "²", "Ⅻ", "true", "false", "null", "None", "[]", "{}",
    "a" * 1001, "a " * 600, "x" * 5000, "*" * 300, "(" * 200, '"' * 99, "a*" * 100,
)
WORDS = ("cocoa", "coffee", "Kursk", "Brazil", "oil", "Reuters", "the", "a", "exports",
         "volcker", "Putin", "chocolate", "Ivory Coast", "interest rates", "1987", "zzzqqq")
OPERATORS = ("AND", "OR", "NOT", "-", "+", "(", ")", '"', "*", "?", "~", "~1", "~3", "^2",
             "=", ">", ">=", "<", "[", "]", "{", "}", " TO ", ":", ",")
FIELDS = ("title:", "body:", "quote:", "person:", "organization:", "place:", "actor:",
          "speaker:", "source:", "tag:", "section:", "language:", "dateline:", "published:",
          "id:", "cluster:", "unknown:")
DATES = ("1987-02-26", "1987-03", "1987", "2025-08-12T14:03:00Z", "1987-02-26T15:01:01+02:00",
         "last week", "yesterday", "3 days ago", "now", "*", "1987-13-01", "0001-01-01",
         "9999-12-31T23:59:59Z", "1987-02-29", "2024-02-29", "19870226", "1987-W09",
         "2025-08-12T25:00:00Z", "+275760-09-13", "1987-02-26T15:01:01.123456789Z")
HEADERS = ("If-None-Match", "If-Modified-Since", "Origin", "Accept", "Accept-Encoding",
           "Range", "Content-Type", "Cookie", "X-Forwarded-For", "Authorization")


def text(max_size: int = 40) -> st.SearchStrategy[str]:
    """Any unicode but lone surrogates (they cannot be encoded in a URL at all)."""
    return st.text(st.characters(exclude_categories=("Cs",)), max_size=max_size)


def hostile() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(HOSTILE), text(),
                     st.integers().map(str), st.integers(-10**40, 10**40).map(str),
                     st.floats().map(str))


@st.composite
def query_text(draw) -> str:
    """Query syntax from its parts: words, operators, fields, dates, and hostile bits."""
    inner = st.lists(st.sampled_from(WORDS + OPERATORS), max_size=3).map(" ".join)
    part = st.one_of(st.sampled_from(WORDS), st.sampled_from(OPERATORS),
                     st.tuples(st.sampled_from(FIELDS), st.sampled_from(WORDS + DATES)).map(
                         "".join), st.sampled_from(DATES), hostile(),
                     st.tuples(st.sampled_from(FIELDS), inner).map("{0[0]}({0[1]})".format))
    parts = draw(st.lists(part, min_size=1, max_size=8))
    return draw(st.sampled_from((" ", "", " AND ", "\t"))).join(parts)


@dataclass
class Context:
    """What the fuzzer knows of the live index: ids, filter values, a genuine cursor."""
    ids: list[str] = field(default_factory=lambda: ["t-cocoa-1"])
    values: list[str] = field(default_factory=lambda: ["Reuters"])
    cursor: str = ""
    token: str = TOKEN


@dataclass(frozen=True)
class Forged:
    """A cursor with any key, signed for the request it is sent with: signatures are public."""
    key: object

    def __str__(self) -> str:
        return f"<cursor forged with key {self.key!r}>"


@dataclass
class Call:
    method: str
    path: str
    query: list[tuple[str, object]] | str
    headers: dict[str, str]
    body: bytes | None = None

    def __str__(self) -> str:
        query = self.query if isinstance(self.query, str) else urlencode(
            [(name, str(value)) for name, value in self.query])
        shown = f"{self.method} {self.path}" + (f"?{query}" if query else "")
        extras = [f"{name}: {value!r}" for name, value in self.headers.items()]
        if self.body is not None:
            extras.append(f"body ({len(self.body)} bytes): {self.body[:300]!r}")
        return "\n  ".join([shown, *extras])


def value_for(parameter: dict, context: Context, clean: bool = False) -> st.SearchStrategy:
    """Values of one documented parameter: what its schema allows, near misses, and worse.

    `clean` keeps to what the schema allows (q may still be odd), so that most such
    requests get past validation into the search itself.
    """
    name, schema = parameter["name"], parameter.get("schema", {})
    kind, items = schema.get("type"), schema.get("items", {})
    if name == "q":
        good = query_text() if not clean or parameter["in"] != "query" else st.one_of(
            query_text(), st.lists(st.sampled_from(WORDS + FIELDS), min_size=1, max_size=4).map(
                " ".join), st.just("*"))
    elif name in ("from", "to"):
        good = st.sampled_from(DATES[:5] if clean else DATES)
    elif name == "cursor":
        junk = st.lists(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), text(),
                                  st.lists(st.integers(), max_size=3),
                                  st.dictionaries(text(5), st.integers(), max_size=2)),
                        max_size=3)
        good = st.one_of(st.just(context.cursor), st.just(context.cursor[:-3] + "AAA"),
                         st.builds(Forged, junk))
    elif name == "id":
        good = st.sampled_from(context.ids)
        if not clean:  # mostly ids the index holds, so that most requests find an article
            return st.tuples(st.integers(0, 99), good, hostile()).map(
                lambda drawn: drawn[1] if drawn[0] < 70 else drawn[2])
    elif "enum" in schema:
        good = st.sampled_from(schema["enum"])
    elif kind == "array" and "enum" in items:
        good = st.lists(st.sampled_from(items["enum"]) if clean else st.one_of(
            st.sampled_from(items["enum"]), hostile()), max_size=4).map(",".join)
    elif kind == "array":
        good = st.sampled_from(context.values)
    elif kind in ("integer", "number"):
        low = schema.get("minimum", 0)
        high = schema.get("maximum", 10_000 if not clean else low + 20)
        if clean:
            good = (st.integers(int(low), int(high)) if kind == "integer"
                    else st.floats(low, high)).map(str)
        else:
            good = st.one_of(st.integers(int(low) - 2, int(high) + 2).map(str),
                             st.floats(low - 1, high + 1).map(str))
    elif kind == "boolean":
        good = st.sampled_from(("true", "false", "1", "0", "yes", "no", "TRUE", "on"))
    else:
        good = text()
    return good if clean else st.one_of(good, good, hostile())


def chance(draw, percent: int) -> bool:
    """True about `percent` times in a hundred.

    Hypothesis draws its simplest value (0 here) more often than the others, so 0
    stands for the likelier outcome.
    """
    number = draw(st.integers(0, 99))
    return number < percent if percent >= 50 else number >= 100 - percent


@st.composite
def query_pairs(draw, parameters: list[dict], context: Context,
                queries: st.SearchStrategy[str] | None = None) -> list[tuple[str, object]]:
    """Mostly values the schema allows, a few at a time; else anything, unknown names too.

    With `queries` (tests/hostile_queries.py: the query language itself), q is always
    sent, once, drawn from it."""
    clean = chance(draw, 65)
    pairs: list[tuple[str, object]] = []
    for parameter in parameters:
        if parameter["in"] != "query":
            continue
        if queries is not None and parameter["name"] == "q":
            pairs.append(("q", draw(queries)))
            continue
        wanted = 95 if parameter.get("required") else 15 if clean else 30
        if chance(draw, wanted):
            repeats = 1 if clean else draw(st.sampled_from((1, 1, 1, 1, 2, 3)))
            for _ in range(repeats):
                pairs.append((parameter["name"], draw(value_for(parameter, context, clean))))
    if not clean and chance(draw, 20):  # a typo, a bracketed name, an empty one
        names = st.one_of(st.sampled_from(("pagesize", "Q", "q[]", "page_size[]", "", "_",
                                           "callback", "debug")), text(10))
        pairs.append((draw(names), draw(hostile())))
    return draw(st.permutations(pairs)) if len(pairs) > 1 else pairs


RAW_QUERIES = ("q=%ff%fe", "q=%", "q=%%", "q=%zz", "&&&", "=", "q", "q=a&q", ";", "q=a;page=2",
               "q=cocoa&page_size=%00", "q=%C0%AF", "q=%ED%A0%80", "q=cocoa&&&page=2",
               "q=+", "q=cocoa#frag", "%71=cocoa", "q=cocoa&page=1&page=2")


@st.composite
def headers(draw, secured: bool, context: Context) -> dict[str, str]:
    # Header values stay printable latin-1: a server never receives anything else.
    value = st.one_of(st.sampled_from(('*', 'W/"x"', '"x", *', "", "null", "bytes=0-1",
                                       "application/json", "text/html", "gzip, br",
                                       "http://evil.example", "Mon, 32 Foo 1987")),
                      st.text(st.characters(min_codepoint=32, max_codepoint=255,
                                            exclude_characters="\x7f"), max_size=60))
    chosen = draw(st.dictionaries(st.sampled_from(HEADERS), value, max_size=3))
    if secured:  # mostly the right token, so that most requests get to the body
        wrong = ("", "Bearer wrong", "Bearer", f"Basic {context.token}", f"bearer {context.token}",
                 f"Bearer  {context.token} ", f"Bearer {context.token}x",
                 f"Bearer {context.token[:-1]}", f"Bearer {context.token},{context.token}")
        chosen.pop("Authorization", None)
        auth = f"Bearer {context.token}" if chance(draw, 60) else draw(st.sampled_from(wrong))
        if auth:
            chosen["Authorization"] = auth
    return chosen


def article_objects(context: Context) -> st.SearchStrategy:
    scalar = st.one_of(hostile(), st.none(), st.booleans(), st.integers(), st.floats())
    value = st.one_of(scalar, st.lists(scalar, max_size=3),
                      st.dictionaries(text(8), scalar, max_size=2))
    keys = ("id", "url", "link", "title", "headline", "body", "text", "published", "date",
            "source", "authors", "author", "section", "tags", "language", "people",
            "organizations", "places", "extra")
    good = st.fixed_dictionaries(
        {"title": st.sampled_from(("Fuzzed cocoa story", "Coffee", ""))},
        optional={"id": st.one_of(st.sampled_from(context.ids), st.from_regex(
                      r"\Afuzz-[a-z0-9]{1,8}\Z")),
                  "body": st.sampled_from(("Cocoa prices rose.", "", "x " * 500)),
                  "published": st.sampled_from(DATES), "source": st.just("Fuzz Wire"),
                  "tags": st.lists(st.sampled_from(WORDS), max_size=3)})
    wild = st.dictionaries(st.one_of(st.sampled_from(keys), text(10)), value, max_size=6)
    return st.one_of(good, wild, scalar, st.lists(good, max_size=3),
                     st.lists(st.one_of(good, wild, scalar), max_size=4))


@st.composite
def body(draw, context: Context) -> tuple[bytes, str | None]:
    """A body and its content type: JSON, NDJSON, or something that is neither."""
    document = draw(article_objects(context))
    choice = draw(st.sampled_from(("json", "json", "ndjson", "raw", "deep", "huge")))
    if choice == "ndjson":
        items = document if isinstance(document, list) else [document]
        data = "\n".join(json.dumps(item) for item in items).encode()
        if draw(st.booleans()):
            data += b"\n{broken\n\n"
        kind = draw(st.sampled_from(("application/x-ndjson", "application/jsonl", None)))
    elif choice == "raw":
        data = draw(st.one_of(st.binary(max_size=200), text(200).map(str.encode),
                              st.sampled_from((b"", b"null", b"[", b"{}", b"[]", b"NaN",
                                               b"1e999", b'"str"', b"\xff\xfe{}", b"[{}]" * 3,
                                               b'{"id": "a"}{"id": "b"}', b"1" * 5000))))
        kind = draw(st.sampled_from(("application/json", "text/plain", "application/x-ndjson",
                                     "multipart/form-data; boundary=x", None)))
    elif choice == "deep":
        depth = draw(st.integers(50, 5000))
        data = (b"[" * depth + b"]" * depth) if draw(st.booleans()) else (
            b'{"a":' * depth + b"1" + b"}" * depth)
        kind = "application/json"
    elif choice == "huge":
        data = json.dumps({"title": "big", "body": "word " * draw(
            st.integers(MAX_POST_BYTES // 10, MAX_POST_BYTES // 4))}).encode()
        kind = "application/json"
    else:
        data = json.dumps(document, allow_nan=True).encode()
        kind = draw(st.sampled_from(("application/json", "application/json; charset=utf-8",
                                     "application/json; charset=latin-1", "text/json")))
    return data, kind


@st.composite
def calls(draw, base: str, path: str, method: str, operation: dict, context: Context,
          queries: st.SearchStrategy[str] | None = None) -> Call:
    """One request for this documented operation; with `queries`, its q is one of them."""
    parameters = operation.get("parameters", [])
    concrete = path
    for parameter in parameters:
        if parameter["in"] == "path":
            value = str(draw(value_for(parameter, context)))
            concrete = concrete.replace("{%s}" % parameter["name"], quote(value, safe=""))
    if chance(draw, 5) and queries is None:
        query: list | str = draw(st.one_of(st.sampled_from(RAW_QUERIES), st.text(
            string.printable + "%&=;+", max_size=60)))
    else:
        query = draw(query_pairs(parameters, context, queries))
    chosen = draw(headers("security" in operation, context))
    data = None
    if "requestBody" in operation:
        data, kind = draw(body(context))
        chosen.pop("Content-Type", None)
        if kind:
            chosen["Content-Type"] = kind
    verb = method.upper()
    if verb == "GET" and chance(draw, 5):
        verb = "HEAD"
    return Call(verb, base + concrete, query, chosen, data)
