"""Opaque cursors for deep paging: the sort key of the last result seen, tied to its search.

A cursor carries the last result's key (score or date, then a tie-breaker)
and a digest of everything that orders the results (query, filters, sort,
collapse, recency) and of the index state (relevance ties are broken by
document number, which a commit can change), so it can only continue the
search that produced it, on the index that produced it; anything else is a
400, never a silently different page.
"""
from __future__ import annotations

import base64
import hashlib
import json
import math

from index.errors import BadRequest
from search.request import SearchRequest

VERSION = 1


def signature(request: SearchRequest, index_state: str) -> str:
    ordering = [request.q, sorted(request.filters), str(request.date_from), str(request.date_to),
                request.sort, request.collapse, request.recency, index_state]
    return hashlib.sha256(json.dumps(ordering, default=str).encode()).hexdigest()[:16]


def encode(request: SearchRequest, index_state: str, key: list) -> str:
    payload = json.dumps({"v": VERSION, "k": key, "s": signature(request, index_state)},
                         separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def _well_formed(key, sort: str) -> bool:
    """The shape `ordering.key_of` gives: a number, then a document number or an id.

    The digest ties a cursor to its search but is no secret, so a client can
    make one up; a made-up key must still be one the ordering can compare.
    """
    if not (isinstance(key, list) and len(key) == 2):
        return False
    first, second = key
    number = isinstance(first, (int, float)) and not isinstance(first, bool) \
        and math.isfinite(first)
    tie = (isinstance(second, int) and not isinstance(second, bool) and second >= 0) \
        if sort == "relevance" else isinstance(second, str)
    return number and tie


def decode(request: SearchRequest, index_state: str) -> list:
    """The key a request's cursor continues after; BadRequest when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(request.cursor + "=" * (-len(request.cursor) % 4))
        payload = json.loads(raw)
        key, sig = payload["k"], payload["s"]
        valid = payload.get("v") == VERSION and _well_formed(key, request.sort)
    except (ValueError, KeyError, TypeError):
        valid = False
    if not valid:
        raise BadRequest("cursor is not one this server gave out", param="cursor")
    if sig != signature(request, index_state):
        raise BadRequest("cursor belongs to a different search, or the archive has changed "
                         "since it was given: keep q, the filters, sort, collapse and recency "
                         "as they were, or start again from page 1", param="cursor")
    return key
