"""The one search function: a validated request in, a plain-data response out.

The JSON API, the HTML pages and scripts/query.py all call `run_search` and
`get_article`; they differ only in how they render the result. Everything a
response holds is materialised inside the searcher's `with` block.
"""
from __future__ import annotations

import html
import time
from datetime import datetime, timezone

from whoosh.util.times import long_to_datetime

from index import schema
from index.dates import format_utc
from index.errors import BadRequest, NotFound
from search import cursor as cursors
from search import (expansion, explain, facets, feedback, ordering, postings, vector_pages,
                    vectorized)
from search.archive import Archive
from search.backends import is_cluster
from search.sphinxql import backend as cluster_backend
from search.highlight import Highlighters, lede, mark_words
from search.limits import Budget, Limits, checked_query, matching_within
from search.manifest import index_manifest, results_hash
from search.parsing import parse, parser
from search.query import build_filter
from search.ranking import default_fields, field_boosts
from search.related import related
from search.spelling import suggest_query
from search.suggest import suggest
from search.request import SearchRequest, parse_request
from search.results import article_dict, query_echo, result_dict


RELATED_FIELDS = ("id", "url", "title", "source", "published", "people", "organizations",
                  "places", "language", "snippet", "cluster")
MAX_LISTED = 50


def request_now(request: SearchRequest) -> datetime:
    return request.now or datetime.now(timezone.utc).replace(tzinfo=None)


def cluster_info(searcher, article) -> dict:
    """The story this article belongs to: how many copies, which other outlets, first seen."""
    cluster = article.cluster or article.id
    members = [doc for doc in facets.story_members(searcher, cluster).tolist()
               if not searcher.reader().is_deleted(doc)]
    sources = facets.column_values(searcher, schema.SOURCE)
    dated = facets.column_values(searcher, schema.DATED)
    published = ordering.raw_column(searcher, schema.PUBLISHED)
    earliest = min((published[doc] for doc in members if dated[doc]), default=None)
    outlets = sorted({sources[doc] for doc in members if sources[doc]} - {article.source})
    return {"id": cluster, "size": max(len(members), 1), "other_sources": outlets,
            "first_seen": format_utc(long_to_datetime(earliest)) if earliest is not None
            else format_utc(article.published)}


