"""Snippets, highlighted titles and article pages, on a real index built from a few stories.

The stories are written for the rules they check: terms far apart (three
fragments), terms close together (one fragment), a phrase next to lone
occurrences of its words, a German story, markup in a title and body, a body
of nearly 5 MB whose only mention of a word is in its last paragraph.
"""
from __future__ import annotations

import html
import json
import re

import pytest
from whoosh import query

from conftest import build_index
from index import schema
from search import Archive, get_article, parse_request, run_search
from search.highlight import MAX_HIGHLIGHT_CHARS, SNIPPET_CHARS, Highlighters, mark_words

LEDE = ("Cocoa exports from Ivory Coast rose sharply in March, the ministry in Abidjan said on "
        "Monday, while the coast road to the port stayed closed.")
BODY = "\n\n".join([
    LEDE,
    "Officials expect the rains to return by the end of the month. Farmers in the west have "
    "planted more trees this season, and cooperatives report steady deliveries to the "
    "warehouses near the capital. Buyers from Europe and Asia were said to be waiting for "
    "clearer prices before signing new contracts for the next season.",
    "Shipping agents expect freight rates to climb as the harvest ends, according to brokers.",
    "Weather services said the dry wind from the Sahara had eased. Several ports along the Gulf "
    "of Guinea reported long queues of trucks, and some drivers waited for days before "
    "unloading. Local officials promised to extend opening hours at the weighing stations "
    "until the backlog clears.",
    "President Alassane Ouattara told traders in Abidjan that the ivory trade remains banned.",
    "The central bank did not comment.",
])
FILLER_WORD = "0123456789" * 50  # long tokens keep the 5 MB story cheap to index
BIG_TAIL = "In a last note, Zanzibar clove growers said their harvest would be late."
BIG_BODY = ("Cocoa growers opened this very long record.\n\n"
            + "\n\n".join(" ".join([FILLER_WORD] * 10) + "." for _ in range(960))
            + "\n\n" + BIG_TAIL)
STORIES = [
    {"id": "hl-en", "title": "Ivory Coast cocoa exports rise as rains fail", "body": BODY,
     "published": "2025-03-10", "source": "Wire Desk", "language": "en",
     "people": ["Alassane Ouattara"]},
    {"id": "hl-de", "title": "Neue Häuser in Zürich", "language": "de",
     "body": "Die Stadt baut neue Häuser für junge Familien. Das alte Haus am See wird verkauft.",
     "published": "2025-03-11", "source": "Zeitung"},
    {"id": "hl-xss", "title": '<script>alert("x")</script> Vanilla & "quotes"', "language": "en",
     # entities: the pipeline reads a JSON body as HTML, so these become "<b>" as text
     "body": 'Vanilla &lt;b&gt;prices&lt;/b&gt; &amp; "more" &lt;script&gt;alert(1)&lt;/script&gt; '
             'rose in Madagascar.',
     "published": "2025-03-12", "source": "Wire Desk"},
    {"id": "hl-big", "title": "A very long record", "body": BIG_BODY, "language": "en",
     "published": "2025-03-13", "source": "Archive Dump"},
]


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Archive:
    folder = tmp_path_factory.mktemp("highlight")
    source = folder / "stories.jsonl"
    source.write_text("\n".join(json.dumps(s) for s in STORIES) + "\n", encoding="utf-8")
    tally = build_index(folder / "index", [str(source)])
    assert tally.indexed == len(STORIES)
    return Archive(folder / "index")


def search(archive, q: str, **params) -> dict[str, dict]:
    args = {"q": [q], "fields": ["id,title_html,snippet"], "page_size": ["50"]}
    args.update({name: [str(value)] for name, value in params.items()})
    return {hit["id"]: hit for hit in run_search(archive, parse_request(args))["results"]}


def plain(snippet: str) -> str:
    return html.unescape(re.sub(r"</?mark>", "", snippet))


