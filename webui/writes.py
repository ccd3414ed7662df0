"""The API's write path: POST and DELETE /api/v1/articles, behind a bearer token.

A request checks the token, reads a bounded body, extracts each article
through the reindex pipeline and appends the result to the journal (fsynced)
before answering 202; it never opens a Whoosh writer. The applier thread
(index/applier.py) makes the writes searchable within about a second.
"""
from __future__ import annotations

import hmac
import threading

from flask import Blueprint, Flask, current_app, jsonify, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import (Forbidden, RequestEntityTooLarge, ServiceUnavailable,
                                 Unauthorized)

from index import posted, store
from index.sphinxql import api_writes
from index.applier import Applier
from index.errors import DiskFull, NotFound, is_disk_full
from index.journal import Journal
from search.backends import is_cluster
from search.service import warm_up
from webui.context import archive

bp = Blueprint("writes", __name__, url_prefix="/api/v1")


def init_app(app: Flask) -> None:
    """One journal and one applier per app; the applier starts with the first write."""
    settings = app.config["MORGUE"]
    journal = Journal(settings["INDEX_DIR"])
    app.extensions["morgue.journal"] = journal
    app.extensions["morgue.applier"] = Applier(settings["INDEX_DIR"], journal,
                                               poll_seconds=settings["APPLY_INTERVAL"])
    app.register_blueprint(bp)


def start_applier(app: Flask) -> None:
    """Start applying journaled writes now (a server calls this as each worker boots), check
    the index's checksums and warm the search caches in the background, and when writes are
    enabled load the extraction models in the background too."""
    if is_cluster(app.extensions["morgue.archive"]):
        return  # the cluster checks and warms itself; writes to it are not journaled here
    app.extensions["morgue.applier"].ensure_running()
    app.extensions["morgue.archive"].verify_in_background()
    threading.Thread(target=warm_up, args=(app.extensions["morgue.archive"],),
                     name="morgue-search-warm-up", daemon=True).start()
    if app.config["MORGUE"]["API_TOKEN"]:
        threading.Thread(target=posted.warm_up, name="morgue-warm-up", daemon=True).start()


def _authorise() -> None:
    """403 when the server takes no writes; 401 without the right token (constant-time compare)."""
    expected = current_app.config["MORGUE"]["API_TOKEN"]
    if not expected:
        raise Forbidden("This server accepts no writes: set MORGUE_API_TOKEN to enable "
                        "POST and DELETE on /api/v1/articles.")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    # WSGI hands headers over as latin-1 text: encoding them back gives the bytes sent.
    sent = given.strip().encode("latin-1", errors="replace")
    if scheme.lower() != "bearer" or not hmac.compare_digest(sent, expected.encode("utf-8")):
        raise Unauthorized("Send the API token as `Authorization: Bearer <token>`.",
                           www_authenticate=WWWAuthenticate("bearer", {"realm": "morgue"}))


def _body() -> bytes:
    """The request body, refused with 413 past MAX_POST_BYTES (declared or actually sent)."""
    limit = current_app.config["MORGUE"]["MAX_POST_BYTES"]
    too_large = RequestEntityTooLarge(f"The body is larger than {limit:,} bytes "
                                      "(MORGUE_MAX_POST_BYTES); send fewer articles at a time.")
    if (request.content_length or 0) > limit:
        raise too_large
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        raise too_large
    return data


def _applied_and_present(ids: list[str]) -> tuple[int, set[str]]:
    # The applied seq is read before the ids, so entries applied in between are still pending.
    # Both must come from one generation: a rebuild switching in between would pair the old
    # one's seq with the new one's ids, which lack what the applier put in the old one after
    # the rebuild's replay (a DELETE of such an article answered 404). Then the whole journal
    # counts as pending: always right, and needed only in that rare moment.
    generation = store.live_generation(archive().index_dir)
    present = archive().existing_ids(ids)
    if store.live_name(archive().index_dir) != generation.name:
        return 0, present
    return generation.journal_seq, present


def _wake_applier() -> None:
    applier: Applier = current_app.extensions["morgue.applier"]
    applier.ensure_running()
    applier.wake()


def _cluster_dir():
    cluster_dir = archive().cluster_dir
    if cluster_dir is None:
        raise ServiceUnavailable("Writes to a SphinxQL cluster need its directory "
                                 "(MORGUE_SPHINXQL_CLUSTER_DIR): it names every shard.")
    return cluster_dir


def _put_to_cluster(submissions: list[posted.Submission]) -> dict:
    """The 202 body of a POST to the cluster: written to the shards, searchable now."""
    accepted = [s.article for s in submissions if s.article is not None]
    present = api_writes.put(_cluster_dir(), accepted) if accepted else set()
    results, seen = [], set()
    for item in submissions:
        if item.article is None:
            result = {"index": item.index, "id": item.id, "status": "rejected",
                      "reason": item.reason}
        else:
            known = item.article.id in present or item.article.id in seen
            seen.add(item.article.id)
            result = {"index": item.index, "id": item.article.id,
                      "status": "updated" if known else "indexed", "seq": None}
        if item.notes:
            result["notes"] = list(item.notes)
        results.append(result)
    return {"results": results, "accepted": len(accepted),
            "rejected": len(submissions) - len(accepted), "seq": None}


@bp.post("/articles")
def post_articles():
    _authorise()
    try:
        submissions = posted.check_all(posted.parse_body(_body(), request.mimetype))
    except OSError as exc:  # extraction's models unpack through temporary files
        if not is_disk_full(exc):
            raise
        raise DiskFull("The disk is full (or a file-size limit was hit) while reading the "
                       "articles, so nothing was accepted. Try again when there is space."
                       ) from exc
    if is_cluster(archive()):
        return jsonify(_put_to_cluster(submissions)), 202
    applied, present = _applied_and_present([s.id for s in submissions if s.article])
    response = posted.accept(current_app.extensions["morgue.journal"], submissions, present,
                             applied)
    _wake_applier()
    return jsonify(response), 202


@bp.delete("/articles/<article_id>")
def delete_article(article_id: str):
    _authorise()
    if is_cluster(archive()):
        if not api_writes.delete(_cluster_dir(), article_id):
            raise NotFound(f"no article with id {article_id!r}", param="id")
        return jsonify({"id": article_id, "status": "deleted", "seq": None}), 202
    applied, present = _applied_and_present([article_id])
    entry = posted.accept_delete(current_app.extensions["morgue.journal"], article_id,
                                 present, applied)
    if entry is None:
        raise NotFound(f"no article with id {article_id!r}", param="id")
    _wake_applier()
    return jsonify({"id": article_id, "status": "deleted", "seq": entry.seq}), 202
