"""Faults: integrity records, damaged files, kill -9 of a reindex, a full disk.

Real parts only: a small index built once for the module and copied for each
test, real damage done to its files, scripts/reindex.py and scripts/serve.py
run as child processes and killed for real (bench/faults_*.py, the same code
scripts/fault_trials.py runs at scale), a full disk made by a file-size limit
(RLIMIT_FSIZE) in the child processes.
"""
from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

import pytest
from whoosh.index import TOC

from bench.faults import TINY
from bench.faults_damage import damaged_segment
from bench.faults_disk import LEAVE, FileSizeLimit, api_write_without_room, reindex_without_room
from bench.faults_kill import Plan, kill_trials
from index import integrity, store, writer
from index.applier import Applier, retry_delay
from index.errors import IndexUnavailable, MorgueError
from index.journal import PUT, Journal
from index.pipeline import iter_records
from search import Archive, parse_request, run_search
from tests.conftest import ROOT, build_index, run_script

SOURCES = [str(ROOT / source) for source in TINY.base]
DEADLINE = 20.0  # seconds, for what a background thread does in well under one


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    index_dir = tmp_path_factory.mktemp("faults") / "index"
    build_index(index_dir, SOURCES)
    return index_dir


@pytest.fixture()
def index_dir(built, tmp_path) -> Path:
    copy = tmp_path / "index"
    shutil.copytree(built, copy)
    return copy


def live_files(index_dir: Path) -> Path:
    return store.live_generation(index_dir).path


def largest(folder: Path, pattern: str) -> Path:
    return max(folder.glob(pattern), key=lambda path: path.stat().st_size)


def wait_until(condition, seconds: float = DEADLINE) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


# -- the records ----------------------------------------------------------------------------

def test_every_commit_records_each_of_its_files(index_dir):
    folder = live_files(index_dir)
    commit = integrity.latest_toc(folder)
    record = integrity.read_record(folder, commit)
    segments = TOC.read(store.open_generation(store.live_generation(index_dir)).storage,
                        integrity.INDEX_NAME, commit).segments
    on_disk = {path.name for path in folder.iterdir()
               if any(path.name.startswith(s.segment_id() + ".") for s in segments)}
    recorded = {name for files in record["segments"].values() for name in files}
    assert recorded == on_disk and record["toc"] is not None
    verdict = integrity.check(folder, full=True)
    assert verdict.ok and verdict.recorded and verdict.files == len(on_disk) + 1
    # an in-place commit records itself and drops the older record
    writer.update_in_place(index_dir, iter_records([ROOT / TINY.extra[0]]))
    newer = integrity.latest_toc(folder)
    assert newer > commit and integrity.read_record(folder, newer)["toc"] is not None
    assert integrity.read_record(folder, commit) is None
    assert integrity.check(folder, full=True).ok


