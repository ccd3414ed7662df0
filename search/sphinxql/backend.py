"""run_search and get_article on a SphinxQL cluster: the same answers' shape as the Whoosh path.

The query is parsed by the same parser (search/parsing.py) and translated
(search/sphinxql/translate.py); what Sphinx cannot express is a 400 naming
it. Facet values come back as numbers and are named from the NAMES index; the
histogram is counted per day and drawn by the same code as the Whoosh
path's (search/facets.histogram). An answer is `partial` when a shard did not
answer (SHOW META carries the head's warning).
"""
from __future__ import annotations

import dataclasses
import html
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta

from index.dates import format_utc
from index.errors import BadRequest, NotFound
from index.sphinxql import rows, schema
from search import facets as whoosh_facets
from search.highlight import lede
from search.manifest import results_hash
from search.request import SearchRequest
from search.results import article_dict, query_echo, result_dict
from search.sphinxql import statement
from search.sphinxql.archive import BACKEND, ClusterArchive
from search.sphinxql.query import parsed_match
from search.sphinxql.snippets import snippets

DAY_ZERO = date(1900, 1, 1)
EXPORT_PAGE = 500
MAX_COPIES = 1_000  # copies of one story read to describe it (10,000 for a page of stories)


def _refuse_unsupported(request: SearchRequest) -> None:
    if request.cursor:
        raise BadRequest("cursors are not supported by the sphinxql backend; use page",
                         param="cursor")
    if request.recency:
        raise BadRequest("recency is not supported by the sphinxql backend", param="recency")
    if request.explain:
        raise BadRequest("explain is not supported by the sphinxql backend", param="explain")
    if request.sort not in statement.ORDERS:  # the one check: statement.page relies on it
        raise BadRequest(f"sort={request.sort} is not supported by the sphinxql backend",
                         param="sort")


class _Run:
    """One search's statements on one connection, and the warnings the head gave."""

    def __init__(self, cursor) -> None:
        self.cursor = cursor
        self.warnings: list[str] = []

    def rows(self, made: statement.Statement) -> tuple[list[tuple], dict[str, str]]:
        self.cursor.execute(made.sql, made.args or None)
        found = list(self.cursor.fetchall())
        self.cursor.execute("SHOW META")
        meta = {}
        for name, value in self.cursor.fetchall():
            meta[name] = value
            if name == "warning" and value not in self.warnings:
                self.warnings.append(value)
        return found, meta


def _names(cursor, numbers: set[int]) -> dict[int, str]:
    """Facet value numbers -> their names, from the NAMES index."""
    if not numbers:
        return {}
    cursor.execute(f"SELECT id, label FROM {schema.NAMES} WHERE id IN "
                   f"({','.join(map(str, numbers))}) LIMIT {len(numbers)} "
                   f"OPTION max_matches={len(numbers)}")
    return {int(number): label for number, label in cursor.fetchall()}


def _facet_counts(run: _Run, request: SearchRequest, match: str, extra: list[str]) -> dict:
    counted: dict[str, list[tuple[int, int]]] = {}
    for name in request.facets:
        if name != "published":
            found, _meta = run.rows(statement.facet(request, name, match, extra))
            counted[name] = [(int(value), int(count)) for value, count in found]
    labels = _names(run.cursor, {value for pairs in counted.values() for value, _ in pairs})
    out = {}
    for name, pairs in counted.items():
        facet = whoosh_facets.FACETS[name]
        counts = Counter({labels[value]: count for value, count in pairs if value in labels})
        selected = {v for param, v in request.filters if param == facet.filter_param}
        out[name] = whoosh_facets.facet_values(facet, counts, request.facet_size, selected)
    return out


def _histogram(run: _Run, request: SearchRequest, match: str,
               extra: list[str]) -> tuple[list[dict], str]:
    found, _meta = run.rows(statement.histogram(request, match, extra))
    counts = Counter({(DAY_ZERO + timedelta(days=int(day))).isoformat(): int(count)
                      for day, count in found})
    used, bars = whoosh_facets.histogram(counts, request.interval)
    return bars, used


