"""SphinxQL connections: searchd speaks the MySQL protocol, so PyMySQL talks to it.

Every connection is to 127.0.0.1 or an address the operator configured, with
bounded connect and read timeouts, so a dead node fails a call instead of hanging it.
"""
from __future__ import annotations

import pymysql

from index.errors import IndexUnavailable

CONNECT_TIMEOUT = 5  # seconds
READ_TIMEOUT = 60


def split_address(address: str) -> tuple[str, int]:
    """'127.0.0.1:9306' -> ('127.0.0.1', 9306), with a clear error for anything else."""
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"a SphinxQL address is HOST:PORT (got {address!r})")
    return host, int(port)


def connect(address: str, read_timeout: int = READ_TIMEOUT) -> pymysql.connections.Connection:
    host, port = split_address(address)
    try:
        return pymysql.connect(host=host, port=port, autocommit=True, charset="utf8",
                               connect_timeout=CONNECT_TIMEOUT, read_timeout=read_timeout,
                               write_timeout=read_timeout)
    except pymysql.err.OperationalError as exc:
        raise IndexUnavailable(
            f"The SphinxQL node at {address} does not answer ({exc.args[-1]}).",
            hint="Start the cluster: python scripts/cluster.py start --dir DIR",
            state="unavailable") from exc
