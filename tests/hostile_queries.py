"""A hypothesis strategy for the query language itself: every construct, nested, and broken.

tests/fuzz_requests.py builds a query from a few sampled words and operators;
this builds one as a grammar would, recursively: terms in many scripts
(Latin, accented, Greek, Cyrillic, Arabic and Hebrew with RTL marks, CJK,
Devanagari, Thai, emoji, combining marks, NFKC oddities), phrases and
proximity (`"a b"~N`), every field scope users may type (index.schema.QUERY_SCOPES,
so a new scope is fuzzed at once, actor scopes included), `=exact` words,
AND/OR/NOT/ANDNOT/ANDMAYBE and `+`/`-`, groups nested to any depth,
wildcards (`?`, `*`, anywhere in a word), fuzzy words (`~`, `~N`, `~N/M`),
boosts (`^N`, also `^-1`, `^1e308`), ranges (`[a TO b]`, `{* TO b]`), dates
(`published:2025-08`, `published:>"3 days ago"`, ranges of them), and what
breaks a parser: quotes and brackets left open, stray operators and colons,
control characters, very long tokens. Three in four queries are well formed, so
that most get past parsing into expansion, scoring, highlighting and spelling.
"""
from __future__ import annotations

from functools import cache

from hypothesis import strategies as st

from index import schema

# Words the test index holds (so that queries match, expand and get highlighted) ...
INDEXED = ("cocoa", "coffee", "kursk", "brazil", "oil", "reuters", "exports", "volcker",
           "putin", "chocolate", "ivory", "coast", "prices", "rates", "bank", "tonnes",
           "wheat", "opec", "soviet", "summit", "quagga", "herds", "market", "trade", "the")
# ... and words of other scripts, forms and lengths.
SCRIPTS = ("café", "Zürich", "Ærøskøbing", "straße", "İstanbul", "ǅemal", "ﬁnance", "ＣＯＣＯＡ",
           "Ⅻ", "㎏", "x²", "κακάο", "какао", "Москва", "\u200fكاكاو\u200f", "مرحبا",
           "\u202bשלום\u202c", "\u202ecocoa\u202c", "可可", "日本語", "카카오", "कोको", "โกโก้",
           "🦜", "👩\u200d🌾", "🇧🇷", "e\u0301", "a" + "\u0300" * 30, "\u0301", "Z\u0351\u0368",
           "\ufeffcocoa", "co\u200bcoa", "co\u00adcoa", "x\u034fy", "1987", "3:1", "U.S.",
           "four-power", "O'Brien", "http://x.example/a?b=c", "a_b", "٣", "１２")
CONTROLS = ("\x00", "\x01", "\x07", "\x1b[31m", "\x7f", "\x85", "\u2028", "\u2029", "\t",
            "\r\n", "\u200e", "\u200f", "\u202a", "\u202d", "\u202e", "\u2066", "\u2069",
            "\ufffd", "\uffff")
SCOPES = tuple(dict.fromkeys((*schema.QUERY_SCOPES, schema.PUBLISHED, "unknown", "http", "3")))
DATES = ("1987", "1987-03", "1987-02-26", "2025-08-12T14:03:00Z", "*", "", "now", "today",
         "yesterday", '"last week"', '"past 3 months"', '"3 days ago"', '"10000 years ago"',
         "1987-13", "1987-02-30", "0000", "99999", "-1", '"next year"', "1987-02-26T25:00",
         '"', "19870226")
COMPARISONS = ("", ">", ">=", "<", "<=", "=", "<>")
BINARY = (" ", " AND ", " OR ", " NOT ", " ANDNOT ", " ANDMAYBE ", " and ", " or ", "  ",
          " && ", " || ")
SYNTAX = '"()[]{}:^~*?\\'  # kept out of random words: `broken` puts them in on purpose


@cache  # one strategy object: building and validating one per draw is slow
def words() -> st.SearchStrategy[str]:
    """A single term: indexed (most often), foreign, random, or very long."""
    return st.one_of(
        st.sampled_from(INDEXED), st.sampled_from(INDEXED), st.sampled_from(INDEXED),
        st.sampled_from(SCRIPTS), st.sampled_from(SCRIPTS),
        st.text(st.characters(exclude_categories=("Cs", "Zs", "Cc"), exclude_characters=SYNTAX),
                min_size=1, max_size=12),
        st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8),
        st.sampled_from((60, 200, 999, 1000, 1001, 5000)).map(lambda n: "x" * n),
        st.tuples(st.sampled_from(INDEXED), st.sampled_from(CONTROLS)).map("".join))


