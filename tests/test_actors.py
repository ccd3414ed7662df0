"""Actor extraction: names found by rules, normalised, merged per article and with the source's."""
from __future__ import annotations

import gzip

import pytest

from index.actors import Actors, canonical_place, country_of, extract_actors
from index.actors.aliases import canonical_org
from index.actors.gazetteer import TABLE_PATH, build_table, format_table, same_country
from index.article import Draft
from index.readers.reuters import read_reuters
from index.reuters_codes import load_table
from index.text import clean_body, derive_title
from tests.conftest import REUTERS_000, SEED


def people(text: str, title: str = "") -> tuple[str, ...]:
    return extract_actors(title, text).people


def test_titles_and_honorifics_are_stripped():
    text = ("North Korean Supreme Leader Kim Jong Un spoke with Russian President Vladimir Putin. "
            "Treasury Secretary James Baker met Mr. Volcker and Dr. Anna Schmidt.")
    assert people(text) == ("Kim Jong Un", "Vladimir Putin", "James Baker", "Volcker",
                            "Anna Schmidt")


def test_a_surname_later_is_the_full_name_earlier():
    text = ("Russian President Vladimir Putin will meet Kim Jong Un. Putin, who spoke to Kim "
            "on Tuesday, said the talks went well.")
    assert people(text) == ("Vladimir Putin", "Kim Jong Un")


def test_nationalities_name_their_country():
    actors = extract_actors("", "North Korean troops, Russian officials, West German bankers, "
                                "American and U.S. firms met in the US capital.")
    assert actors.places == ("North Korea", "Russia", "West Germany", "United States")


def test_aliases_meet_under_one_display_name():
    actors = extract_actors("", "The Democratic People's Republic of Korea and the Russian "
                                "Federation signed. The DPRK said the European Community, the "
                                "IMF, GATT and OPEC were told; the EC and the Fed agreed with "
                                "the Federal Reserve Board.")
    assert actors.places == ("North Korea", "Russia")
    assert actors.organizations == ("European Community", "International Monetary Fund", "GATT",
                                    "OPEC", "Federal Reserve")


def test_organisation_names_agree_with_the_reuters_code_table():
    for (kind, _code), name in load_table().items():
        if kind in ("organizations", "exchanges"):
            assert canonical_org(name) == name.replace(",", ""), name
    assert canonical_org("International Coffee Organization") == "International Coffee Organisation"


def test_all_caps_headline_gives_no_case_cues_but_meets_the_body():
    actors = extract_actors("YEUTTER SEES U.S., JAPAN VERGING ON TRADE CONFLICT",
                            "U.S. Trade Representative Clayton Yeutter said talks would go on.")
    assert actors.people == ("Clayton Yeutter",)
    assert actors.places == ("United States", "Japan")
    assert actors.organizations == ()


def test_headline_grammar_marks_a_surname_the_body_lacks():
    assert people("", "TREASURY'S BAKER OPPOSES NEW TAX") == ("Baker",)
    assert people("", "VOLCKER SEES NO EVIDENCE OF RECOVERY") == ("Volcker",)
    assert people("", "GENCORP <GY> SEES HIGHER PROFIT") == ()


def test_sentence_initial_capitals_months_and_units_are_not_names():
    text = ("Showers continued throughout the week. Analysts said shares rose.\n\n"
            "Shr 54 cts vs 73 cts\n\nNet 3,080,000 vs 4,367,000\n\nPay May 11\n\n"
            "Record March 31. The company said on Friday it would pay. Reuter")
    assert extract_actors("", text) == Actors()


def test_organisation_suffixes_and_heads_make_organisations():
    actors = extract_actors("", "Commerce Group Corp said the Bank of Japan and the Korean "
                                "People's Army Council met officials of the Ministry of Foreign "
                                "Affairs. Commerce said it agreed.")
    assert actors.organizations == ("Commerce Group Corp", "Bank of Japan",
                                    "Korean People's Army Council", "Ministry of Foreign Affairs")
    assert actors.people == ()


def test_a_nationality_before_a_body_of_state_names_its_owner():
    actors = extract_actors("", "according to the North Korean Ministry of Foreign Affairs and "
                                "the Japanese Finance Ministry")
    assert actors.organizations == ("North Korea's Ministry of Foreign Affairs",
                                    "Japan's Finance Ministry")
    assert actors.places == ("North Korea", "Japan")