def run_search(archive: Archive, request: SearchRequest, limits: Limits = Limits()) -> dict:
    if is_cluster(archive):
        return cluster_backend.run_search(archive, request)
    started = time.perf_counter()
    budget = Budget(limits.time_budget_ms)
    with archive.searcher() as searcher:
        q = checked_query(searcher, request, limits, request_now(request), budget)
        suggestion = suggest_query(searcher, request.q, q) if request.q != "*" else None
        allowed = build_filter(request, searcher)
        q = feedback.expand(searcher, q, request, allowed)  # RM3 for sentence-like queries
        index_state = f"{archive.generation.name}/{searcher.doc_count_all()}"
        after = cursors.decode(request, index_state) if request.cursor else None
        evaluation = vectorized.evaluate(searcher, q, budget)
        if evaluation is not None:
            kept = vectorized.among(evaluation.scored, allowed)
            docs, scores = kept.docs, kept.scores
            if request.recency:  # shown and ranked by, as ordering.walked_page does
                scores = vector_pages.blended(searcher, docs, scores, request.recency)
            total_copies = len(docs)
            total = vector_pages.count_stories(searcher, docs) \
                if request.collapse == "cluster" else total_copies
            page = vector_pages.vector_page(searcher, q, evaluation, docs, scores, request, after)
        else:
            docs = matching_within(searcher, q, budget)
            if allowed is not None:
                docs &= allowed
            clusters = facets.column_values(searcher, schema.CLUSTER)
            total_copies = len(docs)
            total = len({clusters[doc] for doc in docs}) if request.collapse == "cluster" \
                else total_copies
            if after is not None or request.recency:
                page = ordering.walked_page(searcher, q, docs, request, after, budget)
            else:
                page = ordering.plain_page(searcher, q, docs, request, total, budget)
        hits, ids = _materialise(searcher, q, request, page)
        found_facets, interval = _facets(searcher, request, docs, budget)
        diagnosis = explain.diagnose(searcher, request, q, allowed, budget) if not total \
            else None
        parsed = str(q)
        manifest = index_manifest(archive, searcher)
    return {
        "query": query_echo(request, parsed, interval),
        "total": total, "page": request.page, "page_size": request.page_size,
        "pages": -(-total // request.page_size),
        "took_ms": round((time.perf_counter() - started) * 1000, 1),
        "total_copies": total_copies, "results": hits, "facets": found_facets,
        "suggestion": suggestion,
        "diagnosis": diagnosis,
        "next_cursor": (cursors.encode(request, index_state, page.keys[-1])
                        if page.more and page.keys and "results" not in budget.cut else None),
        "index": manifest,
        "results_hash": results_hash(request, ids),
        "partial": budget.partial, "partial_parts": list(budget.cut),
    }


def _facets(searcher, request: SearchRequest, docs,
            budget: Budget) -> tuple[dict, str | None]:
    """The requested facets, one at a time while the budget lasts (then "facets" is cut)."""
    found, interval = {}, None
    member = facets.membership(searcher, docs) if request.facets else None
    for name in request.facets:
        if budget.expired():
            budget.mark("facets")
            break
        counted, used = facets.compute(
            searcher, (name,), member, size=request.facet_size, interval=request.interval,
            stories=request.count == "stories", filters=request.filters)
        found.update(counted)
        interval = used or interval
    return found, interval


def _materialise(searcher, q, request: SearchRequest,
                 page: ordering.Page) -> tuple[list[dict], list[str]]:
    highlighters = Highlighters()
    out, ids = [], []
    for hit in page.hits:
        stored = hit.fields()
        article = schema.from_stored(stored)
        ids.append(article.id)
        out.append(hit_dict(searcher, article, request.fields, highlighters, hit,
                            score=page.scores.get(hit.docnum) if request.sort == "relevance"
                            else None, indexed=stored.get(schema.INDEXED)))
        if request.explain:
            out[-1]["explain"] = explain.explain_hit(searcher, q, hit)
    return out, ids


def hit_dict(searcher, article, fields: tuple[str, ...], highlighters: Highlighters, hit, *,
             score: float | None, indexed) -> dict:
    """One result with the keys in `fields`; snippets and clusters only when asked for.

    Without a Whoosh hit (nothing to mark) the snippet is the lede, the title escaped.
    """
    snippet = title_html = None
    if "snippet" in fields:
        snippet = highlighters.snippet(hit, article) if hit is not None else lede(article.body)
    if "title_html" in fields:
        title_html = highlighters.title_html(hit, article) if hit is not None \
            else html.escape(article.title, quote=False)
    return result_dict(
        article, fields, score=score, indexed=indexed, snippet=snippet, title_html=title_html,
        cluster=cluster_info(searcher, article) if "cluster" in fields else None)


def _query_words(text: str, searcher, fields: tuple[str, ...], limits: Limits,
                 budget: Budget) -> frozenset[str]:
    """The analysed words of a query that exist in the index in any of `fields`.

    Wildcards and fuzzy words are looked up as a search looks them up (expansion.expand:
    bounded in number, a fuzzy word keeping its first letter, within the time budget).
    """
    try:
        parsed = parse(text, parser(default_fields(searcher.reader()),
                                    tuple(field_boosts().items()), False))
        parsed = expansion.expand(parsed, searcher.reader(), limits.max_wildcard_terms, budget)
    except Exception:  # a query we cannot read only means nothing gets marked
        return frozenset()
    words = set()
    for field in fields:
        # Always name the field: without it, Whoosh 2.7's existing_terms reuses its
        # `fieldname` argument as a loop variable and keeps only the first field's terms.
        for _field, text_bytes in parsed.existing_terms(searcher.reader(), phrases=True,
                                                        expand=True, fieldname=field):
            words.add(text_bytes.decode("utf-8"))
    return frozenset(words)


def get_article(archive: Archive, article_id: str, highlight_q: str | None = None,
                limits: Limits = Limits()) -> dict:
    """The article as plain data; with a query, also its title and body with matches marked."""
    if is_cluster(archive):
        return cluster_backend.get_article(archive, article_id, highlight_q)
    with archive.searcher() as searcher:
        stored = searcher.document(**{schema.ID: article_id})
        if stored is None:
            raise NotFound(f"no article with id {article_id!r}", param="id")
        article = schema.from_stored(stored)
        data = article_dict(article, cluster_info(searcher, article))
        if highlight_q:
            language = schema.language_of(article.language)
            title_field, body_field = schema.TITLE_FIELDS[language], schema.BODY_FIELDS[language]
            budget = Budget(limits.time_budget_ms)
            title_words = _query_words(highlight_q, searcher, (title_field,), limits, budget)
            body_words = _query_words(highlight_q, searcher, (body_field,), limits, budget)
            data["title_html"] = mark_words(article.title, title_words,
                                            searcher.schema[title_field].analyzer)
            data["body_html"] = mark_words(article.body, body_words,
                                           searcher.schema[body_field].analyzer).split("\n\n")
    return data


WARM_UP_QUERIES = (
    {"q": ["*"], "sort": ["newest"], "facets": [",".join(facets.FACETS)]},
    {"q": ["*"], "sort": ["oldest"], "from": ["1900-01-01"], "facets": [""]},  # day numbers
    {"q": ["report volckr"], "facets": [""]},  # a rare word: the spelling word lists
)


def warm_up(archive: Archive) -> None:
    """Build what the first searches of a fresh process would (columns, facet and story
    codes, spelling and suggestion word lists), so no user waits for it; errors are left
    to real requests."""
    try:
        with archive.searcher() as searcher:
            postings.prepare(searcher, default_fields(searcher.reader()))
        for params in WARM_UP_QUERIES:
            run_search(archive, parse_request(params))
        get_suggestions(archive, "a")  # half a second the first time, on the test index
    except Exception:  # no index yet, or a damaged one: /api/v1/health says which
        return


def _limit(raw: str | None, default: int = 10) -> int:
    """The `limit` parameter of the list endpoints, validated at the edge."""
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"limit must be a whole number (got {raw!r})", param="limit") from None
    if not 1 <= value <= MAX_LISTED:
        raise BadRequest(f"limit must be between 1 and {MAX_LISTED} (got {value})", param="limit")
    return value


def get_suggestions(archive: Archive, prefix: str, limit: str | None = None) -> dict:
    """Autocomplete: actors, sources and frequent words starting with `prefix`."""
    count = _limit(limit)
    if is_cluster(archive):
        raise BadRequest("suggestions are not supported by the sphinxql backend", param="q")
    with archive.searcher() as searcher:
        return {"suggestions": suggest(searcher, prefix or "", count)}


def get_related(archive: Archive, article_id: str, limit: str | None = None) -> dict:
    """The stories most like this article, its own syndicated copies left out."""
    count = _limit(limit)
    if is_cluster(archive):
        raise BadRequest("related stories are not supported by the sphinxql backend",
                         param="id")
    with archive.searcher() as searcher:
        results = []
        for doc in related(searcher, article_id, count):
            article = schema.from_stored(searcher.stored_fields(doc))
            results.append(result_dict(article, RELATED_FIELDS, score=None,
                                       snippet=lede(article.body), title_html=None,
                                       cluster=cluster_info(searcher, article)))
    return {"results": results}
