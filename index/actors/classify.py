"""One capitalised run to mentions: who is a person, what an organisation, where a place.

The run's chunks (see `chunks`) are read with their neighbours, in the order a
reader would: portfolio words before an office belong to the office
("Treasury Secretary"); the words after an office are a person ("President
Vladimir Putin"); a nationality before a body of state names its owner
("North Korean Ministry of Foreign Affairs" is North Korea's); an unknown name
before a company office is the company ("Tenneco Chairman"). A stretch with no
such cue is kept only as a candidate, for the article-level pass in
`normalise` to confirm (the surname mentioned again) or drop.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from index.actors import words
from index.actors.aliases import canonical_org, is_acronym, known_org
from index.actors.chunks import (CONN, NAME, Chunk, all_portfolio, government_body, keys_of,
                                 seat_of, split_run, text_of)
from index.actors.context import Context
from index.actors.lexicon import DEMONYM, ORG, PLACE, TITLE, Lexicon
from index.actors.tokens import Token

PERSON, CANDIDATE, SINGLE = "person", "candidate", "single"
# Offices held in companies: an unknown name before one is the company ("Tenneco Chairman").
COMPANY_TITLES = frozenset(["chairman", "president", "chief executive", "vice president",
                            "vice chairman", "chief executive officer", "managing director",
                            "executive director", "general manager", "ceo", "spokesman",
                            "spokeswoman", "director"])


@dataclass
class Mention:
    kind: str  # "person", "org", "place", CANDIDATE (a possible person), SINGLE (one word)
    name: str
    start: int
    cue: bool = False  # a person cue: office, "said", "according to", ", who"
    country: str = ""  # for a place found by its ", State" context
    words: tuple[str, ...] = field(default=())


def _person_shaped(chunk: Chunk) -> bool:
    """Words that could be a person's name: no thing or organisation word, no acronym."""
    if len(chunk.tokens) > 5 or chunk.possessive and len(chunk.tokens) > 4:
        return False
    for token in chunk.tokens:
        if token.key in words.THING_WORDS or token.key in words.ORG_SUFFIXES:
            return False
        letters = token.text.replace(".", "").replace("-", "").replace("'", "")
        if token.cap and not letters.isalpha():
            return False
        if len(token.text) > 2 and token.text.isupper() and "." not in token.text:
            return False  # an acronym
    return True


def classify_run(run: list[Token], context: Context, lexicon: Lexicon,
                 lower_words: frozenset[str] | set[str]) -> list[Mention]:
    """The mentions in one capitalised run."""
    common = words.common_words()
    # A capital that opens a sentence is no cue: drop a leading everyday word ("Shares of ...").
    while run and run[0].initial and run[0].key not in words.TITLES and (
            run[0].key in common or run[0].key in lower_words
            or run[0].key in words.TITLE_MODIFIERS):
        texts = [t.text for t in run]
        keys = [t.key for t in run]
        if lexicon.match(texts, keys, keys, 0):
            break
        run = run[1:]
        while run and not run[0].cap:
            run = run[1:]
    if not run:
        return []
    chunks = split_run(run, lexicon)
    if context.after_the and chunks and chunks[0].kind == NAME:
        found = lexicon.match(["The"] + [t.text for t in chunks[0].tokens],
                              ["the"] + keys_of(chunks[0]), ["the"] + keys_of(chunks[0]), 0)
        if found and found[0] == len(chunks[0].tokens) + 1 and found[1].kind == PLACE:
            chunks[0] = Chunk(PLACE, chunks[0].tokens, found[1].name, chunks[0].possessive)
    return _read(chunks, context)


