"""Pseudo-relevance feedback (search/feedback.py) on the shared small index.

Feedback may only reorder a sentence-like query's matches: the same total, the same
set of results, the same `parsed`, and no added word marked in a snippet.
"""
from __future__ import annotations

import re
from datetime import datetime

import pytest

from search import feedback, parse_request, ranking, run_search
from search.query import build_query

SENTENCE = "what did the coffee exporting countries decide about quotas in geneva"


def search(archive, q: str, **params) -> dict:
    args = {"q": [q], "page_size": ["100"], "collapse": ["none"]}
    args.update({name: [value] for name, value in params.items()})
    return run_search(archive, parse_request(args))


def marked(response: dict) -> dict[str, list[str]]:
    return {hit["id"]: re.findall(r"<mark>(.*?)</mark>", hit["snippet"] or "")
            for hit in response["results"]}


@pytest.fixture()
def without_feedback(monkeypatch):
    def run(archive, q: str) -> dict:
        with monkeypatch.context() as patch:
            patch.setattr(ranking, "FEEDBACK_DOCS", 0)
            return search(archive, q)
    return run


def test_feedback_reorders_a_sentence_but_never_adds_or_drops_matches(archive,
                                                                        without_feedback):
    assert ranking.FEEDBACK_DOCS > 0
    plain, refined = without_feedback(archive, SENTENCE), search(archive, SENTENCE)
    assert refined["total"] == plain["total"] > 1
    assert refined["total_copies"] == plain["total_copies"]
    assert refined["facets"] == plain["facets"]
    assert refined["query"]["parsed"] == plain["query"]["parsed"]
    assert refined["results"][0]["id"] == "t-coffee-1"
    assert [h["id"] for h in refined["results"]] != [h["id"] for h in plain["results"]]


def test_feedback_words_are_never_marked(archive, without_feedback):
    plain, refined = without_feedback(archive, SENTENCE), search(archive, SENTENCE)
    # t-coffee-2 says "Brazil", a word of the top story (t-coffee-1) but not of the query.
    refined_marks, plain_marks = marked(refined), marked(plain)
    assert "t-coffee-2" in refined_marks and "t-coffee-2" in plain_marks
    shown = refined_marks.keys() & plain_marks.keys()  # a page of 100 of more matches
    assert len(shown) > 50
    assert {i: refined_marks[i] for i in shown} == {i: plain_marks[i] for i in shown}


def test_feedback_adds_the_top_stories_words_for_a_sentence_only(archive):
    now = datetime(2025, 9, 1)
    with archive.searcher() as searcher:
        sentence = parse_request({"q": [SENTENCE]})
        q = build_query(sentence, searcher, 1000, now)
        refined = feedback.expand(searcher, q, sentence)
        assert isinstance(refined, feedback.Refined) and str(refined) == str(q)
        added = {text for _field, text in refined.b.iter_all_terms()}
        assert {"brazil", "colombia"} <= added  # from "Brazil and Colombia led the talks"
        for request in (parse_request({"q": ["coffee geneva"]}),  # keywords: AND, untouched
                        parse_request({"q": [SENTENCE], "sort": "newest".split()})):
            q = build_query(request, searcher, 1000, now)
            assert feedback.expand(searcher, q, request) is q


def test_relevance_model_is_a_distribution_led_by_the_best_storys_words(archive):
    with archive.searcher() as searcher:
        first = searcher.document(id="t-coffee-1")
        second = searcher.document(id="t-cocoa-2")
        model = feedback.relevance_model(searcher, [(3.0, first), (1.0, second)], size=5)
        assert len(model) == 5 and sum(model.values()) == pytest.approx(1.0)
        best = max(model, key=model.get)
        assert best == ("en", "coffe")  # twice in the best-scored story, stemmed as indexed
        assert feedback.relevance_model(searcher, [(0.0, first)], size=5) == {}