def fragments(snippet: str) -> list[str]:
    """The fragments of a snippet, without the ellipses marking text left out at either end."""
    return [f for f in snippet.strip("\u2026 ").split(" \u2026 ")]


def marked(snippet: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", snippet)


def test_terms_far_apart_give_three_fragments_in_document_order(archive):
    snippet = search(archive, "cocoa freight traders")["hl-en"]["snippet"]
    parts = fragments(snippet)
    assert len(parts) == 3
    assert [marked(part) for part in parts] == [["Cocoa"], ["freight"], ["traders"]]
    assert SNIPPET_CHARS * 0.6 <= len(plain(snippet)) <= SNIPPET_CHARS + 60


def test_fragments_are_cut_at_word_boundaries_with_spaces_collapsed(archive):
    words = set(BODY.split())
    for q in ("cocoa freight traders", "freight", "banned", "comment", "unloading", "deliveries"):
        snippet = search(archive, q)["hl-en"]["snippet"]
        assert "\n" not in snippet and "  " not in snippet
        for part in fragments(plain(snippet)):
            assert part.split()[0] in words and part.split()[-1] in words, (q, part)


def test_a_single_term_gets_one_fragment_of_the_whole_budget(archive):
    snippet = search(archive, "freight")["hl-en"]["snippet"]
    assert len(fragments(snippet)) == 1
    assert SNIPPET_CHARS * 0.7 <= len(plain(snippet)) <= SNIPPET_CHARS + 30
    # it starts where the sentence with the match starts
    assert plain(snippet).startswith("\u2026 Shipping agents expect freight rates")


def test_matches_close_together_make_one_fragment(archive):
    snippet = search(archive, "freight harvest")["hl-en"]["snippet"]
    assert len(fragments(snippet)) == 1
    assert marked(snippet) == ["freight", "harvest"]
    adjacent = search(archive, "cocoa exports")["hl-en"]["snippet"]
    assert adjacent.startswith("<mark>Cocoa</mark> <mark>exports</mark> from Ivory Coast")
    assert len(fragments(adjacent)) == 1


def test_stemmed_forms_are_marked(archive):
    hit = search(archive, "export")["hl-en"]
    assert marked(hit["snippet"]) == ["exports"]
    assert hit["title_html"] == "Ivory Coast cocoa <mark>exports</mark> rise as rains fail"


def test_a_phrase_is_marked_as_the_phrase_not_its_lone_words(archive):
    hit = search(archive, '"ivory coast"')["hl-en"]
    assert marked(hit["snippet"]) == ["Ivory Coast"]
    assert "the coast road" in hit["snippet"]  # shown, not marked
    assert marked(hit["title_html"]) == ["Ivory Coast"]
    with_word = search(archive, '"ivory coast" trade')["hl-en"]["snippet"]
    assert "<mark>Ivory Coast</mark>" in with_word and "ivory <mark>trade</mark>" in with_word


def test_a_phrase_keeps_the_stop_words_inside_it(archive):
    hit = search(archive, '"ministry in abidjan"')["hl-en"]
    assert marked(hit["snippet"]) == ["ministry in Abidjan"]


def test_only_terms_matched_in_body_text_are_marked(archive):
    hit = search(archive, "title:cocoa")["hl-en"]  # cocoa is in the body too, but not matched there
    assert "<mark>" not in hit["snippet"] and plain(hit["snippet"]).startswith(LEDE[:100])
    assert marked(hit["title_html"]) == ["cocoa"]


def test_a_term_matched_only_in_the_lede_is_marked(archive):
    with archive.searcher() as searcher:
        (hit,) = searcher.search(query.Term(schema.LEDE, "ministri"), terms=True)
        assert {field for field, _ in hit.matched_terms()} == {schema.LEDE}
        snippet = Highlighters().snippet(hit, schema.from_stored(hit.fields()))
    assert marked(snippet) == ["ministry"]


def test_a_name_matched_only_in_actors_is_marked_in_the_body(archive):
    hit = search(archive, "actor:ouattara")["hl-en"]
    assert marked(hit["snippet"]) == ["Ouattara"]


@pytest.mark.parametrize("q", ["person:ouattara", "*", "published:2025-03-10"])
def test_metadata_only_hits_get_the_opening_of_the_body(archive, q):
    snippet = search(archive, q)["hl-en"]["snippet"]
    assert "<mark>" not in snippet
    text = plain(snippet)
    assert text.endswith(" \u2026") and LEDE.startswith(text[:-2][:len(LEDE)])
    assert len(text) <= SNIPPET_CHARS + 2
    assert text[:-2].split()[-1] in BODY.split()  # cut after a whole word


def test_a_german_story_is_highlighted_through_its_own_field(archive):
    hit = search(archive, "haus")["hl-de"]
    assert marked(hit["snippet"]) == ["Häuser", "Haus"]
    assert hit["title_html"] == "Neue <mark>Häuser</mark> in Zürich"
    parsed = run_search(archive, parse_request({"q": ["haus"]}))["query"]["parsed"]
    assert f"{schema.BODY_FIELDS['de']}:haus" in parsed  # German stem; English would say "hau"
    with archive.searcher() as searcher:
        assert searcher.document(id="hl-de")[schema.LANGUAGE] == "de"


def test_markup_in_titles_and_bodies_comes_out_escaped(archive):
    hit = search(archive, "vanilla")["hl-xss"]
    for name in ("snippet", "title_html"):
        assert re.sub(r"</?mark>", "", hit[name]).count("<") == 0, hit[name]
    assert hit["snippet"].startswith("<mark>Vanilla</mark> &lt;b&gt;prices&lt;/b&gt; &amp; ")
    assert plain(hit["snippet"]) == html.unescape(STORIES[2]["body"])
    assert hit["title_html"].startswith("&lt;script&gt;alert(")
    assert plain(hit["title_html"]) == STORIES[2]["title"]
    assert marked(hit["title_html"]) == ["Vanilla"]


def test_a_5_mb_body_gets_a_bounded_snippet_even_for_a_word_at_its_end(archive):
    with archive.searcher() as searcher:
        assert len(searcher.document(id="hl-big")[schema.BODY]) > 4_500_000
    early = search(archive, "growers opened")["hl-big"]["snippet"]
    assert marked(early) == ["growers", "opened"] and len(early) < 600
    late = search(archive, "zanzibar")["hl-big"]["snippet"]
    assert marked(late) == ["Zanzibar"] and len(late) < 600
    assert plain(late) == "\u2026 " + BIG_TAIL


def test_article_page_marks_every_occurrence_and_keeps_paragraphs(archive):
    article = get_article(archive, "hl-en", "abidjan ivory")
    paragraphs = article["body_html"]
    assert len(paragraphs) == len(BODY.split("\n\n"))
    assert [marked(p) for p in paragraphs if "<mark>" in p] == [
        ["Ivory", "Abidjan"], ["Abidjan", "ivory"]]
    assert "\n\n".join(plain(p) for p in paragraphs) == BODY


def test_article_page_marks_the_first_200000_characters_and_escapes_the_rest(archive):
    text = ("Cocoa & <rain>.\n\n" + " ".join([FILLER_WORD] * (MAX_HIGHLIGHT_CHARS // 500))
            + "\n\nLate cocoa.")
    with archive.searcher() as searcher:
        analyzer = searcher.schema[schema.BODY_FIELDS["en"]].analyzer
    page = mark_words(text, frozenset({"cocoa"}), analyzer)
    assert page.startswith("<mark>Cocoa</mark> &amp; &lt;rain&gt;.\n\n")
    assert page.endswith("\n\nLate cocoa.") and page.count("<mark>") == 1
    assert plain(page) == text
