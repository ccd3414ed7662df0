"""What a search response says about where it came from, so that it can be cited.

`index` names the build (the generation a full reindex made), its last commit
(Whoosh's own generation number, which every in-place write moves on) and its
size; `results_hash` fingerprints the page's results in order. Run the same
URL later: the same hash means the same results, the same `build_id` and
`commit` mean the same archive. `index_version` is the short form of the
first two that keys HTTP caching (ETag).
"""
from __future__ import annotations

import hashlib
import json
import uuid

from whoosh.searching import Searcher

from search.archive import Archive
from search.request import SearchRequest


def results_hash(request: SearchRequest, ids: list[str]) -> str:
    """sha256 (hex) of the JSON text `[page, page_size, cursor, [id, ...]]`, compact.

    The ids are this page's results in order; page, page_size and cursor (null
    without one) place the page in the search, so page 2 never matches page 1.
    In Python: sha256(json.dumps([...], separators=(",", ":")).encode()).hexdigest().
    """
    cited = [request.page, request.page_size, request.cursor, ids]
    return hashlib.sha256(json.dumps(cited, separators=(",", ":")).encode("utf-8")).hexdigest()


def index_manifest(archive: Archive, searcher: Searcher) -> dict:
    """Which index answered: its build, its last commit, its size."""
    generation = archive.generation
    return {"build_id": generation.name, "commit": searcher.reader().generation(),
            "documents": searcher.doc_count(), "schema_version": generation.schema_version,
            "created": generation.manifest.get("created")}


def index_version(archive: Archive) -> str:
    """The live build and its last commit: it changes whenever what a search sees can change.

    A SphinxQL cluster has no commit number to read, so its version is new every time
    (its answers are never 304).
    """
    if getattr(archive, "backend", "whoosh") != "whoosh":
        return f"{archive.backend}.{uuid.uuid4().hex}"
    with archive.searcher() as searcher:
        return f"{archive.generation.name}.{searcher.reader().generation()}"
