"""Quotes and speakers: each attribution shape, scare quotes, run-on quotes, the seed article."""
from __future__ import annotations

import pytest

from index.article import Article, Quote
from index.pipeline import finish
from index.quotes import extract_quotes, speaker_name
from index.readers.plaintext import read_text
from tests.conftest import SEED

PEOPLE = ("Karoline Leavitt", "Vladimir Putin", "Kim Jong Un", "Donald Trump")
STATEMENT = "We will not accept any deal that ignores the workers"


def only_quote(body: str, people: tuple[str, ...] = ()) -> Quote:
    quotes = extract_quotes(body, people)
    assert len(quotes) == 1, quotes
    return quotes[0]


@pytest.mark.parametrize("body, speaker", [
    (f"\u201c{STATEMENT},\u201d the ministry said.", "ministry"),
    (f'"{STATEMENT}," Leavitt said on Tuesday.', "Karoline Leavitt"),
    (f'"{STATEMENT}," Leavitt also told reporters.', "Karoline Leavitt"),
    (f'Leavitt said: "{STATEMENT}."', "Karoline Leavitt"),
    (f'"{STATEMENT}," said White House press secretary Karoline Leavitt.', "Karoline Leavitt"),
    (f'"{STATEMENT}," said Foreign Minister Sergei Lavrov on Monday.', "Sergei Lavrov"),
    (f'"{STATEMENT}," according to the Korean Central News Agency.',
     "Korean Central News Agency"),
    (f'According to Putin, "{STATEMENT}."', "Vladimir Putin"),
    (f'"{STATEMENT}," said Jack Kirnan of Kidder Peabody and Co.', "Jack Kirnan"),
    (f'"{STATEMENT}," Steven Rales, Danaher chairman, said.', "Steven Rales"),
    (f'"{STATEMENT}," Patrick de Saint-Aignan, a director of swaps, said.',
     "Patrick de Saint-Aignan"),
    (f'"{STATEMENT}," Sen. David Boren (D-Okla.) said.', "David Boren"),
    (f'"{STATEMENT}," said Commerzbank\'s Pfister.', "Pfister"),
    (f'North Korea, in turn, vowed to "{STATEMENT}."', "North Korea"),
    (f'Giles Keating, economist with Credit Suisse in London said "{STATEMENT}."', "Giles Keating"),
    (f'It quoted Khomeini as saying: "{STATEMENT}."', "Khomeini"),
    (f'\u201e{STATEMENT}\u201c, sagte Merkel.', "Merkel"),
    (f'"{STATEMENT}," one dealer said.', "dealer"),
    (f'"{STATEMENT}," it said.', ""),
    (f'"{STATEMENT}." The readout did not mention the summit.', ""),
])
def test_attribution_shapes(body, speaker):
    quote = only_quote(body, PEOPLE)
    assert quote.text.startswith(STATEMENT) and not quote.text.endswith(",")
    assert quote.speaker == speaker


def test_scare_quotes_are_not_statements():
    body = ("Putin spoke on the 80th anniversary of North Korea\u2019s \u201cliberation,\u201d "
            "calling it a \u201cgreat victory\u201d for the two countries.")
    assert extract_quotes(body, PEOPLE) == ()


def test_continuation_in_the_same_paragraph_keeps_the_speaker():
    body = ('"Only one party is going to be present," Leavitt said. '
            '"The president has always said he wants a peace deal."')
    assert [q.speaker for q in extract_quotes(body, PEOPLE)] == ["Karoline Leavitt"] * 2


def test_quote_running_over_paragraphs_keeps_the_speaker():
    body = ('The report said, "The government continues to promote sugarcane production.\n\n'
            '"However, farmers are reluctant to plant cane because returns are poor."\n\n'
            '"This is a separate statement by nobody in particular."')
    assert [q.speaker for q in extract_quotes(body)] == ["report", "report", ""]


def test_colon_at_paragraph_end_introduces_the_next_quote():
    body = 'Thomas said:\n\n"It is clear that the plans will not meet the standards."'
    assert only_quote(body).speaker == "Thomas"


def test_pronoun_is_the_person_named_last():
    body = ("Trump met Putin in Anchorage on Friday.\n\n"
            "Putin praised the talks.\n\n"
            '"We have reached an understanding on many issues," he said.')
    assert only_quote(body, PEOPLE).speaker == "Vladimir Putin"
    without_people = 'Putin said the talks went well. "We have reached an understanding," he said.'
    assert only_quote(without_people).speaker == "Putin"


@pytest.mark.parametrize("before", [
    "The Finance Ministry said the loans were safe.",  # an organisation is no "he"
    "Bankers said the loans were safe, and other bankers agreed.",  # a plural, not a name
])
def test_pronoun_without_a_named_person_stays_unknown(before):
    assert only_quote(f'{before} "There is no risk at all here," he said.').speaker == ""


def test_speaker_names():
    assert speaker_name("White House press secretary Karoline Leavitt") == "Karoline Leavitt"
    assert speaker_name("Secretary of State George Shultz") == "George Shultz"
    assert speaker_name("the North Korean Ministry of Foreign Affairs") == \
        "North Korean Ministry of Foreign Affairs"
    assert speaker_name("Kim", PEOPLE) == "Kim Jong Un"
    assert speaker_name("Kim", ("Kim Jong Un", "Kim Yo Jong")) == "Kim"  # ambiguous: as written
    assert speaker_name("Endotronics said the notice") == ""


def test_seed_article_quotes_through_the_pipeline():
    draft = next(read_text(SEED.read_text("utf-8"), str(SEED)))
    article = next(r for r in finish(draft) if isinstance(r, Article))
    by_text = {q.text: q.speaker for q in article.quotes}
    listening = next(t for t in by_text if "listening exercise" in t)
    assert listening.startswith("I think this is a listening exercise for the president.")
    assert listening.endswith("is going to be present")
    assert by_text[listening] == "Karoline Leavitt"
    follow_on = next(t for t in by_text if t.startswith("The president has always said"))
    assert by_text[follow_on] == "Karoline Leavitt"
    assert any(s == "ministry" for s in by_text.values())
    assert not any("liberation" == t for t in by_text)
