"""The JSON API, /api/v1: thin views over the search package."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from search import get_article, get_related, get_suggestions, run_search
from webui.context import archive, limits, search_request

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/search")
def search():
    return jsonify(run_search(archive(), search_request(), limits()))


@bp.get("/articles/<article_id>")
def article(article_id: str):
    return jsonify(get_article(archive(), article_id, request.args.get("q") or None))


@bp.get("/articles/<article_id>/related")
def related(article_id: str):
    return jsonify(get_related(archive(), article_id, request.args.get("limit")))


@bp.get("/suggest")
def suggest():
    return jsonify(get_suggestions(archive(), request.args.get("q", ""), request.args.get("limit")))


@bp.get("/health")
def health():
    report = archive().health()
    return jsonify(report), 200 if report["status"] == "ok" else 503
