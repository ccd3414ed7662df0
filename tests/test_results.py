"""What a search returns beyond the hits: facets checked by brute force, stories and copies,
cursors that walk every result, explanations and the zero-result diagnosis."""
from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from index import schema
from index.errors import BadRequest
from search import parse_request, run_search

FACET_FIELDS = {"source": schema.SOURCE, "person": schema.PEOPLE,
                "organization": schema.ORGANIZATIONS, "place": schema.PLACES,
                "tag": schema.TAGS, "section": schema.SECTION, "language": schema.LANGUAGE}


def search(archive, **params):
    return run_search(archive, parse_request({k: [str(v)] for k, v in params.items()}))


def stored_articles(archive) -> dict[str, dict]:
    with archive.searcher() as searcher:
        return {fields[schema.ID]: dict(fields) for fields in searcher.all_stored_fields()}


def values_of(article: dict, field: str) -> list[str]:
    raw = article.get(field) or ""
    return [v for v in raw.split(",") if v] if field in (schema.PEOPLE, schema.ORGANIZATIONS,
                                                          schema.PLACES, schema.TAGS) else \
        ([raw] if raw else [])


def walk(archive, **params) -> list[dict]:
    """Every result of a search, following next_cursor."""
    results, cursor = [], None
    while True:
        extra = {"cursor": cursor} if cursor else {}
        response = search(archive, page_size=37, facets="", **params, **extra)
        results += response["results"]
        cursor = response["next_cursor"]
        if not cursor:
            return results


@pytest.mark.parametrize("facet", sorted(FACET_FIELDS))
@pytest.mark.parametrize("count", ["copies", "stories"])
def test_facet_counts_match_a_brute_force_count(archive, facet, count):
    matched = walk(archive, q="cocoa OR coffee OR rates", collapse="none", fields="id")
    articles = stored_articles(archive)
    expected: dict[str, set] = defaultdict(set)
    for hit in matched:
        article = articles[hit["id"]]
        for value in set(values_of(article, FACET_FIELDS[facet])):
            expected[value].add(article[schema.CLUSTER] if count == "stories" else hit["id"])
    response = search(archive, q="cocoa OR coffee OR rates", facets=facet, facet_size=100,
                      count=count)
    got = [(item["value"], item["count"]) for item in response["facets"][facet]]
    brute = sorted(((value, len(members)) for value, members in expected.items()),
                   key=lambda item: (-item[1], item[0].casefold()))
    assert got == brute[:100]  # by count, then name; at most facet_size values


def test_multi_valued_facets_count_each_value_once_per_article(archive):
    response = search(archive, q="*", source="Wire Desk", facets="place", count="copies")
    places = {item["value"]: item["count"] for item in response["facets"]["place"]}
    assert places["Brazil"] == 1 and places["Ivory Coast"] == 1


def test_facet_size_keeps_the_biggest(archive):
    response = search(archive, q="*", facets="place", facet_size=3)
    counts = [item["count"] for item in response["facets"]["place"]]
    assert len(counts) == 3 and counts == sorted(counts, reverse=True)
    everything = search(archive, q="*", facets="place", facet_size=100)["facets"]["place"]
    assert counts == [item["count"] for item in everything[:3]]


@pytest.mark.parametrize("interval, first_value", [
    ("day", "2025-07-03"), ("week", "2025-W27"), ("month", "2025-07"), ("year", "2025")])
def test_histogram_intervals(archive, interval, first_value):
    response = search(archive, q="*", source="Wire Desk", facets="published", interval=interval,
                      count="copies")
    buckets = response["facets"]["published"]
    assert buckets[0]["value"] == first_value and response["query"]["interval"] == interval
    assert sum(b["count"] for b in buckets) == response["total_copies"]  # all are dated
    assert all(b["from"] <= b["to"] for b in buckets)


def test_syndicated_copies_are_one_story(archive):
    collapsed = search(archive, q='"wage growth remained strong"')
    assert collapsed["total"] == 1 and collapsed["total_copies"] == 3
    (story,) = collapsed["results"]
    assert story["cluster"]["size"] == 3
    assert set(story["cluster"]["other_sources"]) | {story["source"]} == {
        "Wire Desk", "Daily Ledger", "Le Temps"}
    assert story["cluster"]["first_seen"] == "2025-08-05T09:00:00Z"
    copies = search(archive, q='"wage growth remained strong"', collapse="none")
    assert copies["total"] == copies["total_copies"] == 3
    facets = search(archive, q='"wage growth remained strong"', facets="source", count="stories")
    assert {f["value"]: f["count"] for f in facets["facets"]["source"]} == {
        "Wire Desk": 1, "Daily Ledger": 1, "Le Temps": 1}


