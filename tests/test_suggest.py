"""Autocomplete on the session's small index, checked against counts taken from the articles."""
from __future__ import annotations

import pytest

from index import schema
from index.errors import BadRequest
from search import Archive
from search.suggest import MAX_PREFIX, suggest, vocabulary_of


def complete(archive, prefix: str, limit: int = 10) -> list[dict]:
    with archive.searcher() as searcher:
        return suggest(searcher, prefix, limit)


@pytest.fixture(scope="module")
def articles(archive):
    with archive.searcher() as searcher:
        return [schema.from_stored(fields) for fields in searcher.all_stored_fields()]


def headline_words(archive, article) -> set[str]:
    with archive.searcher() as searcher:
        analyzer = searcher.schema[schema.TITLE_EXACT].analyzer
    return {token.text for token in analyzer(article.title)}


def test_a_later_word_of_a_name_completes_it(archive):
    assert {"value": "Vladimir Putin", "kind": "person", "count": 1} in complete(archive, "put")


def test_several_words_complete_a_name_from_any_word(archive, articles):
    found = complete(archive, "new y")
    assert found[0]["value"] == "New York" and found[0]["kind"] == "place"
    assert found[0]["count"] == sum("New York" in a.places for a in articles)
    assert all("new y" in item["value"].lower() for item in found)
    assert "Federal Reserve Bank of New York" in [item["value"] for item in found]
    # A trailing space asks for the next word: "New Zealand", never "Newmont".
    assert all(item["value"].lower().startswith("new ") or " new " in item["value"].lower()
               for item in complete(archive, "new ", 50))


def test_ranked_by_number_of_articles(archive):
    found = complete(archive, "b", 20)
    counts = [item["count"] for item in found]
    assert len(found) == 20 and counts == sorted(counts, reverse=True)
    assert {item["kind"] for item in found} >= {"term", "place", "organization"}


def test_counts_are_articles(archive, articles):
    place = next(item for item in complete(archive, "braz") if item["kind"] == "place")
    assert place == {"value": "Brazil", "kind": "place",
                     "count": sum("Brazil" in a.places for a in articles)}
    source = complete(archive, "wire desk")
    assert source == [{"value": "Wire Desk", "kind": "source",
                       "count": sum(a.source == "Wire Desk" for a in articles)}]
    term = next(item for item in complete(archive, "coc") if item["kind"] == "term")
    assert term["value"] == "cocoa"
    assert term["count"] == sum("cocoa" in headline_words(archive, a) for a in articles)


@pytest.mark.parametrize("prefix", ["zür", "ZUR", "Zur", "zuri"])
def test_case_and_accents_do_not_matter(archive, prefix):
    assert complete(archive, prefix)[0]["value"] == "Zürich"


def test_stop_words_and_other_forms_are_left_out(archive):
    assert "the" not in [item["value"] for item in complete(archive, "th", 50)]
    words = [item["value"] for item in complete(archive, "bank", 50) if item["kind"] == "term"]
    assert "bank" in words and "banks" not in words


def test_nothing_typed_means_nothing_suggested(archive):
    assert complete(archive, "") == [] and complete(archive, "  ") == []
    assert complete(archive, "qwxzyv") == []


def test_limits(archive):
    assert len(complete(archive, "c", 3)) == 3
    with pytest.raises(BadRequest) as error:
        complete(archive, "a" * (MAX_PREFIX + 1))
    assert error.value.param == "q"
    with pytest.raises(BadRequest) as error:
        complete(archive, "a", 0)
    assert error.value.param == "limit"


def test_the_vocabulary_is_built_once_per_index_state(archive, small_index):
    with archive.searcher() as searcher:
        first = vocabulary_of(searcher)
        assert vocabulary_of(searcher) is first
    with Archive(small_index).searcher() as other:  # another searcher on the same commit
        assert vocabulary_of(other) is first
