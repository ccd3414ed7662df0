"""The query mix: engine-neutral queries built from the corpus itself with a fixed seed.

Every engine runs the very same list in the same order; each adapter turns a
`Query` into its own syntax, and `api_params` turns it into the parameters of
Morgue's JSON API. Terms come from the documents: `common` words have the
highest document frequency, `rare` ones a low but non-zero one, `multi`
takes 2-3 headline words of one article (so an AND of them matches at least
that article), `phrase` an adjacent pair of headline words seen in several
headlines, `field` a frequent person, place or organisation with a headline
word of an article about it, plus that article's source. Words are lower
case letters only and never stop words, so no engine reads an operator or
drops a word another engine keeps.
"""
from __future__ import annotations

import hashlib
import json
import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from functools import lru_cache

from whoosh.lang.porter import stem

from bench.corpus import Document

CLASSES = ("common", "rare", "multi", "phrase", "field", "daterange", "snippets", "facets",
           "newest", "deep")
ACTOR_KINDS = ("person", "place", "organization")  # Morgue's filter names (search/filters.py)
FACET_NAMES = ("source", "person", "place", "published")  # published: the month histogram
DEEP_PAGE = 5
PAGE_SIZE = 10
DATE_WINDOW_DAYS = 30
WARMUP_QUERIES = 5
# Whoosh's English stop words (whoosh.analysis.STOP_WORDS, which Morgue's analyzer drops):
# kept out of every query, so that all engines search for the same words.
STOP_WORDS = frozenset(
    "a an and are as at be by can for from have if in is it may not of on or tbd that the "
    "this to us we when will with yet you your".split())
_WORD = re.compile(r"[a-z]+")
_PLAIN_TOKEN = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True)
class Query:
    cls: str
    words: tuple[str, ...]
    phrase: bool = False
    filters: tuple[tuple[str, str], ...] = ()  # (Morgue filter name, value), AND-ed
    date_from: str | None = None  # ISO date, inclusive
    date_to: str | None = None  # ISO date, inclusive (the whole day)
    sort: str = "relevance"  # or "newest"
    facets: bool = False
    page: int = 1

    @property
    def text(self) -> str:
        """The words as a user types them: a quoted phrase, or words (all required)."""
        joined = " ".join(self.words)
        return f'"{joined}"' if self.phrase else joined


def api_params(query: Query) -> dict[str, list[str]]:
    """Morgue's API parameters for a query (search/request.py names), as the API receives them.

    Every class asks for the first page of 10 with snippets (Morgue's default
    fields); only `facets` asks for facets, so the others pass an empty
    `facets=` rather than Morgue's default source and published histogram.
    `deep` asks for page 1 here: the runner follows next_cursor to page 5.
    Syndicated copies are listed one by one (`collapse=none`), as the other
    engines list them: the x10 archive's ten copies of a story are ten results.
    """
    params: dict[str, list[str]] = {"q": [query.text], "collapse": ["none"]}
    for name, value in query.filters:
        params.setdefault(name, []).append(value)
    if query.date_from:
        params["from"] = [query.date_from]
    if query.date_to:
        params["to"] = [query.date_to]
    if query.sort != "relevance":
        params["sort"] = [query.sort]
    if query.facets:
        params["facets"] = [",".join(FACET_NAMES)]
        params["interval"] = ["month"]
    else:
        params["facets"] = [""]
    return params


def digest(queries: Sequence[Query]) -> str:
    """A short hash of a mix, so a report can show every engine got the same queries."""
    data = json.dumps([asdict(q) for q in queries], sort_keys=True)
    return hashlib.sha256(data.encode()).hexdigest()[:16]


@lru_cache(maxsize=200_000)
def _queryable(word: str) -> bool:
    # "one" stems to "on": an engine that keeps stop words (FTS5, Tantivy) would match every
    # "on", one that drops them (Whoosh, Morgue) would not, so such words are never asked.
    return len(word) >= 3 and word not in STOP_WORDS and stem(word) not in STOP_WORDS


def content_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if _queryable(w)]


