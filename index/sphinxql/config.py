"""searchd configuration text for the nodes of a SphinxQL cluster, built from schema.py.

A shard node serves the ARTICLES and NAMES real-time indexes; the head serves
distributed indexes of the same names whose agents are the shards. The head
also carries SNIPPETS_INDEX, an empty real-time index declared as ARTICLES is:
in Sphinx 2.2.11 CALL SNIPPETS refuses a distributed index ("the distributed
index for snippets must have exactly one local agent"), so snippets are made
on the head against that one. (Not a `type = template` index: it has no fields,
so a snippet query naming one, `@title ...`, fails there.) Every listener is
on 127.0.0.1.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from index.sphinxql import schema
from index.sphinxql.charset import non_cjk_table

SNIPPETS_INDEX = "articles_snippets"  # on the head: CALL SNIPPETS(..., 'articles_snippets', ...)
HOST = "127.0.0.1"

# A dead or hung shard makes the head's answer partial (a warning in SHOW META) quickly
# instead of hanging it. Milliseconds; every agent is on this machine.
AGENT_CONNECT_TIMEOUT = 300
AGENT_QUERY_TIMEOUT = 3000
AGENT_RETRY_COUNT = 1  # a searchd-wide setting in 2.2.11 (refused in an index section)
# Among mirrors, avoid one that failed lately; the head pings each every HA_PING_INTERVAL ms.
# Measured here: with `noerrors` and 100 ms no query after a primary's SIGKILL came back
# partial; with `nodeads` (or 500 ms) a few did, within 0.4 s. (2.2.11 retries a failed
# agent on the same mirror: reselecting another came in a later Sphinx.)
HA_STRATEGY = "noerrors"
HA_PING_INTERVAL = 100
EXPANSION_LIMIT = 1000  # words one prefix (`putin*`) may expand to
# Sphinx 2.2.11 knows no `non_cjk` alias: charset.py spells it out.
_CHARSET_ALIASES = {"non_cjk": non_cjk_table()}


def _index_settings() -> list[tuple[str, object]]:
    return [(name, _CHARSET_ALIASES.get(value, value) if name == "charset_table" else value)
            for name, value in schema.INDEX_SETTINGS]


def _section(header: str, lines: Sequence[tuple[str, object]]) -> str:
    body = "".join(f"    {key} = {value}\n" for key, value in lines)
    return f"{header}\n{{\n{body}}}\n"


def _searchd(node_dir: Path, sql_port: int, api_port: int,
             extra: Sequence[tuple[str, object]] = ()) -> str:
    return _section("searchd", [
        ("listen", f"{HOST}:{sql_port}:mysql41"),
        ("listen", f"{HOST}:{api_port}"),
        ("log", node_dir / "searchd.log"),
        ("query_log", node_dir / "query.log"),
        ("pid_file", node_dir / "searchd.pid"),
        ("binlog_path", node_dir / "binlog"),
        ("workers", "threads"),
        # Without the watchdog the PID file names the one process that serves: SIGKILL of it
        # is a dead node (a watchdog would restart it behind the cluster's back).
        ("watchdog", 0),
        # A user's `a*` is bounded, as MORGUE_MAX_WILDCARD_TERMS bounds it on the Whoosh path.
        ("expansion_limit", EXPANSION_LIMIT),
        *extra,
    ])


def data_path(node_dir: Path, index: str) -> Path:
    """Where a node keeps the files of one of its real-time indexes."""
    return node_dir / "data" / index


def _articles(path: Path, global_idf: Path | None = None) -> list[tuple[str, object]]:
    lines: list[tuple[str, object]] = [("type", "rt"), ("path", path)]
    lines += [("rt_field", field) for field in schema.FIELDS]
    lines += [(kind, name) for name, kind in schema.ATTRIBUTES]
    lines += _index_settings()
    if global_idf is not None:
        lines.append(("global_idf", global_idf))
    return lines


def shard_config(node_dir: Path, sql_port: int, api_port: int,
                 global_idf: Path | None = None) -> str:
    """A shard node: ARTICLES (with the cluster-wide IDF file when given) and NAMES."""
    names = [("type", "rt"), ("path", data_path(node_dir, schema.NAMES))]
    names += [("rt_field", field) for field in schema.NAME_FIELDS]
    names += [(kind, name) for name, kind in schema.NAME_ATTRIBUTES]
    names += _index_settings()  # names tokenized as in ARTICLES
    return "\n".join([
        _section(f"index {schema.ARTICLES}",
                 _articles(data_path(node_dir, schema.ARTICLES), global_idf)),
        _section(f"index {schema.NAMES}", names),
        _searchd(node_dir, sql_port, api_port)])


def _agent(api_ports: Sequence[int], index: str) -> str:
    """`127.0.0.1:P1|127.0.0.1:P2:index`: one shard, its copies as mirrors."""
    return "|".join(f"{HOST}:{port}" for port in api_ports) + f":{index}"


def head_config(node_dir: Path, sql_port: int, api_port: int,
                shard_api_ports: Sequence[Sequence[int]]) -> str:
    """The head: distributed ARTICLES and NAMES over the shards (each shard's API ports,
    primary first) and the empty SNIPPETS_INDEX."""
    sections = []
    for index in (schema.ARTICLES, schema.NAMES):
        lines: list[tuple[str, object]] = [("type", "distributed")]
        lines += [("agent", _agent(ports, index)) for ports in shard_api_ports]
        lines += [("agent_connect_timeout", AGENT_CONNECT_TIMEOUT),
                  ("agent_query_timeout", AGENT_QUERY_TIMEOUT)]
        if any(len(ports) > 1 for ports in shard_api_ports):  # else searchd warns at start
            lines.append(("ha_strategy", HA_STRATEGY))
        sections.append(_section(f"index {index}", lines))
    sections.append(_section(f"index {SNIPPETS_INDEX}",
                             _articles(data_path(node_dir, SNIPPETS_INDEX))))
    sections.append(_searchd(node_dir, sql_port, api_port,
                             [("ha_ping_interval", HA_PING_INTERVAL),
                              ("agent_retry_count", AGENT_RETRY_COUNT)]))
    return "\n".join(sections)
