"""The ingest pipeline end to end: sources, bounds, clusters, strictness and crash safety."""
from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from index import clusters, store
from index.article import Article, Draft, Problem
from index.pipeline import MAX_BODY_CHARS, finish, iter_records
from index.readers import expand_sources
from index.sources import normalise_source, registered_domain
from search import Archive, get_article, parse_request, run_search
from tests.conftest import ARTICLES, REUTERS_000, ROOT, SAMPLE, SEED, build_index, run_script

STORY = ("The central bank raised its main interest rate by a quarter point on Tuesday, "
         "saying inflation had proved more stubborn than expected and that wage growth "
         "remained strong across most sectors of the economy, while officials signalled "
         "that further increases could follow if prices kept rising at the current pace.")


def finished(draft: Draft) -> tuple[Article, list[Problem]]:
    records = finish(draft)
    return records[-1], [r for r in records if isinstance(r, Problem)]


@pytest.mark.parametrize("name, url, expected", [
    ("www.reuters.com", "", "Reuters"), ("reuters.com", "", "Reuters"), ("Reuters", "", "Reuters"),
    ("Reuters: World News", "", "Reuters"), ("NYT > Home Page", "https://www.nytimes.com/a",
                                             "The New York Times"),
    ("", "https://www.bbc.co.uk/news/world-1", "BBC"), ("Guardian", "", "The Guardian"),
    ("Daily Ledger", "", "Daily Ledger"), ("", "https://news.example.org/a", "example.org"),
    ("", "", ""),
])
def test_one_display_name_per_outlet(name, url, expected):
    assert normalise_source(name, url) == expected


def test_registered_domain():
    assert registered_domain("https://www.bbc.co.uk/news") == "bbc.co.uk"
    assert registered_domain("edition.cnn.com") == "cnn.com"
    assert registered_domain("localhost") == ""


def test_title_derived_and_ids_follow_the_contract():
    article, _ = finished(Draft(origin="o", body="First sentence here. Second one."))
    assert article.title == "First sentence here" and article.title_derived
    assert article.id.startswith("text:")
    by_url, _ = finished(Draft(origin="o", title="T", url="https://Example.com/x/"))
    assert by_url.id.startswith("url:")
    native, _ = finished(Draft(origin="o", title="T", url="https://e.com/x", native_id="guid:1"))
    assert native.id == "guid:1"
    own, _ = finished(Draft(origin="o", title="T", native_id="guid:1", own_id="mine-1"))
    assert own.id == "mine-1"


def test_title_only_items_are_articles_and_empty_ones_are_not():
    article, _ = finished(Draft(origin="feed#item=1", title="Headline only"))
    assert article.title == "Headline only" and article.body == ""
    (problem,) = finish(Draft(origin="feed#item=2"))
    assert problem.skipped and "neither a title nor a body" in problem.reason


def test_fallback_date_is_used_and_said():
    article, notes = finished(Draft(origin="o", title="T",
                                    published_fallback=(datetime(2025, 8, 1), "the feed's date")))
    assert article.published == datetime(2025, 8, 1)
    assert notes[0].reason == "no publication date; used the feed's date" and not notes[0].skipped


def test_a_50_mb_field_is_cut_and_reported_not_fatal():
    huge = "word " * 10_000_000  # 50 MB
    article, notes = finished(Draft(origin="dump.jsonl#line=1", title="x " * 1_000, body=huge))
    assert len(article.body) <= MAX_BODY_CHARS and len(article.title) <= 1_000
    assert {n.reason.split(" of ")[0] for n in notes} == {"body", "title"}
    assert all(not n.skipped for n in notes)


def test_a_record_that_breaks_extraction_is_reported_and_the_rest_go_on(tmp_path):
    path = tmp_path / "page.html"
    path.write_bytes(b"<html><head><title>x</title></head><body></body></html>")
    good = tmp_path / "good.jsonl"
    good.write_text('{"id": "ok", "title": "Still indexed"}\n')
    records = list(iter_records([path, good]))
    assert isinstance(records[0], Problem) and records[0].skipped
    assert records[-1].id == "ok"