class Vocabulary:
    """Document frequencies and the per-class pools that queries are drawn from."""

    def __init__(self, documents: Sequence[Document]) -> None:
        self.documents = documents
        self.df: Counter = Counter()
        for document in documents:
            self.df.update(set(content_words(f"{document.title}\n{document.body}")))
        ranked = sorted(self.df, key=lambda w: (-self.df[w], w))
        self.rank = {word: number for number, word in enumerate(ranked)}
        self.common = ranked[:max(10, min(100, len(ranked) // 50))]
        rare = [w for w in ranked if 2 <= self.df[w] <= 5 and len(w) >= 5]
        self.rare = rare or [w for w in ranked if self.df[w] == 1]
        self.phrases = self._phrases()
        self.actors = {kind: self._top_actors(kind) for kind in ACTOR_KINDS}
        self.dated = [d for d in documents if d.published is not None]

    def usable(self, word: str) -> bool:
        """Worth a query: in a few documents, but not among the very commonest."""
        return self.df[word] >= 3 and self.rank[word] >= 20

    def title_words(self, document: Document) -> list[str]:
        return list(dict.fromkeys(w for w in content_words(document.title) if self.usable(w)))

    def body_words(self, document: Document) -> list[str]:
        return list(dict.fromkeys(w for w in content_words(document.body) if self.usable(w)))

    def _phrases(self) -> list[tuple[str, str]]:
        pairs: Counter = Counter()
        for document in self.documents:
            tokens = document.title.split()
            for left, right in zip(tokens, tokens[1:], strict=False):
                if _PLAIN_TOKEN.fullmatch(left) and _PLAIN_TOKEN.fullmatch(right):
                    pair = (left.lower(), right.lower())
                    if all(_queryable(w) for w in pair):
                        pairs[pair] += 1
        seen = sorted(p for p, n in pairs.items() if n >= 3) or sorted(pairs)
        return seen

    def _top_actors(self, kind: str) -> list[str]:
        attribute = {"person": "people", "place": "places", "organization": "organizations"}
        counts = Counter(name for d in self.documents for name in getattr(d, attribute[kind]))
        return [name for name, _ in counts.most_common(20)]


def build_mix(vocabulary: Vocabulary, count: int, seed: int, classes: Sequence[str] = CLASSES,
              copies: int = 1) -> list[Query]:
    """`count` queries spread evenly over `classes`, in a seeded shuffled order.

    `copies` is the scale factor: date windows fall in any of the shifted copies' years.
    """
    rng = random.Random(seed)
    per_class = max(1, -(-count // len(classes)))
    queries = [_make(cls, vocabulary, rng, copies) for cls in classes for _ in range(per_class)]
    rng.shuffle(queries)
    return queries


def warmup_mix(vocabulary: Vocabulary, seed: int) -> list[Query]:
    """A few common-word queries, not part of the timed mix, to warm caches and code paths."""
    rng = random.Random(seed + 1)
    return [Query("warmup", (rng.choice(vocabulary.common),)) for _ in range(WARMUP_QUERIES)]


def _make(cls: str, vocabulary: Vocabulary, rng: random.Random, copies: int) -> Query:
    common = (rng.choice(vocabulary.common),)
    if cls == "common":
        return Query(cls, common)
    if cls == "rare":
        return Query(cls, (rng.choice(vocabulary.rare),))
    if cls == "multi":
        words = _words_of_one(vocabulary, rng, vocabulary.title_words, rng.choice((2, 3)))
        return Query(cls, words)
    if cls == "phrase":
        return Query(cls, rng.choice(vocabulary.phrases), phrase=True)
    if cls == "field":
        return _field_query(vocabulary, rng)
    if cls == "daterange":
        start = _date_in_corpus(vocabulary, rng, copies)
        end = start + timedelta(days=DATE_WINDOW_DAYS - 1)
        return Query(cls, common, date_from=start.isoformat(), date_to=end.isoformat())
    if cls == "snippets":
        return Query(cls, _words_of_one(vocabulary, rng, vocabulary.body_words, 2))
    if cls == "facets":
        return Query(cls, common, facets=True)
    if cls == "newest":
        return Query(cls, common, sort="newest")
    if cls == "deep":
        return Query(cls, (rng.choice(vocabulary.common[:30]),), page=DEEP_PAGE)
    raise ValueError(f"unknown query class {cls!r}; choose from {', '.join(CLASSES)}")


def _words_of_one(vocabulary: Vocabulary, rng: random.Random, pick, wanted: int
                  ) -> tuple[str, ...]:
    """`wanted` words of one random document (in its order), so they match it together."""
    for _ in range(1000):
        words = pick(rng.choice(vocabulary.documents))
        if len(words) >= 2:
            chosen = set(rng.sample(words, min(wanted, len(words))))
            return tuple(w for w in words if w in chosen)
    return tuple(rng.sample(vocabulary.common, 2))


def _field_query(vocabulary: Vocabulary, rng: random.Random) -> Query:
    attribute = {"person": "people", "place": "places", "organization": "organizations"}
    kinds = [k for k in ACTOR_KINDS if vocabulary.actors[k]]
    kind = rng.choice(kinds)
    actor = rng.choice(vocabulary.actors[kind])
    about = [d for d in vocabulary.documents if actor in getattr(d, attribute[kind])]
    document = rng.choice(about)
    words = vocabulary.title_words(document) or vocabulary.body_words(document) or \
        [rng.choice(vocabulary.common)]
    filters = ((kind, actor),) + ((("source", document.source),) if document.source else ())
    return Query("field", (rng.choice(words),), filters=filters)


def _date_in_corpus(vocabulary: Vocabulary, rng: random.Random, copies: int) -> date:
    if not vocabulary.dated:
        return date(1987, 3, 1)
    day = rng.choice(vocabulary.dated).published.date()
    shift = rng.randrange(copies)
    try:
        return day.replace(year=day.year + shift)
    except ValueError:
        return day.replace(year=day.year + shift, day=28)
