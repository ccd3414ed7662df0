"""Which backend answers: the embedded Whoosh index, or a SphinxQL cluster (MORGUE_BACKEND).

The web app and the scripts open their archive here; the search functions
(search/service.py) look at which kind they were given and dispatch, so the
pages, the JSON API and the scripts never know which backend serves them.
"""
from __future__ import annotations

from typing import Any

from search.archive import Archive
from search.sphinxql.archive import BACKEND as SPHINXQL, ClusterArchive


def open_archive(settings: dict[str, Any]) -> Archive | ClusterArchive:
    if settings.get("BACKEND", "whoosh") != SPHINXQL:
        return Archive(settings["INDEX_DIR"])
    address = settings.get("SPHINXQL_ADDRESS") or ""
    cluster_dir = settings.get("SPHINXQL_CLUSTER_DIR")
    if not address and cluster_dir is not None:
        from index.sphinxql import cluster

        address = cluster.load(cluster_dir).head
    if not address:
        raise SystemExit("MORGUE_BACKEND=sphinxql needs MORGUE_SPHINXQL_ADDRESS (the head's "
                         "HOST:PORT) or MORGUE_SPHINXQL_CLUSTER_DIR (a cluster started with "
                         "python scripts/cluster.py start --dir DIR)")
    return ClusterArchive(address, cluster_dir)


def is_cluster(archive: object) -> bool:
    return isinstance(archive, ClusterArchive)