def test_sketches_and_similarity():
    changed = STORY.replace("Tuesday", "Wednesday")
    assert clusters.similarity(clusters.sketch(STORY), clusters.sketch(STORY)) == 1.0
    assert clusters.similarity(clusters.sketch(STORY), clusters.sketch(changed)) > 0.75
    other = " ".join(reversed(STORY.split()))
    assert clusters.similarity(clusters.sketch(STORY), clusters.sketch(other)) < 0.2
    assert clusters.sketch("") == () and len(clusters.sketch("Short text.")) == 1
    assert clusters.decode(clusters.encode(clusters.sketch(STORY))) == clusters.sketch(STORY)


def test_clusterer_keeps_the_first_id_and_separates_different_stories():
    clusterer = clusters.Clusterer()
    assert clusterer.add("a", clusters.sketch(STORY)) == "a"
    assert clusterer.add("b", clusters.sketch(STORY.replace("Tuesday", "Monday"))) == "a"
    assert clusterer.add("c", clusters.sketch("A different story entirely. " * 10)) == "c"
    assert clusterer.add("d", clusters.sketch("Short same.")) == "d"
    assert clusterer.add("e", clusters.sketch("Short  SAME")) == "d"  # exact copy of a brief
    assert clusterer.add("f", ()) == "f"


def test_syndicated_copies_share_a_cluster_in_the_index(tmp_path):
    source = tmp_path / "wire.jsonl"
    rows = [{"id": "wire-1", "title": "Rates rise", "body": STORY, "source": "Wire"},
            {"id": "paper-9", "title": "Bank lifts rates again", "source": "Daily Ledger",
             "body": STORY + " Analysts had expected the move."},
            {"id": "other", "title": "Unrelated", "body": "Football results. " * 20}]
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    build_index(tmp_path / "index", [str(source)])
    archive = Archive(tmp_path / "index")
    cluster = get_article(archive, "paper-9")["cluster"]
    assert (cluster["id"], cluster["size"], cluster["other_sources"]) == ("wire-1", 2, ["Wire"])
    assert get_article(archive, "other")["cluster"]["size"] == 1
    extra = tmp_path / "later.jsonl"
    extra.write_text(json.dumps({"id": "late-3", "title": "Rates", "body": STORY}) + "\n")
    assert run_script("reindex", str(extra), "--incremental", "--index-dir",
                      str(tmp_path / "index")).returncode == 0
    assert get_article(archive, "late-3")["cluster"]["size"] == 3
    assert get_article(archive, "late-3")["cluster"]["id"] == "wire-1"


def test_reuters_repeated_stories_cluster_together():
    records = [r for r in iter_records([REUTERS_000]) if isinstance(r, Article)]
    clusterer = clusters.Clusterer()
    by_body: dict[str, set[str]] = {}
    for article in records:
        cluster = clusterer.add(article.id, article.sketch)
        if article.body:
            by_body.setdefault(article.body, set()).add(cluster)
    repeated = [ids for body, ids in by_body.items()
                if sum(1 for a in records if a.body == body) > 1]
    assert repeated and all(len(ids) == 1 for ids in repeated)


def test_mixed_encodings_in_one_file(tmp_path):
    path = tmp_path / "mixed.txt"
    path.write_bytes("Caf\u00e9 in ".encode() + "Z\u00fcrich".encode("cp1252") + b" today.")
    records = list(iter_records([path]))
    assert records[-1].body == "Caf\u00e9 in Z\u00fcrich today."
    assert "not valid UTF-8 in 1 place(s)" in records[0].reason


