"""Opaque cursors for deep paging: the sort key of the last result seen, signed to its search.

A cursor carries the last result's key (score or date, then id) and a digest
of everything that orders the results (query, filters, sort, collapse,
recency), so it can only continue the search that produced it; anything else
is a 400, never a silently different page.
"""
from __future__ import annotations

import base64
import hashlib
import json

from index.errors import BadRequest
from search.request import SearchRequest

VERSION = 1


def signature(request: SearchRequest) -> str:
    ordering = [request.q, sorted(request.filters), str(request.date_from), str(request.date_to),
                request.sort, request.collapse, request.recency]
    return hashlib.sha256(json.dumps(ordering, default=str).encode()).hexdigest()[:16]


def encode(request: SearchRequest, key: list) -> str:
    payload = json.dumps({"v": VERSION, "k": key, "s": signature(request)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode(request: SearchRequest) -> list:
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
    if sig != signature(request):
        raise BadRequest("cursor belongs to a different search: keep q, the filters, sort, "
                         "collapse and recency as they were", param="cursor")
    return key