@pytest.mark.parametrize("how, quick, problem", [
    ("truncate", True, "is truncated"),
    ("delete", True, "is missing"),
    ("overwrite", False, "does not match its checksum"),  # same size: only checksums show it
])
def test_damage_is_found_and_names_the_file(index_dir, how, quick, problem):
    folder = live_files(index_dir)
    target = largest(folder, "*.pst")
    data = target.read_bytes()
    if how == "truncate":
        target.write_bytes(data[:len(data) // 2])
    elif how == "delete":
        target.unlink()
    else:
        target.write_bytes(data[:100] + bytes(b ^ 0xFF for b in data[100:200]) + data[200:])
    assert integrity.check(folder).ok is not quick
    damage = integrity.check(folder, full=True).damage
    assert damage.file == target.name and problem in damage.problem


def test_a_writer_killed_around_its_commit_is_no_false_alarm(index_dir):
    """The two states a kill can leave (index/integrity.py): no damage is reported."""
    folder = live_files(index_dir)
    commit = integrity.latest_toc(folder)
    segment_ids = list(integrity.read_record(folder, commit)["segments"])
    # killed after step 1 of the next commit, before Whoosh renamed its TOC into place
    integrity.record_segments(folder, commit + 1, segment_ids)
    assert integrity.check(folder, full=True).ok
    (folder / integrity.RECORD.format(commit + 1)).unlink()
    # killed after the TOC was renamed into place, before step 2 recorded its checksum
    integrity.record_segments(folder, commit, segment_ids)
    assert integrity.read_record(folder, commit)["toc"] is None
    verdict = integrity.check(folder, full=True)
    assert verdict.ok and verdict.recorded
    # ... where a damaged TOC is still found, by reading it
    toc = folder / integrity.toc_name(commit)
    toc.write_bytes(toc.read_bytes()[:1000])
    damage = integrity.check(folder).damage
    assert damage.file == toc.name and "cannot be read" in damage.problem


def test_a_commit_without_a_record_gets_the_structural_check(index_dir):
    folder = live_files(index_dir)
    for record in folder.glob("INTEGRITY.*.json"):
        record.unlink()  # as an index written before records existed
    verdict = integrity.check(folder, full=True)
    assert verdict.ok and not verdict.recorded and "structure was checked" in verdict.summary()
    largest(folder, "*.trm").unlink()
    assert "is missing" in integrity.check(folder).damage.problem


# -- serving a damaged index ------------------------------------------------------------------

def test_a_damaged_index_is_refused_with_503_until_a_rebuild_and_no_restart(index_dir):
    target = largest(live_files(index_dir), "*.pst")
    target.write_bytes(target.read_bytes()[:1000])
    archive = Archive(index_dir)
    health = archive.health()
    assert health["status"] == "damaged" and target.name in health["message"]
    assert "python scripts/reindex.py" in health["message"]
    with pytest.raises(IndexUnavailable) as refused:
        run_search(archive, parse_request({"q": ["cocoa"]}))
    assert refused.value.status == 503 and refused.value.state == "damaged"
    build_index(index_dir, SOURCES)
    assert archive.health()["status"] == "ok"  # the same Archive: no restart
    assert run_search(archive, parse_request({"q": ["cocoa"]}))["total"] > 0


def test_an_error_reading_damaged_data_is_a_503_and_a_bug_stays_a_bug(index_dir):
    with pytest.raises(ValueError, match="a bug"):
        with Archive(index_dir).searcher():
            raise ValueError("a bug")  # the index is sound: not blamed on it
    stored = largest(live_files(index_dir), "*._stored.col")
    stored.write_bytes(bytes(b ^ 0xFF for b in stored.read_bytes()))  # same size
    with pytest.raises(IndexUnavailable) as refused:
        run_search(Archive(index_dir), parse_request({"q": ["cocoa"]}))
    assert stored.name in refused.value.message
    assert not isinstance(refused.value.__cause__, MorgueError)  # what Whoosh raised reading


def test_the_start_up_check_finds_an_overwrite_the_size_check_cannot(index_dir):
    target = largest(live_files(index_dir), "*.trm")
    data = target.read_bytes()
    target.write_bytes(data[:64] + bytes(64) + data[128:])
    archive = Archive(index_dir)
    assert archive.health()["status"] == "ok"
    archive.verify_in_background().join(DEADLINE)
    health = archive.health()
    assert health["status"] == "damaged" and target.name in health["message"]


def test_retry_delay_doubles_up_to_a_minute():
    assert [retry_delay(n) for n in (1, 2, 3, 4)] == [2.0, 4.0, 8.0, 16.0]
    assert retry_delay(20) == 60.0 and retry_delay(3, first=0.1) == pytest.approx(0.4)


def test_the_applier_logs_a_damaged_index_once_and_resumes_after_a_rebuild(index_dir, caplog):
    article = {"id": "fault-quokka", "title": "Quokka census", "body": "Quokkas were counted."}
    Journal(index_dir).append([(PUT, article["id"], article)])
    target = largest(live_files(index_dir), "*.pst")
    target.write_bytes(target.read_bytes()[:1000])
    applier = Applier(index_dir, poll_seconds=0.01, retry_seconds=0.02)
    caplog.set_level(logging.WARNING, logger="morgue.applier")
    applier.ensure_running()
    try:
        assert wait_until(lambda: applier.failures >= 3)
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert len(errors) == 1 and target.name in errors[0].getMessage()
        assert store.live_generation(index_dir).journal_seq == 0  # kept in the journal
        build_index(index_dir, SOURCES)  # the rebuild replays the journal
        assert wait_until(lambda: applier.failures == 0)
    finally:
        applier.stop()
    assert any("are applied, after" in r.getMessage() for r in caplog.records)
    assert Archive(index_dir).existing_ids([article["id"]]) == {article["id"]}


def test_check_names_the_damaged_file_and_rollback_goes_back_to_the_previous_build(index_dir):
    first = store.live_name(index_dir)
    build_index(index_dir, SOURCES)  # the first generation stays as the previous one
    healthy = run_script("reindex", "--check", "--index-dir", str(index_dir))
    assert healthy.returncode == 0 and "checksums match" in healthy.stdout
    target = largest(live_files(index_dir), "*.pst")
    target.write_bytes(target.read_bytes()[:10])
    damaged = run_script("reindex", "--check", "--index-dir", str(index_dir))
    assert damaged.returncode == 1 and target.name in damaged.stdout
    assert "python scripts/reindex.py" in damaged.stderr and "--rollback" in damaged.stderr
    back = run_script("reindex", "--rollback", "--index-dir", str(index_dir))
    assert back.returncode == 0 and first in back.stdout
    assert store.live_name(index_dir) == first and Archive(index_dir).health()["status"] == "ok"
    again = run_script("reindex", "--rollback", "--index-dir", str(index_dir))
    assert again.returncode == 1 and "no earlier generation" in again.stderr


# -- kill -9, a full disk, a running server -------------------------------------------------

def test_a_reindex_killed_while_writing_committing_and_switching(tmp_path):
    plans = [Plan("rebuild", sign="segment"), Plan("rebuild", sign="column"),
             Plan("rebuild", sign="switching")]
    report = kill_trials(tmp_path, TINY, plans, seed=0, say=lambda line: None)
    expected = [{"writing"}, {"commit", "committed"}, {"built", "switched", "pruned"}]
    for trial, phases in zip(report.trials, expected):
        assert trial.survived, (trial.phase, trial.problems, trial.survivors, trial.leftovers)
        assert trial.phase in phases and trial.lost == 0


@pytest.mark.parametrize("options, limit", [
    (("--incremental",), 40 << 10),  # the commit's TOC (some 50 KB) does not fit
    ((), 64 << 10),  # the new generation's postings do not fit
])
def test_a_reindex_on_a_full_disk_leaves_the_live_index_as_it_was(index_dir, options, limit):
    sources = TINY.extra if options else TINY.base + TINY.extra
    outcome = reindex_without_room(index_dir, sources, options, FileSizeLimit(limit),
                                   TINY.queries)
    assert outcome.ok, (outcome.checks, outcome.detail)


def test_an_api_write_on_a_full_disk_is_a_507_and_an_accepted_one_waits(index_dir):
    outcome = api_write_without_room(index_dir, FileSizeLimit(LEAVE))
    assert outcome.ok, (outcome.checks, outcome.detail)


def test_a_truncated_segment_under_a_running_server(index_dir):
    outcome = damaged_segment(index_dir, TINY, "truncate", watch_seconds=2.0)
    assert outcome.ok, (outcome.checks, outcome.detail)
