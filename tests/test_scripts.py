"""The command-line entry points, run as subprocesses from the repo root as users run them."""
from __future__ import annotations

import json
import re
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from tests.conftest import ARTICLES, ROOT, SEED, run_script

SUMMARY = re.compile(r"^indexed ([\d,]+), updated ([\d,]+), unchanged ([\d,]+), "
                     r"skipped ([\d,]+), deleted ([\d,]+) in [\d.]+ s$")


def summary_counts(stdout: str) -> tuple[int, ...]:
    lines = stdout.strip().splitlines()
    assert len(lines) == 1, stdout  # exactly one summary line on stdout
    match = SUMMARY.match(lines[0])
    assert match, lines[0]
    return tuple(int(group.replace(",", "")) for group in match.groups())


def test_reindex_report_rerun_and_incremental(tmp_path):
    index_dir, report = tmp_path / "index", tmp_path / "report.json"
    first = run_script("reindex", str(ARTICLES), str(SEED), "--index-dir", str(index_dir),
                       "--report", str(report))
    assert first.returncode == 0, first.stderr
    assert summary_counts(first.stdout) == (12, 0, 0, 2, 0)
    assert "articles.jsonl#line=12" in first.stderr  # progress and problems on stderr
    assert "3 article(s) have no publication date" in first.stderr
    assert json.loads(report.read_text())["undated"] == 3  # t-undated, t-baddate, the seed
    problems = json.loads(report.read_text())["problems"]
    assert {p["action"] for p in problems} == {"skipped", "repaired"}
    assert all(p["origin"] and p["reason"] for p in problems)

    again = run_script("reindex", str(ARTICLES), str(SEED), "--index-dir", str(index_dir))
    assert summary_counts(again.stdout) == (0, 0, 12, 2, 0)

    extra = tmp_path / "extra.jsonl"
    extra.write_text('{"id": "t-new", "title": "Brand new story about tin"}\n'
                     '{"id": "t-cocoa-1", "title": "Cocoa prices fall", "body": "Revised."}\n')
    incremental = run_script("reindex", str(extra), "--incremental", "--index-dir",
                             str(index_dir))
    assert summary_counts(incremental.stdout) == (1, 1, 0, 0, 0)
    listing = run_script("query", "cocoa", "--index-dir", str(index_dir), "--json")
    titles = [hit["title"] for hit in json.loads(listing.stdout)["results"]]
    assert "Cocoa prices fall" in titles and "Cocoa prices climb as Ivory Coast harvest slows" \
        not in titles


def test_reindex_exit_codes(tmp_path):
    assert run_script("reindex").returncode == 2
    assert run_script("reindex", str(ARTICLES), "--workers", "0").returncode == 2
    assert run_script("reindex", str(ARTICLES), "--nice", "-1").returncode == 2  # root-only
    assert run_script("reindex", str(ARTICLES), "--nice", "20").returncode == 2
    empty = tmp_path / "empty.jsonl"
    empty.write_text("not json\n")
    nothing = run_script("reindex", str(empty), "--index-dir", str(tmp_path / "index"))
    assert nothing.returncode == 1 and "No article could be read" in nothing.stderr
    missing = run_script("reindex", str(tmp_path / "absent"), "--index-dir",
                         str(tmp_path / "index"))
    assert missing.returncode == 1
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("")
    unwritable = run_script("reindex", str(ARTICLES), "--index-dir", str(blocked / "index"))
    assert unwritable.returncode == 1 and "reindex failed" in unwritable.stderr


def test_reindex_yields_the_cpu_to_a_serving_archive(tmp_path):
    """The rebuild runs below normal priority (10 steps by default), as do its workers."""
    def niceness_after(*options: str) -> int:
        code = ("import os, sys; sys.path.insert(0, 'scripts'); import reindex; "
                f"code = reindex.main([{str(SEED)!r}, '--index-dir', {str(tmp_path / 'i')!r}, "
                f"'--workers', '2', *{list(options)!r}]); print(code, os.nice(0))")
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                              text=True, timeout=120)
        exit_code, niceness = done.stdout.split()[-2:]
        assert exit_code == "0", done.stderr
        return int(niceness) - os.nice(0)

    assert niceness_after() == 10
    assert niceness_after("--nice", "3") == 3