def test_strict_stops_at_the_first_skipped_record_and_changes_nothing(tmp_path):
    index_dir = str(tmp_path / "index")
    assert run_script("reindex", str(SEED), "--index-dir", index_dir).returncode == 0
    live = store.live_name(Path(index_dir))
    strict = run_script("reindex", str(ARTICLES), "--index-dir", index_dir, "--strict")
    assert strict.returncode == 1 and "--strict" in strict.stderr
    assert "articles.jsonl#line=12" in strict.stderr and strict.stdout == ""
    assert store.live_name(Path(index_dir)) == live
    missing = run_script("reindex", str(tmp_path / "absent"), str(SEED), "--index-dir",
                         index_dir, "--strict")
    assert missing.returncode == 1 and store.live_name(Path(index_dir)) == live


def _kill_midway(args: list[str], after: float) -> None:
    process = subprocess.Popen([sys.executable, "scripts/reindex.py", *args], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(after)
    process.send_signal(signal.SIGKILL)
    process.wait()


@pytest.mark.parametrize("mode", ["--incremental", "rebuild"])
def test_killed_reindex_leaves_the_live_index_intact_and_the_next_run_succeeds(tmp_path, mode):
    index_dir = tmp_path / "index"
    build_index(index_dir, [str(ARTICLES)])
    live, before = store.live_name(index_dir), Archive(index_dir).health()["documents"]
    sources = [str(SAMPLE / "reuters21578" / f"reut2-00{n}.sgm.gz") for n in range(8)]
    extra = ["--incremental"] if mode == "--incremental" else []
    _kill_midway([*sources, "--index-dir", str(index_dir), *extra], after=1.5)
    health = Archive(index_dir).health()
    assert health["status"] == "ok" and store.live_name(index_dir) == live
    assert health["documents"] == before  # nothing half-written is visible
    again = run_script("reindex", sources[0], "--index-dir", str(index_dir), *extra)
    assert again.returncode == 0, again.stderr
    expected = before + 1000 if extra else 1000
    assert Archive(index_dir).health()["documents"] == expected
    generations = list((index_dir / store.GENERATIONS).iterdir())
    assert len(generations) <= 2  # a killed build's leftovers were cleared


def test_unreadable_files_are_reported_and_the_rest_indexed(tmp_path):
    sources = tmp_path / "sources"
    sources.mkdir()
    shutil.copy(SEED, sources / "readable.txt")
    locked = sources / "locked.txt"
    locked.write_text("secret text")
    locked.chmod(0)
    command = [sys.executable, "scripts/reindex.py", str(sources), "--index-dir",
               str(tmp_path / "index")]
    if os.geteuid() == 0:  # root reads anything: drop the capabilities that let it
        assert shutil.which("setpriv"), "util-linux's setpriv is needed to test this as root"
        caps = "-dac_override,-dac_read_search"
        command = ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}", *command]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("indexed 1, ") and "skipped 1," in result.stdout
    assert "locked.txt: cannot read file" in result.stderr


def test_truncated_gzip_keeps_the_records_before_the_damage(tmp_path):
    whole = gzip.compress(gzip.decompress(REUTERS_000.read_bytes()))
    broken = tmp_path / "broken.sgm.gz"
    broken.write_bytes(whole[:len(whole) // 2])
    records = list(iter_records([broken]))
    assert not records[0].skipped and "corrupt gzip data after" in records[0].reason
    articles = [r for r in records if isinstance(r, Article)]
    assert 300 < len(articles) < 700  # the first half of the file, not nothing
    assert any(r.skipped and "truncated" in r.reason for r in records if isinstance(r, Problem))


def test_gzip_that_is_not_gzip_at_all_is_skipped(tmp_path):
    bad = tmp_path / "bad.jsonl.gz"
    bad.write_bytes(b"\x1f\x8b" + b"garbage" * 20)
    files, _ = expand_sources([str(bad), str(SEED)])
    records = list(iter_records(files))
    assert records[0].skipped and "corrupt gzip data after 0 bytes" in records[0].reason
    assert isinstance(records[-1], Article)
