"""The JSON API, /api/v1: thin views over the search package.

Every GET view refuses parameters it does not know and answers conditionally
(webui/http.py: ETag, 304, Cache-Control). /search also speaks Atom (one
page as a feed), CSV and JSON Lines (every result, streamed).
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from search import get_article, get_related, get_suggestions, run_search
from search.request import (ARTICLE_PARAMETERS, HEALTH_PARAMETERS, RELATED_PARAMETERS,
                            SEARCH_PARAMETERS, SUGGEST_PARAMETERS, SearchRequest,
                            check_length, check_parameters)
from search.streaming import iter_results
from webui import formats
from webui.context import archive, limits, raw_args, search_request
from webui.http import NO_STORE, conditional, uncacheable

bp = Blueprint("api", __name__, url_prefix="/api/v1")
EXPORTS = {"csv": (formats.CSV_TYPE, "csv"), "jsonl": (formats.JSONL_TYPE, "jsonl")}


@bp.get("/search")
@conditional(SEARCH_PARAMETERS, validate=search_request, clock_sensitive=True)
def search():
    wanted = search_request()
    if wanted.format in EXPORTS:
        return _export(wanted)
    response = run_search(archive(), formats.for_atom(wanted) if wanted.format == "atom"
                          else wanted, limits())
    if wanted.format == "atom":
        rendered = Response(_feed(response, wanted), content_type=formats.ATOM_TYPE)
    else:
        rendered = jsonify(response)
    return uncacheable(rendered) if response["partial"] else rendered


def _export(wanted: SearchRequest) -> Response:
    """Every result, streamed: the search is checked and ordered before the first byte."""
    rows = iter_results(archive(), wanted, limits())
    content_type, extension = EXPORTS[wanted.format]
    chunks = formats.csv_chunks(wanted.fields, rows) if wanted.format == "csv" \
        else formats.jsonl_chunks(rows)
    return Response(chunks, content_type=content_type, headers={
        "Content-Disposition": f'attachment; filename="morgue-search.{extension}"'})


def _feed(response: dict, wanted: SearchRequest) -> bytes:
    params = [(k, v) for k, v in wanted.params if k not in ("format", "page", "cursor")]
    again = url_for("api.search", _external=True) + "?"
    next_url = None
    if response["next_cursor"] and wanted.cursor:
        next_url = again + urlencode(params + [("format", "atom"),
                                               ("cursor", response["next_cursor"])])
    elif response["page"] < response["pages"] and not wanted.cursor:
        next_url = again + urlencode(params + [("format", "atom"),
                                               ("page", str(response["page"] + 1))])
    filters = "".join(f", {name}: {value}" for name, value in wanted.filters)
    return formats.atom_feed(
        response, feed_id=formats.TAG + "search?" + urlencode(sorted(params)),
        title=f"Morgue: {wanted.q}{filters}", self_url=request.url,
        html_url=url_for("ui.search", _external=True) + "?" + urlencode(params),
        article_url=lambda article_id: url_for("ui.article", article_id=article_id,
                                               _external=True),
        next_url=next_url)


def _max_query_length() -> int:
    return current_app.config["MORGUE"]["MAX_QUERY_LENGTH"]


@bp.get("/articles/<article_id>")
@conditional(ARTICLE_PARAMETERS)
def article(article_id: str):
    q = check_length(request.args.get("q") or "", "q", _max_query_length()) or None
    return jsonify(get_article(archive(), article_id, q, limits()))


@bp.get("/articles/<article_id>/related")
@conditional(RELATED_PARAMETERS)
def related(article_id: str):
    return jsonify(get_related(archive(), article_id, request.args.get("limit")))


@bp.get("/suggest")
@conditional(SUGGEST_PARAMETERS)
def suggest():
    prefix = check_length(request.args.get("q", ""), "q", _max_query_length())
    return jsonify(get_suggestions(archive(), prefix, request.args.get("limit")))


@bp.get("/health")
def health():
    check_parameters(raw_args(), HEALTH_PARAMETERS)
    report = archive().health()
    return uncacheable(jsonify(report), NO_STORE), 200 if report["status"] == "ok" else 503
