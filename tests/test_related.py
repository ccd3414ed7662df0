"""More like this on the session's small index, whose Reuters file has syndicated copies."""
from __future__ import annotations

import pytest

from index import schema
from index.errors import NotFound
from search import facets
from search.related import key_terms, related


def related_ids(archive, article_id: str, limit: int = 10) -> list[str]:
    with archive.searcher() as searcher:
        return [searcher.stored_fields(doc)[schema.ID]
                for doc in related(searcher, article_id, limit)]


def cluster_of(archive, article_id: str) -> str:
    with archive.searcher() as searcher:
        return searcher.document(**{schema.ID: article_id})[schema.CLUSTER]


def test_stories_on_the_same_subject_come_first(archive):
    with archive.searcher() as searcher:
        found = related(searcher, "t-cocoa-1", 5)
        texts = [" ".join((searcher.stored_fields(doc)[schema.TITLE],
                           searcher.stored_fields(doc).get(schema.BODY, ""))).lower()
                 for doc in found]
    assert len(found) == 5
    assert all("cocoa" in text for text in texts[:3]), texts


def test_the_article_and_its_own_copies_are_left_out(archive):
    # reuters21578:16 is a copy of reuters21578:4: the closest article there is, yet not related.
    assert cluster_of(archive, "reuters21578:16") == cluster_of(archive, "reuters21578:4")
    found = related_ids(archive, "reuters21578:4")
    assert found and "reuters21578:4" not in found and "reuters21578:16" not in found


def test_each_other_story_is_shown_once(archive):
    # reuters21578:505 and :550 are one story in two versions; both are close to
    # reuters21578:4 (BankAmerica), and only one is shown.
    assert cluster_of(archive, "reuters21578:505") == cluster_of(archive, "reuters21578:550")
    found = related_ids(archive, "reuters21578:4")
    assert len({"reuters21578:505", "reuters21578:550"} & set(found)) == 1
    with archive.searcher() as searcher:
        clusters = facets.column_values(searcher, schema.CLUSTER)
        for article_id in ("reuters21578:4", "reuters21578:230", "t-coffee-2"):
            stories = [clusters[doc] for doc in related(searcher, article_id)]
            assert len(stories) == len(set(stories))


def test_takes_a_document_number_or_an_id(archive):
    with archive.searcher() as searcher:
        docnum = searcher.document_number(**{schema.ID: "t-coffee-2"})
        assert related(searcher, docnum, 4) == related(searcher, "t-coffee-2", 4)
        assert len(related(searcher, docnum, 4)) == 4
        with pytest.raises(NotFound):
            related(searcher, "no-such-article")


def test_key_terms_are_words_not_numbers(archive):
    with archive.searcher() as searcher:
        stored = searcher.document(**{schema.ID: "reuters21578:4"})
        words = [word for word, _ in key_terms(searcher, stored, schema.BODY_FIELDS["en"])]
    assert words and not any(char.isdigit() for word in words for char in word)
    assert "bankamerica" in words
