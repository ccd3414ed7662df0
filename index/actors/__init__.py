"""Actors: the people, organisations and places an article is about.

`extract_actors` reads the title and body with rules rather than a statistical
model, so it runs on every article of a bulk reindex (about a millisecond
for a wire story) and finds names it has never seen: capitalised
runs (tokens), cut and classified by cue words and known names (classify,
lexicon, gazetteer, aliases), then merged per article and normalised
(normalise). Text in capitals or Title Case, such as wire headlines, is
matched only against known names and the names the body established.

Modules: tokens (words, sentence starts, capitalised runs), lexicon (one
phrase table over all known names), gazetteer (places and their countries),
aliases (organisations' display names), words (cue words), chunks (a run cut
into known phrases and unknown stretches), context (the cues around a run),
classify (a run to mentions), headlines (text without case cues), normalise
(mentions to actors), given (merged with those the source gave).
"""
from __future__ import annotations

from dataclasses import dataclass

from index.actors import lexicon as _lexicon
from index.actors import words
from index.actors.classify import Mention, classify_run
from index.actors.context import context_of
from index.actors.gazetteer import canonical_place, country_of, load as _load_gazetteer
from index.actors.headlines import headline_mentions
from index.actors.lexicon import Lexicon
from index.actors.given import merge_given
from index.actors.normalise import resolve
from index.actors.tokens import Token, is_caseless, runs, tokenize

__all__ = ["Actors", "extract_actors", "canonical_place", "country_of"]


@dataclass(frozen=True)
class Actors:
    people: tuple[str, ...] = ()
    organizations: tuple[str, ...] = ()
    places: tuple[str, ...] = ()


def extract_actors(title: str, body: str, given: Actors = Actors(), dateline: str = "") -> Actors:
    """Actors found in the text, merged with those the source gave, normalised.

    Each list is de-duplicated, in display names without commas: the source's
    actors first, then the text's by first mention. `dateline`, the place a
    wire story was filed from ("Tokyo"), counts as a place mentioned first:
    Reuters' own place tags follow it.
    """
    lexicon = _lexicon.load()
    segments = _segments(title, body)
    lower_words = {t.key for tokens, caseless in segments if not caseless
                   for t in tokens if t.word and not t.cap}
    mentions: list[Mention] = []
    for tokens, caseless in segments:
        if not caseless:
            mentions.extend(_mixed_case(tokens, lexicon, lower_words))
    for dateline_place in _dateline(dateline):
        mentions.append(Mention("place", dateline_place, -1))
    found = resolve(mentions, lower_words)
    in_headlines = [m for tokens, caseless in segments if caseless
                    for m in headline_mentions(tokens, lexicon, found)]
    if in_headlines:
        found = resolve(mentions + in_headlines, lower_words)
    people, organizations, places = merge_given(found, given.people, given.organizations,
                                                given.places)
    return Actors(people, organizations, places)


def _dateline(dateline: str) -> list[str]:
    """The places of a dateline: "WASHINGTON"; "Boca Raton, Fla." -> Boca Raton and Florida.

    A region after the comma (a state, province or country) is kept as a place
    too, so a town too small for the gazetteer still lands in its country.
    """
    name, _, region = (part.strip() for part in dateline.partition(","))
    if name.isupper():
        name = name.title()
    places = []
    gazetteer = _load_gazetteer()
    if gazetteer.place(name):
        places.append(canonical_place(name))
    else:
        parts = name.split()
        if 0 < len(parts) <= 4 and all(w[:1].isupper() and w.replace(".", "").replace("-", "")
                                       .isalpha() for w in parts):
            places.append(name)
    region = gazetteer.abbreviations.get(region, region)
    if region and gazetteer.place(region):
        places.append(canonical_place(region))
    return places


def _segments(title: str, body: str) -> list[tuple[list[Token], bool]]:
    """Title and body lines as (tokens, caseless); offsets run through title then body."""
    segments = []
    offset = 0
    for number, line in enumerate([title] + body.split("\n")):
        if line.strip():
            tokens = tokenize(line, offset)
            segments.append((tokens, is_caseless(tokens, headline=number == 0)))
        offset += len(line) + 1
    return segments


def _mixed_case(tokens: list[Token], lexicon: Lexicon, lower_words: set[str]) -> list[Mention]:
    mentions = []
    common = words.common_words()
    for start, end in runs(tokens):
        first = tokens[start]
        if end - start == 1 and first.initial and first.key in common \
                and first.key not in lexicon.first_words and first.text not in lexicon.exact:
            continue  # "The", "He", "Analysts": the commonest run of all, and no name
        mentions.extend(classify_run(tokens[start:end], context_of(tokens, start, end),
                                     lexicon, lower_words))
    return mentions