@st.composite
def term(draw) -> str:
    """A term with what may follow or precede it: wildcard, fuzziness, boost, =, +, -."""
    word = draw(words())
    form = draw(st.sampled_from(("plain", "plain", "plain", "wildcard", "fuzzy", "boost",
                                 "exact", "sign")))
    if form == "wildcard":
        at = draw(st.integers(0, len(word)))
        word = word[:at] + draw(st.sampled_from(("*", "?", "**", "*?", "?*"))) + word[at:]
    elif form == "fuzzy":
        word += draw(st.sampled_from(("~", "~0", "~1", "~2", "~3", "~9", "~1/1", "~2/3", "~/2",
                                      "~-1", "~1.5", "~~")))
    elif form == "boost":
        word += draw(st.sampled_from(("^2", "^0", "^0.5", "^-1", "^1e308", "^abc", "^", "^^2",
                                      "^99999999999999999999")))
    elif form == "exact":
        word = "=" + word
    elif form == "sign":
        word = draw(st.sampled_from(("+", "-", "--", "+-", "!"))) + word
    return word


@st.composite
def phrase(draw) -> str:
    inner = " ".join(draw(st.lists(words(), min_size=0, max_size=5)))
    tail = draw(st.sampled_from(("", "", "~0", "~1", "~5", "~100", "~99999", "~-2", "^3")))
    return f'"{inner}"{tail}'


@st.composite
def date_clause(draw) -> str:
    kind = draw(st.sampled_from(("value", "range")))
    if kind == "value":
        return f"published:{draw(st.sampled_from(COMPARISONS))}{draw(st.sampled_from(DATES))}"
    low, high = draw(st.sampled_from(DATES)), draw(st.sampled_from(DATES))
    opening, closing = draw(st.sampled_from("[{")), draw(st.sampled_from("]}"))
    return f"published:{opening}{low} {draw(st.sampled_from(('TO', 'to', '')))} {high}{closing}"


@st.composite
def term_range(draw) -> str:
    low = draw(st.one_of(st.just("*"), words()))
    high = draw(st.one_of(st.just("*"), words()))
    opening, closing = draw(st.sampled_from("[{")), draw(st.sampled_from("]}"))
    return f"{opening}{low} TO {high}{closing}"


@cache
def atoms() -> st.SearchStrategy[str]:
    return st.one_of(term(), term(), term(), phrase(), date_clause(), term_range())


def scoped(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """`scope:value` for every scope users may type, value a term, phrase or group."""
    return st.tuples(st.sampled_from(SCOPES), st.sampled_from((":", ":", ": ", "::")),
                     children).map("".join)


@cache
def expressions() -> st.SearchStrategy[str]:
    """Well-formed expressions of any depth: groups, scopes, operators."""
    def extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        grouped = children.map(lambda child: f"({child})")
        joined = st.tuples(children, st.sampled_from(BINARY), children).map("".join)
        negated = children.map(lambda child: f"NOT {child}")
        return st.one_of(grouped, joined, joined, negated, scoped(grouped), scoped(children))
    return st.recursive(atoms(), extend, max_leaves=12)


@st.composite
def broken(draw, query: str) -> str:
    """The query with one thing a parser must survive: an unclosed quote or bracket, a stray
    operator or colon, a control character, deep nesting, or sheer length."""
    # Hypothesis draws the first choice most often: one the query survives, not a 400.
    damage = draw(st.sampled_from(("control", "nest", "operator", "colon", "long", "quote",
                                   "open", "close", "truncate")))
    at = draw(st.integers(0, len(query)))
    if damage == "quote":
        return query[:at] + '"' + query[at:]
    if damage == "open":
        return query[:at] + draw(st.sampled_from("([{")) + query[at:]
    if damage == "close":
        return query[:at] + draw(st.sampled_from(")]}")) + query[at:]
    if damage == "operator":
        return query[:at] + draw(st.sampled_from(
            (" AND ", " OR", "NOT ", " + ", " -", "^", "~", "*", "?", "=", " TO "))) + query[at:]
    if damage == "colon":
        return query[:at] + ":" + query[at:]
    if damage == "control":
        return query[:at] + draw(st.sampled_from(CONTROLS)) + query[at:]
    if damage == "nest":
        depth = draw(st.sampled_from((1, 3, 20, 100, 300, 480, 600)))
        return "(" * depth + query + ")" * draw(st.sampled_from((depth, depth, depth - 1, 0)))
    if damage == "long":  # many words, cheaply: drawing each would cost a strategy each
        pool = INDEXED + SCRIPTS
        count, step = draw(st.integers(50, 200)), draw(st.integers(1, len(pool) - 1))
        return query + " " + " ".join(pool[(i * step) % len(pool)] for i in range(count))
    return query[:at]


@st.composite
def query_language(draw) -> str:
    """One query: mostly well formed, a fourth damaged, now and then past the length limit."""
    query = draw(expressions())
    if draw(st.integers(0, 3)) == 0:
        query = draw(broken(query))
    return query
