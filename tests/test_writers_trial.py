"""The concurrent API writers trial, small: 4 writers, 200 articles, a rebuild in the middle.

The same code as scripts/writers_trial.py (bench/writers.py), run once for the
module against a real server (scripts/serve.py, two workers) on 127.0.0.1:
readers search meanwhile, a full reindex switches generations halfway, then
every acknowledged article is counted after the run, after a restart and
after another full reindex. Another shows the count can fail: an article
lost, one brought back and one left at its old version behind the trial's
back are each noticed. One more pins a race the trial's reading of the write
path found (a DELETE during a generation switch answered 404).
"""
from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from bench.writers import TABLE_HEADER, Trial, TrialConfig, table
from bench.writers_count import DirectProbe, count
from bench.writers_ledger import marker, revision_word
from bench.writers_run import article
from index import store, writer
from index.analysis import ENGLISH, text_analyzer
from index.journal import Journal
from index.posted import check
from tests.conftest import ARTICLES, MORE, build_index, run_script
from webui import create_app

WRITERS, ARTICLE_COUNT, SOURCE_DELETES = 4, 200, 4


@pytest.fixture(scope="module")
def trial(tmp_path_factory) -> tuple[Trial, dict, Path]:
    index_dir = tmp_path_factory.mktemp("writers-trial") / "index"
    config = TrialConfig(sources=[str(ARTICLES), str(MORE)], writers=WRITERS,
                         articles=ARTICLE_COUNT, readers=1, workers=2, refuse_share=0.05,
                         source_deletes=SOURCE_DELETES, max_seconds=300, index_dir=index_dir,
                         reindex_workers=1)  # a small build: no extraction pool to start
    run = Trial(config, progress=print)
    return run, run.run(), index_dir


def test_markers_are_whole_index_terms():
    """The count relies on each marker and revision word being one term of its own."""
    analyzer = text_analyzer(ENGLISH)
    words = [marker(n) for n in range(6000)] + [revision_word(n, v) for n in range(300)
                                                for v in (1, 2, 3)]
    assert all([token.text for token in analyzer(word)] == [word] for word in words)
    assert len(set(words)) == len(words)


def test_every_acknowledged_write_is_found_after_run_restart_and_rebuild(trial):
    _, report, _ = trial
    assert report["failures"] == []
    ledger = report["ledger"]
    assert report["writes_posted"] == ledger["acknowledged"] == ARTICLE_COUNT
    assert ledger["deleted"] > SOURCE_DELETES and ledger["replaced"] > 0
    assert ledger["refused"] >= WRITERS  # every writer sent at least one bad write
    present = ARTICLE_COUNT - (ledger["deleted"] - SOURCE_DELETES)
    assert set(report["counts"]) == {"run", "restart", "rebuild_http", "rebuild_direct"}
    for name, counted in report["counts"].items():
        assert (counted["found"], counted["expected"]) == (present, present), name
        assert (counted["lost"], counted["resurrected"], counted["stale"]) == (0, 0, 0), name
        assert counted["deleted_expected_gone"] == ledger["deleted"], name
    http = report["http"]
    assert http["5xx"] == 0 and http["lock_errors"] == 0 and http["failed_requests"] == []
    assert not any(status.startswith("read 5") for status in http["statuses"])


def test_the_rebuild_switched_while_writes_went_on(trial):
    _, report, _ = trial
    during, after = report["rebuild_during_writes"], report["rebuild_after"]
    assert during["switched"] and after["switched"]
    assert during["acknowledged_before"] >= ARTICLE_COUNT // 2
    # The writers held their last tenth back until the switch: those land in the new one.
    assert during["acknowledged_after"] >= ARTICLE_COUNT // 10
    assert report["applied_after_last_write_s"] is not None


def test_table_has_one_row_of_figures(trial):
    _, report, _ = trial
    header, rule, row = table(report).splitlines()
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert len(cells) == len(TABLE_HEADER) == header.count("|") - 1
    assert cells[:3] == [str(WRITERS), str(ARTICLE_COUNT), str(ARTICLE_COUNT)]
    assert cells[6:8] == ["0", "0"] and cells[11:13] == ["0", "0"]


def test_the_count_notices_lost_resurrected_and_stale_articles(trial):
    run, _, index_dir = trial
    expected = run.ledger.snapshot()
    present = next(e for e in expected if e.marker and not e.deleted and not e.old_words)
    replaced = next(e for e in expected if e.old_words and not e.deleted)
    gone = next(e for e in expected if e.marker and e.deleted)
    rng = random.Random(0)
    ops = [("delete", present.id, None)]
    for entry, version in ((gone, 1), (replaced, replaced.version - 1)):
        submission = check(0, article(int(entry.id.split("-")[1]), version, rng))
        ops.append(("put", submission.id, submission.mapping))
    Journal(index_dir).append(ops)  # behind the ledger's back
    writer.apply_journal(index_dir)
    counted = count(DirectProbe(index_dir), expected)
    assert counted["missing_by_marker"] == counted["missing_by_id"] == [present.id]
    assert counted["stale_ids"] == [replaced.id]
    assert counted["resurrected_ids"] == [gone.id]
    assert (counted["lost"], counted["resurrected"]) == (2, 1)


def test_a_delete_racing_a_generation_switch_still_finds_the_article(tmp_path, monkeypatch):
    """Found by reading the write path for this trial (webui/writes.py): a rebuild that
    switches generations between the request's two looks at the live index used to pair
    the old generation's applied seq with the new one's ids, so a DELETE of an article the
    applier had put in the old one after the rebuild's replay answered 404, and the article
    stayed. The switch is made to land exactly there."""
    index_dir = tmp_path / "index"
    build_index(index_dir, [str(ARTICLES)])
    old = store.live_generation(index_dir)
    # What such a rebuild leaves: a new generation that replayed the journal up to seq 0,
    # while the applier put seq 1 into the old one before the switch.
    new = index_dir / store.GENERATIONS / f"{old.name}-new"
    shutil.copytree(old.path, new)
    store.write_manifest(new, {**old.manifest, store.JOURNAL_SEQ: 0})
    submission = check(0, {"id": "api-anise", "title": "Anise", "body": "Anise from Spain."})
    Journal(index_dir).append([("put", submission.id, submission.mapping)])
    writer.apply_journal(index_dir)
    app = create_app({"INDEX_DIR": str(index_dir), "API_TOKEN": "t", "APPLY_INTERVAL": 60})
    client = app.test_client()
    assert client.get("/api/v1/articles/api-anise").status_code == 200
    read_live = store.live_generation

    def live_then_switch(directory):
        generation = read_live(directory)
        if generation.path != new:
            store.switch_to(directory, new)  # the rebuild's switch lands right here
        return generation

    monkeypatch.setattr(store, "live_generation", live_then_switch)
    try:
        answer = client.delete("/api/v1/articles/api-anise", headers={"Authorization": "Bearer t"})
        assert answer.status_code == 202, answer.get_json()
        assert store.live_name(index_dir) == new.name
        monkeypatch.undo()
        writer.apply_journal(index_dir)
        assert client.get("/api/v1/articles/api-anise").status_code == 404
    finally:
        app.extensions["morgue.applier"].stop()


def test_the_script_refuses_bad_arguments():
    result = run_script("writers_trial", "--writers", "0", timeout=60)
    assert result.returncode == 2 and "--writers must be at least 1 (got 0)" in result.stderr
