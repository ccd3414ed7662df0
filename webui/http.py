"""HTTP semantics of the GET API: unknown parameters, ETag and 304, Cache-Control, CORS.

A GET answer depends only on the index and the URL, so its ETag is a digest
of both: the live build and its Whoosh commit (search.manifest.index_version:
a full rebuild or any in-place write changes it), the path and the whole query
string, and the settings that shape answers. It is computed *before* the
view runs, so a matching If-None-Match costs no search, and a commit landing
during the search can only label a newer answer with an older tag (the next
request then gets the full answer), never the reverse. It is weak: answers
carry `took_ms`, so two equal answers are equivalent, not byte-identical.

Not cached: errors (`no-store`), partial answers (the time budget ran out:
`no-store`, no ETag) and searches whose query has relative dates such as
`published:>"last week"`, which change with the clock alone (`no-cache`).
CORS headers go on /api/ answers to GET, HEAD and OPTIONS (the preflight)
when MORGUE_CORS_ORIGINS allows the page's origin; writes never get them.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from functools import wraps

from flask import Flask, Response, current_app, make_response, request

from search.manifest import index_version
from search.request import check_parameters, depends_on_clock
from webui.context import archive, raw_args

CACHEABLE = "public, max-age=0, must-revalidate"
NO_STORE = "no-store"
NO_CACHE = "no-cache"
REPRESENTATION = "1"  # bump when answers change shape for the same index and URL
SHAPING_SETTINGS = ("MAX_QUERY_LENGTH", "MAX_WILDCARD_TERMS", "SEARCH_TIME_BUDGET_MS")
CORS_METHODS = "GET, HEAD, OPTIONS"
CORS_REQUEST_HEADERS = "Authorization, If-None-Match"  # Authorization: MORGUE_READ_TOKEN
CORS_EXPOSED = "ETag, Content-Disposition, Retry-After"
CORS_MAX_AGE = "600"


def conditional(allowed: Sequence[str], *, validate: Callable[[], object] | None = None,
                clock_sensitive: bool = False) -> Callable:
    """For a GET view answering from the index: refuse unknown parameters (and whatever
    `validate` refuses), answer 304 when If-None-Match holds the current ETag, else tag a 200
    (unless the view marked it uncacheable)."""
    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            check_parameters(raw_args(), allowed)
            if validate is not None:
                validate()  # a bad request is a 400 even when If-None-Match would match
            if clock_sensitive and depends_on_clock(request.args.get("q", "")):
                response = make_response(view(*args, **kwargs))
                response.headers.setdefault("Cache-Control", NO_CACHE)
                return response
            etag = current_etag()
            wanted = request.if_none_match
            if not wanted.star_tag and wanted.contains_weak(etag):
                return not_modified(etag)
            response = make_response(view(*args, **kwargs))
            if response.status_code == 200 and "Cache-Control" not in response.headers:
                if wanted.star_tag:  # "*": whatever is there now, as long as it exists
                    return not_modified(etag)
                response.set_etag(etag, weak=True)
                response.headers["Cache-Control"] = CACHEABLE
            return response
        return wrapper
    return decorate


def current_etag() -> str:
    """The (unquoted) weak ETag of this URL on the index as it is now."""
    settings = current_app.config["MORGUE"]
    key = "\n".join([REPRESENTATION, index_version(archive()), request.path,
                     request.query_string.decode("latin-1"),
                     repr([settings[name] for name in SHAPING_SETTINGS])])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def not_modified(etag: str) -> Response:
    response = current_app.response_class(status=304)
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = CACHEABLE
    return response


def uncacheable(response: Response, directive: str = NO_STORE) -> Response:
    """Mark an answer that must not be reused (partial, or dependent on the clock)."""
    response.headers["Cache-Control"] = directive
    return response


def _finish(response: Response) -> Response:
    if response.status_code >= 400:
        response.headers["Cache-Control"] = NO_STORE
    if request.path.startswith("/api/") and request.method in ("GET", "HEAD", "OPTIONS"):
        _cors(response)
    return response


def _cors(response: Response) -> None:
    origins = current_app.config["MORGUE"]["CORS_ORIGINS"]
    if not origins:
        return
    origin = request.headers.get("Origin")
    if "*" in origins:
        allowed = "*"
    else:
        response.vary.add("Origin")  # the answer differs by origin: caches must keep them apart
        allowed = origin if origin in origins else None
    if allowed is None:
        return
    response.headers["Access-Control-Allow-Origin"] = allowed
    response.headers["Access-Control-Expose-Headers"] = CORS_EXPOSED
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        response.headers["Access-Control-Allow-Methods"] = CORS_METHODS
        response.headers["Access-Control-Allow-Headers"] = CORS_REQUEST_HEADERS
        response.headers["Access-Control-Max-Age"] = CORS_MAX_AGE


def init_app(app: Flask) -> None:
    app.after_request(_finish)