@pytest.mark.parametrize("params", [
    {"q": "*", "sort": "newest"}, {"q": "*", "sort": "oldest"}, {"q": "cocoa OR coffee"},
    {"q": "*", "sort": "indexed", "collapse": "none"}, {"q": "rates OR bank", "recency": "0.5"}])
def test_cursors_walk_every_result_once_in_order(archive, params):
    walked = [hit["id"] for hit in walk(archive, fields="id", **params)]
    total = search(archive, **params)["total"]
    assert len(walked) == len(set(walked)) == total
    if "recency" not in params:
        pages = [hit["id"] for page in range(1, 4) for hit in
                 search(archive, page=page, page_size=37, fields="id", **params)["results"]]
        assert walked[:len(pages)] == pages  # cursor and page numbers agree


def test_a_cursor_only_continues_its_own_search(archive):
    cursor = search(archive, q="cocoa", page_size=2)["next_cursor"]
    with pytest.raises(BadRequest, match="cursor belongs to a different search"):
        search(archive, q="coffee", cursor=cursor)
    with pytest.raises(BadRequest, match="not one this server gave out"):
        search(archive, q="cocoa", cursor="bm90IGEgY3Vyc29y")


@pytest.mark.parametrize("sort, key", [("relevance", ["a", "b"]), ("relevance", [-1.0, "x"]),
                                       ("newest", [1.5, 3]), ("oldest", [True, "x"])])
def test_a_made_up_cursor_is_refused_not_compared(archive, sort, key):
    """The digest is no secret: a client can write a cursor; its key must still be well formed."""
    import base64
    import json

    from search import cursor as cursors
    request = parse_request({"q": ["cocoa"], "sort": [sort]})
    payload = {"v": cursors.VERSION, "k": key, "s": cursors.signature(request, "any")}
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()
    with pytest.raises(BadRequest, match="not one this server gave out"):
        search(archive, q="cocoa", sort=sort, cursor=forged)


def test_deep_pages_point_to_the_cursor(archive):
    with pytest.raises(BadRequest, match="follow next_cursor"):
        search(archive, q="*", page=101, page_size=100)


def test_recency_prefers_fresh_stories(archive):
    fresh = search(archive, q="cocoa OR rates", page_size=20, recency=1)["results"]
    newest = search(archive, q="cocoa OR rates", sort="newest", page_size=1)["results"][0]
    assert fresh[0]["published"] == newest["published"]
    dates = [h["published"] for h in fresh if h["published"]]
    assert dates == sorted(dates, reverse=True)  # freshness is all that counts at 1
    half = search(archive, q="cocoa OR rates", page_size=20, recency=0.5)["results"]
    plain = search(archive, q="cocoa OR rates", page_size=20)["results"]
    assert [h["id"] for h in half] != [h["id"] for h in plain] != [h["id"] for h in fresh]


def test_explain_gives_matched_terms_and_score_parts(archive):
    (hit,) = search(archive, q='title:"harvest report"', explain="true")["results"]
    assert {"field": "title", "term": "harvest"} in hit["explain"]["matched"]
    plain = search(archive, q="coffee geneva", explain="true")["results"][0]
    parts = plain["explain"]["parts"]
    assert {part["field"] for part in parts} >= {"title", "body"}
    assert sum(part["score"] for part in parts) == pytest.approx(plain["score"], rel=0.05)
    # Sorted by date there is no score, but the matched terms are still explained.
    (dated,) = search(archive, q='title:"harvest report"', explain="true", sort="newest")["results"]
    assert dated["explain"]["score"] is None and dated["explain"]["matched"]


def test_zero_results_say_which_clause_emptied_them(archive):
    response = search(archive, q="cocoa NOT cocoa")
    assert response["total"] == 0
    assert response["diagnosis"]["clause"] == "NOT cocoa"
    assert "without NOT cocoa there would be" in response["diagnosis"]["message"]
    filtered = search(archive, q="cocoa", source="Le Temps")
    assert filtered["total"] == 0 and "source=Le Temps" in filtered["diagnosis"]["message"]
    assert search(archive, q="cocoa")["diagnosis"] is None