def run_search(archive: ClusterArchive, request: SearchRequest) -> dict:
    started = time.perf_counter()
    _refuse_unsupported(request)
    match, extra, parsed = parsed_match(request)
    with archive.cursor() as cursor:
        run = _Run(cursor)
        found, meta = run.rows(statement.page(request, match, extra, archive.global_idf))
        total = copies = int(meta.get("total_found", 0))
        if request.collapse == "cluster":
            _found, counted = run.rows(statement.count(request, match, extra))
            copies = int(counted.get("total_found", 0))
            told, _meta = run.rows(statement.stories(request, match, extra))
            total = int(told[0][0]) if told else 0
        stored = dict(run.rows(statement.stored_of([int(doc) for doc, _score in found]))[0]) \
            if found else {}
        articles = [(rows.article_from_json(stored[doc]), float(score)) for doc, score in found
                    if doc in stored]
        found_facets = _facet_counts(run, request, match, extra)
        interval = None
        if "published" in request.facets:
            found_facets["published"], interval = _histogram(run, request, match, extra)
        marked = snippets(cursor, [article.body for (article, _), _ in articles], match) \
            if match and "snippet" in request.fields else None
        stories = _stories(cursor, [article for (article, _), _ in articles]) \
            if "cluster" in request.fields and articles else None
    hits, ids = [], []
    for number, ((article, indexed), score) in enumerate(articles):
        ids.append(article.id)
        snippet = (marked[number] if marked else lede(article.body)) \
            if "snippet" in request.fields else None
        hits.append(result_dict(article, request.fields,
                                score=score if request.sort == "relevance" else None,
                                indexed=indexed, snippet=snippet,
                                title_html=html.escape(article.title, quote=False),
                                cluster=stories[number] if stories else None))
    facets_out = {name: found_facets[name] for name in request.facets if name in found_facets}
    return {
        "query": query_echo(request, parsed, interval),
        "total": total, "page": request.page, "page_size": request.page_size,
        "pages": -(-total // request.page_size),
        "took_ms": round((time.perf_counter() - started) * 1000, 1),
        "total_copies": copies,
        "results": hits, "facets": facets_out, "suggestion": None, "diagnosis": None,
        "next_cursor": None,
        "index": {"build_id": f"{BACKEND}:{archive.address}", "commit": None,
                  "documents": None, "schema_version": None, "created": None,
                  "backend": BACKEND},
        "results_hash": results_hash(request, ids),
        "partial": bool(run.warnings), "partial_parts": ["shards"] if run.warnings else [],
        "warnings": run.warnings,
    }


def _iso(moment) -> str | None:
    return format_utc(moment)


def iter_results(archive: ClusterArchive, request: SearchRequest) -> Iterator[dict]:
    """Every result, page by page, as far as the cluster pages (statement.MAX_MATCHES)."""
    size = EXPORT_PAGE
    first = dataclasses.replace(request, page=1, page_size=size, facets=())
    answer = run_search(archive, first)  # now: an error is still a proper 400
    if answer["total"] > statement.MAX_MATCHES:
        raise BadRequest(f"the sphinxql backend exports at most {statement.MAX_MATCHES:,} "
                         f"results (this search has {answer['total']:,}); narrow it",
                         param="format")

    def rows() -> Iterator[dict]:
        current = answer
        for page in range(2, statement.MAX_MATCHES // size + 2):
            yield from current["results"]
            if page > current["pages"]:
                return
            current = run_search(archive, dataclasses.replace(first, page=page))
    return rows()


def _stories(cursor, articles: list) -> list[dict]:
    """The story each article belongs to, as search/service.cluster_info tells it: one
    statement for all of them (the story is an attribute Sphinx 2.2 scans, not indexes)."""
    clusters = [article.cluster or article.id for article in articles]
    numbers = {schema.value_id("cluster", cluster): cluster for cluster in clusters}
    limit = min(MAX_COPIES * len(numbers), statement.MAX_MATCHES)  # a bounded answer
    cursor.execute(f"SELECT cluster_id, source_value, published, dated FROM {schema.ARTICLES} "
                   f"WHERE cluster_id IN ({','.join(map(str, numbers))}) LIMIT {limit} "
                   f"OPTION max_matches={limit}")
    members: dict[str, list[tuple[int, int | None]]] = {cluster: [] for cluster in clusters}
    for number, source, published, dated in cursor.fetchall():
        members[numbers[int(number)]].append((int(source), int(published) if dated else None))
    labels = _names(cursor, {source for found in members.values() for source, _ in found
                             if source})
    told = []
    for article, cluster in zip(articles, clusters):
        found = members[cluster]
        dated = [seconds for _source, seconds in found if seconds is not None]
        sources = {labels[source] for source, _ in found if source in labels}
        told.append({"id": cluster, "size": max(len(found), 1),
                     "other_sources": sorted(sources - {article.source}),
                     "first_seen": _iso(rows.EPOCH + timedelta(seconds=min(dated))) if dated
                     else _iso(article.published)})
    return told


def get_article(archive: ClusterArchive, article_id: str, highlight_q: str | None = None) -> dict:
    """The article as plain data; with a query, its title and paragraphs with matches marked."""
    with archive.cursor() as cursor:
        cursor.execute(f"SELECT stored FROM {schema.ARTICLES} WHERE id = "
                       f"{schema.doc_id(article_id)}")
        found = cursor.fetchall()
        if not found:
            raise NotFound(f"no article with id {article_id!r}", param="id")
        article, _indexed = rows.article_from_json(found[0][0])
        data = article_dict(article, _stories(cursor, [article])[0])
        try:
            match = parsed_match(SearchRequest(q=highlight_q))[0] if highlight_q else ""
        except BadRequest:  # a query we cannot read only means nothing gets marked
            match = ""
        if match:
            paragraphs = article.body.split("\n\n")
            marked = snippets(cursor, [article.title, *paragraphs], match, whole=True)
            data["title_html"], data["body_html"] = marked[0], marked[1:]
    return data
