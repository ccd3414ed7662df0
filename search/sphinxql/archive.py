"""Read access to a SphinxQL cluster's head node, shared by every request of a process.

The counterpart of search.archive.Archive for MORGUE_BACKEND=sphinxql: each
thread keeps its own connection to the head (a PyMySQL connection is not safe
to share), opened on first use and opened again after the head dropped it.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pymysql

from index.errors import IndexUnavailable
from index.sphinxql import connection, schema
from index.sphinxql.cluster import GLOBAL_IDF_FILE

BACKEND = "sphinxql"


class ClusterArchive:
    backend = BACKEND

    def __init__(self, address: str, cluster_dir: Path | None = None) -> None:
        connection.split_address(address)  # a bad address fails at start, not per request
        self.address = address
        self.cluster_dir = cluster_dir
        self._local = threading.local()

    @contextmanager
    def cursor(self) -> Iterator[pymysql.cursors.Cursor]:
        """A cursor on this thread's connection to the head; a dropped one is reopened."""
        conn = getattr(self._local, "connection", None)
        if conn is not None and not conn.open:
            conn = None
        if conn is None:
            conn = self._local.connection = connection.connect(self.address)
        try:
            with conn.cursor() as cursor:
                yield cursor
        except pymysql.err.OperationalError as exc:  # the head went away mid-request
            self.close()
            raise IndexUnavailable(f"The SphinxQL head at {self.address} stopped answering "
                                   f"({exc.args[-1]}).", state="unavailable") from exc

    @property
    def global_idf(self) -> bool:
        """Whether the shards rank with the cluster-wide IDF file (built by a reindex; a query
        that asks for it when the shards have none weighs every word zero). Known only for a
        cluster in a directory; with an address alone, each shard ranks by its own IDF."""
        if self.cluster_dir is None:
            return False
        return (Path(self.cluster_dir) / GLOBAL_IDF_FILE).exists()

    def close(self) -> None:
        conn = getattr(self._local, "connection", None)
        self._local.connection = None
        if conn is not None:
            try:
                conn.close()
            except pymysql.err.Error:
                pass

    def health(self) -> dict:
        """What /api/v1/health reports: never raises for a cluster that does not answer."""
        try:
            with self.cursor() as cursor:
                cursor.execute(f"SELECT COUNT(*) FROM {schema.ARTICLES}")
                documents = int(cursor.fetchone()[0])
                cursor.execute("SHOW META")
                warnings = [value for name, value in cursor.fetchall() if name == "warning"]
        except (IndexUnavailable, pymysql.err.MySQLError) as exc:
            message = exc.message if isinstance(exc, IndexUnavailable) else str(exc.args[-1])
            return {"status": "unavailable", "documents": 0, "index": None,
                    "message": message, "backend": BACKEND}
        return {"status": "ok" if not warnings else "degraded", "documents": documents,
                "message": "; ".join(warnings) or None, "backend": BACKEND,
                "index": {"build_id": f"sphinxql:{self.address}", "schema_version": None,
                          "created": None, "documents": documents}}
