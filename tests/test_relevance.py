"""scripts/relevance.py: the metrics on hand-made rankings, the cross-validation, a quick run.

No figure of ranking quality is asserted here (that is what the script is for); the run
on a tiny hand-made collection checks that ids travel from the pipeline through
run_search to the qrels and that every figure is printed.
"""
from __future__ import annotations

import importlib.util
import json
import math
import sys

import pytest

from tests.conftest import ROOT

# A script, not a package module: loaded from its file (registered first, for its dataclass).
_spec = importlib.util.spec_from_file_location("scripts_relevance",
                                               ROOT / "scripts" / "relevance.py")
relevance = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = relevance
_spec.loader.exec_module(relevance)


def test_precision_at_ten_divides_by_ten_even_for_a_short_list():
    assert relevance.precision_at(["a", "x", "b", "y"], {"a", "b"}) == pytest.approx(0.2)
    assert relevance.precision_at(["x"] * 10 + ["a"], {"a"}) == 0.0
    assert relevance.precision_at(list("abcdefghij"), set("abcdefghij")) == 1.0


def test_average_precision_counts_unretrieved_relevant_stories_as_zero():
    assert relevance.average_precision(["a", "x", "b", "y"], {"a", "b"}) == \
        pytest.approx((1 / 1 + 2 / 3) / 2)
    assert relevance.average_precision(["x", "a"], {"a", "b"}) == pytest.approx(0.25)
    assert relevance.average_precision(["x"] * 10 + ["a"], {"a"}) == pytest.approx(1 / 11)
    assert relevance.average_precision(["a", "b"], {"a", "b"}) == 1.0
    assert relevance.average_precision(["a"], set()) == 0.0


def test_ndcg_at_ten_against_the_ideal_ranking():
    ideal_two = 1 + 1 / math.log2(3)
    assert relevance.ndcg_at(["a", "x", "b", "y"], {"a", "b"}) == \
        pytest.approx((1 + 1 / math.log2(4)) / ideal_two)
    assert relevance.ndcg_at(["x", "a"], {"a", "b"}) == \
        pytest.approx((1 / math.log2(3)) / ideal_two)
    assert relevance.ndcg_at(["b", "a"], {"a", "b"}) == 1.0
    assert relevance.ndcg_at(["x"] * 10 + ["a"], {"a"}) == 0.0  # rank 11 is past the cutoff
    # Twelve relevant stories: the ideal has ten of them in the top ten.
    assert relevance.ndcg_at(list("abcdefghij"), set("abcdefghijkl")) == 1.0
    assert relevance.ndcg_at(["a"], set()) == 0.0


def test_cross_validation_scores_each_half_with_the_point_tuned_on_the_other():
    numbers = ["1", "3", "5", "7"]
    assert relevance.halves(numbers) == (["1", "5"], ["3", "7"])
    # Point 0 is best on the first half, point 1 on the second.
    results = [({"K1": 1.2}, {"1": 1.0, "5": 1.0, "3": 0.0, "7": 0.2}),
               ({"K1": 2.0}, {"1": 0.5, "5": 0.5, "3": 0.8, "7": 0.8})]
    held_out, folds = relevance.cross_validate(results, numbers)
    # First half tuned -> point 0 scores the second half: 0.0, 0.2; and the other way round.
    assert held_out == pytest.approx((0.0 + 0.2 + 0.5 + 0.5) / 4)
    assert [chosen for chosen, _, _ in folds] == [0, 1]
    assert relevance.best_point(results, numbers) == 1  # 0.65 against 0.55 over all
    assert relevance.best_point([results[0], results[0]], numbers) == 0  # ties: the first


def test_grid_points_start_with_the_baseline():
    points = relevance.grid_points({"K1": (1.2, 2.0), "B": (0.75, 0.5)})
    assert points[0] == {"K1": 1.2, "B": 0.75}
    assert len(points) == 4 and {"K1": 2.0, "B": 0.5} in points
    # Feedback off: its weight changes nothing, so that point is tried once.
    points = relevance.grid_points({"FEEDBACK_DOCS": (3, 0), "FEEDBACK_WEIGHT": (0.5, 0.3)})
    assert points == [{"FEEDBACK_DOCS": 3, "FEEDBACK_WEIGHT": 0.5},
                      {"FEEDBACK_DOCS": 3, "FEEDBACK_WEIGHT": 0.3},
                      {"FEEDBACK_DOCS": 0, "FEEDBACK_WEIGHT": 0.5}]


def test_settings_are_restored_after_a_grid_point():
    from search import ranking
    before = ranking.TITLE_BOOST
    with relevance.settings({"TITLE_BOOST": before + 7}):
        assert ranking.TITLE_BOOST == before + 7
    assert ranking.TITLE_BOOST == before


def test_a_quick_run_prints_every_figure(tmp_path, capsys):
    stories = {
        "d-cocoa": "Cocoa harvest in the Ivory Coast falls short as rains fail the growers.",
        "d-coffee": "Coffee prices in Brazil rise after frost damages the plantations again.",
        "d-tin": "Tin miners in Bolivia strike over wages and the closing of two mines.",
        "d-wheat": "Wheat sales to Russia by Canada reach a record under the new agreement.",
    }
    with open(tmp_path / relevance.ARTICLES, "w", encoding="utf-8") as out:
        for story_id, body in stories.items():
            out.write(json.dumps({"id": story_id, "title": body[:40], "body": body}) + "\n")
    (tmp_path / relevance.QUERIES).write_text(
        "1\tthe cocoa harvest in the ivory coast\n3\tcoffee prices in brazil after the frost\n")
    (tmp_path / relevance.QRELS).write_text("1 0 d-cocoa 1\n3 0 d-coffee 1\n3 0 d-tin 0\n")
    assert relevance.main(["--data", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    # Each query's one relevant story is the only one with its words: every figure is exact.
    assert "nDCG@10 1.0000   MAP 1.0000   P@10 0.1000" in printed
    assert "cross-validated nDCG@10 1.0000" in printed
    assert "fold 1: chose" in printed and "fold 2: chose" in printed
    assert "command: python scripts/relevance.py" in printed


def test_a_missing_collection_is_a_one_line_error(tmp_path, capsys):
    assert relevance.main(["--data", str(tmp_path / "nowhere")]) == 1
    assert "--data" in capsys.readouterr().err
