"""scripts/export.py: the archive out as JSON Lines and back in through reindex.py, unchanged."""
from __future__ import annotations

import gzip
import json

from index.export import iter_export
from search import Archive, parse_request, run_search
from tests.conftest import run_script

QUERIES = ["cocoa", "*", "coffee OR oil", "person:reagan", "Kursk", "\"interest rate\""]


def _without_origin(records) -> dict[str, dict]:
    return {r["id"]: {k: v for k, v in r.items() if k != "origin"} for r in records}


def _answers(archive: Archive, q: str) -> tuple:
    response = run_search(archive, parse_request({"q": [q], "collapse": ["none"],
                                                  "page_size": ["100"], "facets": [
                                                      "source,person,place,tag,published"]}))
    # Scores differ in the last digits (Whoosh counts a replaced document's words until its
    # segment is merged), so the order of near-ties may too: the same set, the same facets.
    return (response["total"], sorted(r["id"] for r in response["results"]),
            {name: [(v["value"], v["count"]) for v in values]
             for name, values in response["facets"].items()})


def test_export_then_reindex_gives_the_same_archive(small_index, tmp_path):
    exported = tmp_path / "export.jsonl"
    result = run_script("export", "--index-dir", str(small_index), "--output", str(exported))
    assert result.returncode == 0, result.stderr
    original = list(iter_export(small_index))
    assert result.stdout.startswith(f"exported {len(original):,} articles")
    assert [json.loads(line) for line in exported.read_text("utf-8").splitlines()] == original

    copy = tmp_path / "reimported"
    result = run_script("reindex", str(exported), "--index-dir", str(copy), "--workers", "2")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"indexed {len(original):,}, updated 0")
    assert _without_origin(iter_export(copy)) == _without_origin(original)
    before, after = Archive(small_index), Archive(copy)
    for q in QUERIES:
        assert _answers(before, q) == _answers(after, q), q


def test_export_to_stdout_and_gzip(small_index, tmp_path):
    to_stdout = run_script("export", "--index-dir", str(small_index))
    assert to_stdout.returncode == 0 and "exported" in to_stdout.stderr
    lines = to_stdout.stdout.splitlines()
    assert len(lines) == Archive(small_index).health()["documents"]
    packed = tmp_path / "archive.jsonl.gz"
    assert run_script("export", "--index-dir", str(small_index), "-o", str(packed)).returncode == 0
    assert gzip.decompress(packed.read_bytes()).decode("utf-8").splitlines() == lines
    assert [p.name for p in tmp_path.iterdir()] == ["archive.jsonl.gz"]  # no temporary left


def test_export_without_an_index_says_how_to_build_one(tmp_path):
    result = run_script("export", "--index-dir", str(tmp_path / "none"), "-o",
                        str(tmp_path / "out.jsonl"))
    assert result.returncode == 1 and "reindex.py" in result.stderr
    assert not (tmp_path / "out.jsonl").exists()
    assert run_script("export", "--no-such-flag").returncode == 2
    usage = run_script("export", "--help")
    assert usage.returncode == 0 and "usage" in usage.stdout.lower()
