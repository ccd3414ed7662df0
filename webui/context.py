"""What every view needs from the app: the archive, the limits, and the raw arguments."""
from __future__ import annotations

from flask import current_app, request

from search import Archive, Limits, SearchRequest, parse_request


def archive() -> Archive:
    return current_app.extensions["morgue.archive"]


def limits() -> Limits:
    return current_app.extensions["morgue.limits"]


def raw_args() -> dict[str, list[str]]:
    return request.args.to_dict(flat=False)


def search_request(**overrides: list[str]) -> SearchRequest:
    """The validated search for this request's query string (BadRequest when it is not valid)."""
    args = {**raw_args(), **overrides}
    return parse_request(args, max_query_length=current_app.config["MORGUE"]["MAX_QUERY_LENGTH"])
