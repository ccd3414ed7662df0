"""The SphinxQL cluster: real searchd processes (Debian's sphinxsearch) in temporary dirs.

No mocks and no skips: the test command installs sphinxsearch, so a missing
searchd is a failure here, with the hint to install it.
"""
from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pymysql
import pytest

from index.sphinxql import cluster, config, global_idf, schema
from index.sphinxql.cluster import ClusterError
from tests.conftest import run_script


def query(address: str, sql: str) -> tuple[tuple, dict[str, str]]:
    """Rows of one statement and the SHOW META that followed it, on a fresh connection."""
    host, _, port = address.rpartition(":")
    conn = pymysql.connect(host=host, port=int(port), autocommit=True, read_timeout=20)
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
            rows = cursor.fetchall()
            cursor.execute("SHOW META")
            return rows, {name: value for name, value in cursor.fetchall()}
    finally:
        conn.close()


def insert(address: str, doc_id: int, title: str, body: str = "") -> None:
    query(address, f"INSERT INTO {schema.ARTICLES} (id, title, body) "
                   f"VALUES ({doc_id}, '{title}', '{body}')")


def ids(address: str) -> list[int]:
    rows, _ = query(address, f"SELECT id FROM {schema.ARTICLES} ORDER BY id ASC LIMIT 1000")
    return [row[0] for row in rows]


