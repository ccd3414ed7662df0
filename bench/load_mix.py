"""The load trials' request mix: what a busy public archive is asked, drawn from the index itself.

Queries come from bench.queries (the benchmark's seeded classes) over a
sample of the served index's own articles, so the mix fits any index
(the tests' small one, the x10 benchmark archive) without a corpus file.
Each request is a GET path with a kind; the kinds and their weights:

    search        JSON search, one of the benchmark classes (no facets)
    facets        JSON search asking for every sidebar facet and the month histogram
    page          JSON search, pages 3 to 10 of a common word (page numbers, not cursors:
                  a cursor is tied to the index state and is refused once it changes)
    html_search   the HTML results page (its sidebar facets included)
    article       /api/v1/articles/<id>, half of them with a query to highlight
    article_html  the HTML article page (with its related stories)
    related       /api/v1/articles/<id>/related
    suggest       /api/v1/suggest, prefixes of frequent words and names
    csv           a streamed CSV export of a large but bounded result

The CSV queries are chosen by running candidate searches on the index in
this process (read only): the largest results of at most `csv_max_rows`.
"""
from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlencode

from bench.corpus import Document
from bench.queries import CLASSES, Query, Vocabulary, api_params, build_mix

WEIGHTS = {"search": 32, "facets": 12, "page": 8, "html_search": 10, "article": 8,
           "article_html": 8, "related": 3, "suggest": 18, "csv": 1}
JSON_SEARCH_KINDS = ("search", "facets", "page")
SIDEBAR_FACETS = "source,person,organization,place,tag,published"
SAMPLE_DOCUMENTS = 5_000
MIX_SIZE = 1_000
CSV_MAX_ROWS = 2_000
CSV_QUERIES = 3


@dataclass(frozen=True)
class Request:
    kind: str
    path: str


def sample_documents(index_dir: Path, count: int = SAMPLE_DOCUMENTS,
                     seed: int = 1) -> list[Document]:
    """Up to `count` live articles of the served generation, read from it directly (read only)."""
    from index import schema, store

    generation = store.live_generation(Path(index_dir))
    with store.open_generation(generation).searcher() as searcher:
        reader = searcher.reader()
        live = [doc for doc in range(reader.doc_count_all()) if not reader.is_deleted(doc)]
        chosen = sorted(random.Random(seed).sample(live, min(count, len(live))))
        articles = [schema.from_stored(searcher.stored_fields(doc)) for doc in chosen]
    return [Document(id=a.id, title=a.title, body=a.body, published=a.published,
                     source=a.source, people=tuple(a.people),
                     organizations=tuple(a.organizations), places=tuple(a.places),
                     url=a.url, title_derived=a.title_derived) for a in articles]


def _search_path(prefix: str, params: dict[str, list[str]]) -> str:
    return prefix + urlencode([(k, v) for k, values in params.items() for v in values])


def _json_search(query: Query, facets: bool) -> Request:
    params = api_params(replace(query, page=1))
    if facets:
        params["facets"] = [SIDEBAR_FACETS]
        params["interval"] = ["month"]
        params.pop("collapse")  # the product's default: syndicated copies as one story
    return Request("facets" if facets else "search", _search_path("/api/v1/search?", params))


def _deep_page(vocabulary: Vocabulary, rng: random.Random) -> Request:
    params = {"q": [rng.choice(vocabulary.common[:30])], "page": [str(rng.randint(3, 10))],
              "facets": [""]}
    return Request("page", _search_path("/api/v1/search?", params))


def _html_search(query: Query) -> Request:
    params = {k: v for k, v in api_params(replace(query, facets=False)).items()
              if k not in ("facets", "collapse")}
    return Request("html_search", _search_path("/search?", params))


def _prefixes(vocabulary: Vocabulary, rng: random.Random, count: int) -> list[str]:
    words = vocabulary.common + [name for names in vocabulary.actors.values() for name in names]
    return [word[:rng.randint(2, 5)].lower() for word in rng.choices(words, k=count)]


def csv_queries(index_dir: Path, vocabulary: Vocabulary, rng: random.Random,
                max_rows: int = CSV_MAX_ROWS, wanted: int = CSV_QUERIES) -> list[tuple[str, int]]:
    """(path, expected rows) of the largest results of at most `max_rows`, among common words
    alone and within 30-day windows; found with run_search on the index, read only."""
    from search import Archive, run_search
    from search.request import parse_request

    archive = Archive(Path(index_dir))
    found = []
    for word in vocabulary.common[:12]:
        candidates = [{"q": [word]}]
        for _ in range(3):
            window = build_mix(vocabulary, 1, rng.randrange(10**6), ("daterange",))[0]
            candidates.append({"q": [word], "from": [window.date_from], "to": [window.date_to]})
        for params in candidates:
            answer = run_search(archive, parse_request({**params, "page_size": ["1"],
                                                        "facets": [""], "fields": ["id"]}))
            if 0 < answer["total"] <= max_rows:
                path = _search_path("/api/v1/search?", {**params, "format": ["csv"]})
                found.append((answer["total"], path))
    found.sort(reverse=True)
    return [(path, total) for total, path in found[:wanted]]


def build_requests(index_dir: Path, seed: int = 1, size: int = MIX_SIZE,
                   documents: Sequence[Document] | None = None,
                   csv_max_rows: int = CSV_MAX_ROWS) -> tuple[list[Request], dict]:
    """The shuffled mix of `size` requests, and what it is made of (for the report)."""
    rng = random.Random(seed)
    documents = list(documents) if documents is not None else sample_documents(index_dir,
                                                                               seed=seed)
    vocabulary = Vocabulary(documents)
    counts = {kind: max(1, size * weight // sum(WEIGHTS.values()))
              for kind, weight in WEIGHTS.items()}
    queries = build_mix(vocabulary, counts["search"] + counts["facets"] + counts["html_search"],
                        seed, [c for c in CLASSES if c != "deep"])
    requests = [_json_search(q, facets=False) for q in queries[:counts["search"]]]
    rest = queries[counts["search"]:]
    requests += [_json_search(q, facets=True) for q in rest[:counts["facets"]]]
    requests += [_html_search(q) for q in rest[counts["facets"]:]]
    requests += [_deep_page(vocabulary, rng) for _ in range(counts["page"])]
    for kind in ("article", "article_html", "related"):
        for document in rng.choices(documents, k=counts[kind]):
            word = rng.choice(vocabulary.title_words(document) or vocabulary.common)
            path = {"article": f"/api/v1/articles/{document.id}",
                    "article_html": f"/articles/{document.id}",
                    "related": f"/api/v1/articles/{document.id}/related"}[kind]
            if kind == "article_html" or (kind == "article" and rng.random() < 0.5):
                path += "?" + urlencode({"q": word})
            requests.append(Request(kind, path))
    requests += [Request("suggest", "/api/v1/suggest?" + urlencode({"q": prefix}))
                 for prefix in _prefixes(vocabulary, rng, counts["suggest"])]
    exports = csv_queries(index_dir, vocabulary, rng, csv_max_rows)
    requests += [Request("csv", exports[n % len(exports)][0])
                 for n in range(counts["csv"] if exports else 0)]
    rng.shuffle(requests)
    made_of = {"requests": len(requests), "documents_sampled": len(documents),
               "by_kind": {kind: sum(r.kind == kind for r in requests) for kind in WEIGHTS},
               "csv_rows": [rows for _path, rows in exports]}
    return requests, made_of