def test_reindex_if_stale_skips_an_up_to_date_index(tmp_path):
    index_dir = str(tmp_path / "index")
    assert run_script("reindex", str(SEED), "--index-dir", index_dir, "--if-stale").stdout
    skipped = run_script("reindex", str(SEED), "--index-dir", index_dir, "--if-stale")
    assert skipped.returncode == 0 and skipped.stdout == ""
    assert "up to date" in skipped.stderr


def test_parallel_parsing_gives_the_same_index(tmp_path):
    sources = [str(ARTICLES), str(SEED)]
    one = run_script("reindex", *sources, "--index-dir", str(tmp_path / "one"))
    two = run_script("reindex", *sources, "--index-dir", str(tmp_path / "two"),
                     "--workers", "2")
    assert summary_counts(one.stdout) == summary_counts(two.stdout)
    listings = [json.loads(run_script("query", "*", "--index-dir", str(tmp_path / name),
                                      "--json", "--fields", "id").stdout)["results"]
                for name in ("one", "two")]
    assert listings[0] == listings[1]


def test_copied_index_directory_serves_the_same_results(small_index, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(small_index, copy)
    results = [json.loads(run_script("query", "cocoa", "--index-dir", str(path), "--json",
                                     "--fields", "id,title").stdout)["results"]
               for path in (small_index, copy)]
    assert results[0] == results[1] and results[0]


def test_query_script_errors(tmp_path):
    bad = run_script("query", "cocoa", "--page_size", "500", "--index-dir", str(tmp_path))
    assert bad.returncode == 2 and "page_size must be between 1 and 100" in bad.stderr
    missing = run_script("query", "cocoa", "--index-dir", str(tmp_path / "none"))
    assert missing.returncode == 1 and "reindex.py" in missing.stderr


def fetch(url: str) -> tuple[int, dict | str, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            status, body, headers = response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        status, body, headers = error.code, error.read(), dict(error.headers)
    text = body.decode("utf-8")
    return status, json.loads(text) if "json" in headers.get("Content-Type", "") else text, headers


def test_served_over_http_by_the_production_server(live_server):
    status, body, headers = fetch(live_server.url + "/api/v1/search?q=Kursk")
    assert status == 200 and "<mark>Kursk</mark>" in body["results"][0]["snippet"]
    assert "gunicorn" in headers.get("Server", "")
    status, body, _ = fetch(live_server.url + "/api/v1/search?q=cocoa&page_size=101")
    assert status == 400 and body["error"]["param"] == "page_size"
    status, page, _ = fetch(live_server.url + "/search?q=cocoa")
    assert status == 200 and "BAHIA <mark>COCOA</mark> REVIEW" in page


def test_server_follows_a_rebuild_without_restart(tmp_path):
    from tests.conftest import Server

    index_dir = tmp_path / "index"
    assert run_script("reindex", str(SEED), "--index-dir", str(index_dir)).returncode == 0
    server = Server(index_dir)
    try:
        assert fetch(server.url + "/api/v1/search?q=cocoa")[1]["total"] == 0
        rebuilt = run_script("reindex", str(SEED), str(ARTICLES), "--index-dir", str(index_dir))
        assert rebuilt.returncode == 0
        assert fetch(server.url + "/api/v1/search?q=cocoa")[1]["total"] == 4
    finally:
        server.stop()


def test_server_starts_without_an_index(tmp_path):
    from tests.conftest import Server

    server = Server(tmp_path / "none", require_index=False)
    try:
        status, body, _ = fetch(server.url + "/api/v1/health")
        assert status == 503 and body["status"] == "missing"
    finally:
        server.stop()


@pytest.mark.parametrize("script", ["reindex", "serve", "query"])
def test_scripts_explain_themselves(script):
    result = run_script(script, "--help")
    assert result.returncode == 0 and "usage" in (result.stdout + result.stderr).lower()
    assert (ROOT / "scripts" / f"{script}.py").exists()