def searchd_processes(directory: Path) -> list[int]:
    """PIDs of live (not zombie) searchd processes whose command line names `directory`."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (proc / "stat").read_text().rpartition(")")[2].split()[0]
        except (OSError, IndexError):
            continue
        if "searchd" in cmdline and str(directory) in cmdline and state != "Z":
            found.append(int(proc.name))
    return found


@pytest.fixture()
def cluster_dir(tmp_path):
    directory = tmp_path / "cluster"
    yield directory
    if (directory / cluster.SPEC_FILE).exists():
        cluster.stop(directory)


def test_sphinx_is_installed():
    missing = [tool for tool in ("searchd", "indextool") if shutil.which(tool) is None]
    assert not missing, f"{missing} not found: install Debian's sphinxsearch"


def test_shard_config_declares_the_schema_and_global_idf_only_when_given(tmp_path):
    text = config.shard_config(tmp_path, 9306, 9312)
    assert all(f"rt_field = {field}\n" in text for field in schema.FIELDS)
    assert all(f"{kind} = {name}\n" in text for name, kind in schema.ATTRIBUTES)
    assert "listen = 127.0.0.1:9306:mysql41" in text and "listen = 127.0.0.1:9312\n" in text
    assert "global_idf" not in text and "non_cjk" not in text  # 2.2.11 has no such alias
    assert f"global_idf = {tmp_path / 'global.idf'}" in config.shard_config(
        tmp_path, 9306, 9312, tmp_path / "global.idf")


def test_head_config_names_mirrors_as_one_agent():
    text = config.head_config(Path("/x"), 9306, 9312, [[9401, 9402], [9403, 9404]])
    assert "agent = 127.0.0.1:9401|127.0.0.1:9402:articles" in text
    assert "agent = 127.0.0.1:9403|127.0.0.1:9404:names" in text
    assert f"ha_strategy = {config.HA_STRATEGY}" in text
    assert f"index {config.SNIPPETS_INDEX}\n{{\n    type = rt\n" in text
    assert "ha_strategy" not in config.head_config(Path("/x"), 9306, 9312, [[9401], [9403]])


def test_script_starts_a_head_that_answers_refuses_a_second_start_and_stops(cluster_dir):
    started = run_script("cluster", "start", "--dir", str(cluster_dir), timeout=120)
    assert started.returncode == 0, started.stderr
    head = started.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"127\.0\.0\.1:\d+", head)
    tables, _ = query(head, "SHOW TABLES")
    assert {row[0] for row in tables} == {schema.ARTICLES, schema.NAMES, config.SNIPPETS_INDEX}
    # CALL SNIPPETS refuses the distributed index in 2.2.11; SNIPPETS_INDEX is declared as
    # ARTICLES is (its stemming, its fields for a query that names one).
    (snippet,), _ = query(head, "CALL SNIPPETS('Zebras crossed the road', "
                                f"'{config.SNIPPETS_INDEX}', '@title zebra', 1 AS query_mode)")
    assert snippet == ("<b>Zebras</b> crossed the road",)
    with pytest.raises(pymysql.err.ProgrammingError, match="exactly one local agent"):
        query(head, "CALL SNIPPETS('Zebras', 'articles', 'zebra')")

    again = run_script("cluster", "start", "--dir", str(cluster_dir), timeout=120)
    assert again.returncode == 1
    assert again.stderr.startswith("cluster.py: the cluster in") and "already running" in again.stderr
    status = run_script("cluster", "status", "--dir", str(cluster_dir), timeout=60)
    assert f"head {head} running" in status.stdout.splitlines()

    stopped = run_script("cluster", "stop", "--dir", str(cluster_dir), timeout=120)
    assert stopped.returncode == 0, stopped.stderr
    assert searchd_processes(cluster_dir) == []
    assert all(line.endswith(" stopped") for line in
               run_script("cluster", "status", "--dir", str(cluster_dir)).stdout.splitlines())


def test_restart_keeps_ports_and_rows_after_a_stop_and_after_a_crash(cluster_dir):
    spec = cluster.start(cluster_dir)
    (shard0,), (shard1,) = spec.write_addresses()
    insert(shard0, 1, "first shard")
    insert(shard1, 2, "second shard")
    cluster.stop(cluster_dir)
    assert cluster.status(cluster_dir) == {"shard0": False, "shard1": False, "head": False}

    with pytest.raises(ClusterError, match="holds a cluster of 2 shards without mirrors"):
        cluster.start(cluster_dir, shards=3)
    assert cluster.start(cluster_dir).head == spec.head
    assert ids(spec.head) == [1, 2]

    insert(shard0, 3, "written just before a crash")
    cluster.kill_node(cluster_dir, 0)  # SIGKILL: the binlog brings row 3 back
    cluster.start_node(cluster_dir, 0)
    assert ids(spec.head) == [1, 2, 3]


def test_a_start_that_fails_says_why_and_leaves_nothing_running(cluster_dir):
    cluster.start(cluster_dir)
    cluster.stop(cluster_dir)
    (cluster_dir / "shard0" / "data" / "articles.meta").write_text("damaged")
    with pytest.raises(ClusterError) as failure:
        cluster.start(cluster_dir)
    assert "shard0" in failure.value.message and "does not serve articles" in failure.value.message
    assert "invalid meta file" in failure.value.message  # the tail of searchd's log
    assert searchd_processes(cluster_dir) == []


def test_a_mirror_answers_for_a_dead_primary(cluster_dir):
    spec = cluster.start(cluster_dir, shards=2, mirrors=True)
    for shard, addresses in enumerate(spec.write_addresses()):
        assert len(addresses) == 2
        for address in addresses:  # Sphinx 2.2 does not replicate: the writer writes each
            for number in range(5):
                insert(address, 100 * shard + number + 1, f"story {number}")
    everything = ids(spec.head)
    assert len(everything) == 10

    cluster.kill_node(cluster_dir, 0, "primary")
    # The head finds out from a failed query or its next ping (every HA_PING_INTERVAL ms);
    # measured here, no query after the kill came back partial. Allow a bounded catch-up.
    deadline = time.monotonic() + 5
    while ids(spec.head) != everything:
        assert time.monotonic() < deadline, "the head did not turn to the mirror within 5 s"
        time.sleep(0.05)
    for _ in range(20):
        rows, meta = query(spec.head, "SELECT id FROM articles LIMIT 1000")
        assert sorted(row[0] for row in rows) == everything and "warning" not in meta

    cluster.start_node(cluster_dir, 0, "primary")
    assert all(cluster.status(cluster_dir).values())


def test_a_dead_shard_without_mirror_makes_the_answer_partial_with_a_warning(cluster_dir):
    spec = cluster.start(cluster_dir)
    (shard0,), (shard1,) = spec.write_addresses()
    insert(shard0, 1, "alive")
    insert(shard1, 2, "dead")
    cluster.kill_node(cluster_dir, 1)

    started = time.monotonic()
    rows, meta = query(spec.head, "SELECT id FROM articles")
    assert time.monotonic() - started < 2
    assert [row[0] for row in rows] == [1] and meta["total"] == "1"
    # What 2.2.11 says (errno 111 is ECONNREFUSED, whatever its text claims):
    # "index articles: agent 127.0.0.1:PORT: connect() failed: errno=111, Operation now in progress"
    dead_api_port = spec.node(1).api_port
    assert meta["warning"].startswith(f"index articles: agent 127.0.0.1:{dead_api_port}: "
                                      "connect() failed: errno=111")


def weights(address: str, options: str) -> dict[int, int]:
    rows, _ = query(address, "SELECT id, WEIGHT() FROM articles WHERE MATCH('zebra') "
                             f"OPTION ranker=bm25{options}")
    return dict(rows)


def test_bm25_of_one_text_on_two_shards_is_equal_only_with_the_global_idf(cluster_dir):
    spec = cluster.start(cluster_dir)
    (shard0,), (shard1,) = spec.write_addresses()
    insert(shard0, 1, "zebra crossing", "the zebra crossed the road")
    insert(shard1, 2, "zebra crossing", "the zebra crossed the road")
    for number in range(8):  # zebra is common on shard 0, rare on shard 1
        insert(shard0, 10 + number, f"zebra herd {number}", "zebras graze")
        insert(shard1, 20 + number, f"lion pride {number}", "lions hunt")
    local = weights(spec.head, "")
    assert local[2] > local[1]  # the rarer word weighs more on shard 1

    assert global_idf.build(spec) == cluster_dir / "global.idf" == spec.global_idf
    deployed = weights(spec.head, ", global_idf=1")
    assert deployed[1] == deployed[2]
    assert ids(spec.head) == [1, 2, *range(10, 18), *range(20, 28)]  # restart kept all

    global_idf.remove(spec)
    assert spec.global_idf is None
    assert weights(spec.head, "") == local
    # The trap: global_idf=1 with no file makes every IDF zero, so all matches weigh the same.
    assert len(set(weights(spec.head, ", global_idf=1").values())) == 1