@pytest.mark.parametrize("place, country", [
    ("Anchorage", "United States"), ("Kursk", "Russia"), ("Bonn", "Germany"),
    ("Alaska", "United States"), ("Bogota", "Colombia"), ("Frankfurt", "Germany"),
    ("Ontario", "Canada"), ("Japan", "Japan"), ("West Germany", "West Germany"),
])
def test_a_place_maps_to_its_country(place, country):
    assert country_of(place) == country


def test_past_countries_meet_their_successors():
    assert same_country("Soviet Union", country_of("Moscow"))
    assert same_country("West Germany", "Germany")
    assert not same_country("Japan", "China")
    assert canonical_place("U.K.") == "United Kingdom"


def test_commas_never_appear_inside_names():
    given = Actors(("Baker, James",), ("New York Coffee, Sugar and Cocoa Exchange",),
                   ("Bonaire, Saint Eustatius",))
    actors = extract_actors("", "Grand Rapids, Mich. and Smith, Jones and Co Inc met.", given)
    names = actors.people + actors.organizations + actors.places
    assert names and not any("," in name for name in names)
    assert "New York Coffee Sugar and Cocoa Exchange" in actors.organizations


def test_given_actors_are_normalised_and_merged_with_the_text():
    given = Actors(("Reagan", "President Reagan"), ("IMF", "EC"), ("U.S.", "USSR"))
    actors = extract_actors("", "President Ronald Reagan met International Monetary Fund "
                                "officials in Moscow.", given)
    assert actors.people == ("Ronald Reagan",)
    assert actors.organizations == ("International Monetary Fund", "European Community")
    assert actors.places == ("United States", "Soviet Union", "Moscow")


def test_the_dateline_counts_as_a_place():
    assert extract_actors("X", "Y", dateline="WASHINGTON").places == ("Washington",)


def test_seed_article_without_its_boilerplate():
    body = clean_body(SEED.read_text("utf-8"))
    kept = [p for p in body.split("\n\n")
            if not (p.startswith("- ") or p == "Recommended Stories" or p.isupper())]
    body = "\n\n".join(kept)
    actors = extract_actors(derive_title(body), body)
    assert actors.people == ("Kim Jong Un", "Vladimir Putin", "Donald Trump",
                             "Volodymyr Zelensky", "Karoline Leavitt", "Byacheslav Volodin")
    assert set(actors.places) == {"North Korea", "Russia", "Ukraine", "Alaska", "Anchorage",
                                  "Kursk"}
    assert set(actors.organizations) == {"White House", "Korean People's Army",
                                         "North Korea's Ministry of Foreign Affairs"}


@pytest.fixture(scope="module")
def reuters_000() -> dict[str, Draft]:
    drafts = read_reuters(gzip.decompress(REUTERS_000.read_bytes()), REUTERS_000.name)
    return {d.native_id.rsplit(":", 1)[-1]: d for d in drafts if isinstance(d, Draft)}


@pytest.mark.parametrize("newid, surnames, orgs, places", [
    ("63", ["Wilson"], [], ["Canada"]),
    ("348", ["Brodersohn", "Baker", "Volcker", "Camdessus"], ["International Monetary Fund"],
     ["Argentina", "United States"]),
    ("351", ["Sumita", "Nakasone"], ["OECD"], ["Japan"]),
    ("357", ["Balladur"], [], ["France"]),
    ("239", [], ["World Bank"], ["China", "Japan"]),
])
def test_reuters_stories_yield_their_hand_tags(reuters_000, newid, surnames, orgs, places):
    draft = reuters_000[newid]
    actors = extract_actors(draft.title, draft.body)  # the hand tags withheld
    for surname in surnames:
        assert any(p.split()[-1] == surname for p in actors.people), (surname, actors.people)
    assert set(orgs) <= set(actors.organizations)
    for place in places:
        assert any(same_country(country_of(p), place) for p in actors.places), place


def test_no_name_from_a_reuters_file_has_a_comma(reuters_000):
    for draft in list(reuters_000.values())[:300]:
        actors = extract_actors(draft.title, draft.body)
        assert not any("," in n for n in actors.people + actors.organizations + actors.places)


def test_committed_gazetteer_is_what_the_package_gives():
    assert TABLE_PATH.read_text("utf-8") == format_table(build_table()), \
        "run python scripts/build_gazetteer.py"
