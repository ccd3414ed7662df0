"""Acceptance on the shipped sample corpus, built once by the real reindex command."""
from __future__ import annotations

import json

import pytest

from search import Archive, parse_request, run_search
from tests.test_scripts import summary_counts

pytestmark = pytest.mark.sample_corpus


@pytest.fixture(scope="module")
def sample_archive(sample_index):
    return Archive(sample_index[0])


def search(archive, **params):
    return run_search(archive, parse_request({k: [str(v)] for k, v in params.items()}))


def test_every_record_is_indexed_or_skipped_with_a_reason(sample_index):
    index_dir, result = sample_index
    indexed, updated, unchanged, skipped, deleted = summary_counts(result.stdout)
    assert indexed + skipped == 21_579  # 21,578 Reuters records and the sample article
    assert (updated, unchanged, deleted) == (0, 0, 0)
    report = json.loads((index_dir.parent / "report.json").read_text())
    assert len([p for p in report["problems"] if p["action"] == "skipped"]) == skipped
    assert all(p["reason"] for p in report["problems"])
    assert Archive(index_dir).health()["documents"] == indexed


def test_kursk_finds_the_sample_article_first(sample_archive):
    first = search(sample_archive, q="Kursk")["results"][0]
    assert first["title"].startswith("North Korean Supreme Leader Kim Jong Un")
    assert "<mark>Kursk</mark>" in first["snippet"]


def test_cocoa_stories_rank_above_passing_mentions(sample_archive):
    response = search(sample_archive, q="cocoa")
    assert len(response["results"]) == 10
    assert all("COCOA" in hit["title"].upper() for hit in response["results"])


def test_coffee_in_march_1987_newest_first(sample_archive):
    response = search(sample_archive, q="coffee", **{"from": "1987-03-01", "to": "1987-03-31"},
                      sort="newest", page_size=100)
    dates = [hit["published"] for hit in response["results"]]
    assert response["total"] > 50 and len(dates) == min(100, response["total"])
    assert all("1987-03-01T00:00:00Z" <= d <= "1987-03-31T23:59:59Z" for d in dates)
    assert dates == sorted(dates, reverse=True)


def test_reuters_actors_are_display_names(sample_archive):
    # Reuters tags Reagan by surname; the archive knows him as Ronald Reagan (resolution.py).
    response = search(sample_archive, q="*", person="Ronald Reagan", page_size=1)
    assert response["total"] > 50
    assert "Ronald Reagan" in response["results"][0]["people"]
    assert search(sample_archive, q="*", person="Reagan")["total"] == 0
    response = search(sample_archive, q="oil", organization="OPEC", place="Saudi Arabia")
    assert response["total"] > 10


def seed_article(archive) -> dict:
    from search import get_article

    hit = search(archive, q="Kursk")["results"][0]
    return get_article(archive, hit["id"])


def test_sample_article_actors_are_extracted_and_normalised(sample_archive):
    article = seed_article(sample_archive)
    assert article["title_derived"] and article["published"] is None
    assert {"Kim Jong Un", "Vladimir Putin", "Donald Trump", "Volodymyr Zelensky",
            "Karoline Leavitt", "Byacheslav Volodin"} <= set(article["people"])
    assert {"North Korea", "Russia", "Ukraine", "Alaska", "Anchorage", "Kursk"} <= set(
        article["places"])
    assert {"White House", "Korean People's Army"} <= set(article["organizations"])
    boilerplate_only = {"Erdogan", "Israel", "Syria", "Druze", "Pakistan",
                        "Balochistan Liberation Army"}
    names = " ".join(article["people"] + article["places"] + article["organizations"])
    assert not any(name in names for name in boilerplate_only)
    assert "Recommended Stories" not in article["body"]
    assert "ZELENSKY TOUTS" not in article["body"] and "listening exercise" in article["body"]


def test_quotes_are_searchable_by_speaker(sample_archive):
    ids = [hit["id"] for hit in search(sample_archive, q="speaker:Leavitt")["results"]]
    article = seed_article(sample_archive)
    assert article["id"] in ids
    assert any(q["speaker"] == "Karoline Leavitt" and "listening exercise" in q["text"]
               for q in article["quotes"])


def test_repeated_wire_stories_share_a_cluster(sample_archive):
    from search import get_article

    first = get_article(sample_archive, "reuters21578:18057")
    again = get_article(sample_archive, "reuters21578:18105")
    assert first["cluster"] == again["cluster"] and first["cluster"]["size"] >= 2
    assert first["cluster"]["id"] == "reuters21578:18057"


def test_names_search_the_same_whatever_their_case(sample_archive):
    ids = [{hit["id"] for hit in search(sample_archive, q=q, page_size=50)["results"]}
           for q in ("Putin", "putin", "PUTIN", 'actor:"Vladimir Putin"')]
    assert ids[0] == ids[1] == ids[2] == ids[3]
    assert seed_article(sample_archive)["id"] in ids[3]


def test_reagan_is_one_person_with_the_right_count(sample_archive):
    response = search(sample_archive, q="reagan", facets="person", facet_size=5)
    top = response["facets"]["person"][0]
    assert top["value"] == "Ronald Reagan"
    stories, cursor = set(), None
    while True:
        page = run_search(sample_archive, parse_request(
            {"q": ["reagan"], "page_size": ["100"], "fields": ["id,people,cluster"],
             "facets": [""], "collapse": ["none"], **({"cursor": [cursor]} if cursor else {})}))
        stories |= {hit["cluster"]["id"] for hit in page["results"]
                    if "Ronald Reagan" in hit["people"]}
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert top["count"] == len(stories) > 300