def _read(chunks: list[Chunk], context: Context) -> list[Mention]:
    """The chunks, left to right, with what stands before and after each."""
    mentions: list[Mention] = []
    office = False  # an office seen in this run still waits for its holder
    offices = False  # a plural office ("Prime Ministers") waits for several
    last = len(chunks) - 1
    for i, chunk in enumerate(chunks):
        start = chunk.tokens[0].start
        following = chunks[i + 1] if i < last else None
        if chunk.kind == CONN:
            continue
        if chunk.kind == TITLE:
            office = True
            offices = chunk.name == "plural"
            continue
        if chunk.kind == DEMONYM:
            mentions.append(Mention("place", chunk.name, start))
            if following and following.kind == ORG and government_body(following):
                following.name = f"{chunk.name}'s {canonical_org(text_of(following.tokens))}"
            continue
        if chunk.kind == PLACE:
            mentions.append(Mention("place", chunk.name, start))
            if i == last and context.exchange_after:
                exchange = known_org(f"{chunk.name} Stock Exchange")
                if exchange:
                    mentions.append(Mention("org", exchange, start))
            if chunk.possessive and following and following.kind == ORG \
                    and government_body(following):
                following.name = f"{chunk.name}'s {canonical_org(text_of(following.tokens))}"
            continue
        if chunk.kind == ORG:
            if following and following.kind == TITLE and all_portfolio(chunk):
                continue  # "Treasury Secretary"
            name = chunk.name or canonical_org(text_of(chunk.tokens))
            mentions.append(Mention("org", name, start))
            seat = chunk.seat or (chunk.name and seat_of(chunk.name))
            if seat:
                mentions.append(Mention("place", seat, start))
            continue
        # an unknown stretch of capitalised words
        if office and all_portfolio(chunk):
            continue  # "Minister of Mineral and Energy Affairs Louw Alberts": still waiting
        if following and following.kind == TITLE:
            if all_portfolio(chunk):
                continue  # "Finance" of "Finance Minister"
            title = " ".join(keys_of(following))
            if title in COMPANY_TITLES and not chunk.tokens[0].initial:
                mentions.append(Mention("org", canonical_org(text_of(chunk.tokens)), start))
            continue
        # "John Smith of Merrill Lynch Inc": a name before "of" and an organisation is a person
        of_org = (following is not None and following.kind == CONN and i + 2 <= last
                  and following.tokens[0].key == "of" and chunks[i + 2].kind == ORG)
        mentions.extend(_unknown(chunk, start, office or of_org, context, i == 0, i == last))
        office = offices
    return mentions


def _unknown(chunk: Chunk, start: int, office: bool, context: Context, is_first: bool,
             is_last: bool) -> list[Mention]:
    """An unknown stretch: a place by its suffix or ", State", else a person or candidate."""
    tokens = chunk.tokens
    while tokens and tokens[-1].key in words.NAME_PARTICLES and not tokens[-1].cap:
        tokens = tokens[:-1]  # "... Desjardins du" before a known "Quebec"
    while tokens and (tokens[0].key in words.TITLE_MODIFIERS
                      or (office and tokens[0].key in words.PORTFOLIOS and len(tokens) > 1)):
        tokens = tokens[1:]
    if not tokens:
        return []
    names = tuple(t.text for t in tokens)
    text = " ".join(names)
    if tokens[-1].key in words.PLACE_SUFFIXES and len(tokens) > 1:
        return [Mention("place", text, start)]
    if is_last and context.place_after and len(tokens) <= 3:
        return [Mention("place", text, start, country=context.place_after)]
    if not _person_shaped(Chunk(NAME, tokens)):
        return []
    before = office or (context.person_before and is_first)
    after = is_last and context.person_after
    if is_last and context.org_after and not before:
        return [Mention("org", canonical_org(text), start)]
    if len(tokens) == 1:
        token = tokens[0]
        if token.possessive and context.verb_after:
            return [Mention("org", canonical_org(text + "'s"), start)]  # "Moody's said"
        if (is_acronym(text) and not after) or token.key in words.MONTHS \
                or len(token.text.rstrip(".")) < 2:
            return []
        return [Mention(SINGLE, text, start, cue=before or after, words=names)]
    kind = PERSON if before or after else CANDIDATE
    return [Mention(kind, text, start, cue=before or after, words=names)]
