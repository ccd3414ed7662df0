"""Opaque cursors for deep paging: the sort key of the last result seen, signed to its search.

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


def decode(request: SearchRequest, index_state: str) -> list:
    """The key a request's cursor continues after; BadRequest when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(request.cursor + "=" * (-len(request.cursor) % 4))
        payload = json.loads(raw)
        key, sig = payload["k"], payload["s"]
        valid = payload.get("v") == VERSION and isinstance(key, list) and len(key) == 2
    except (ValueError, KeyError, TypeError):
        valid = False
    if not valid:
        raise BadRequest("cursor is not one this server gave out", param="cursor")
    if sig != signature(request, index_state):
        raise BadRequest("cursor belongs to a different search, or the archive has changed "
                         "since it was given: keep q, the filters, sort, collapse and recency "
                         "as they were, or start again from page 1", param="cursor")
    return key
