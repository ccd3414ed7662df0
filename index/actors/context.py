"""What stands around a capitalised run: the cues that say what kind of name it is.

"press secretary Karoline Leavitt", "according to ...", ", said ..." before a
name, and "... said", "..., who", "..., 54," after it mark a person; a lower-case
office after it ("NYSE vice president") marks an organisation; "..., Mich."
marks a town; "the Reagan administration" a person again.
"""
from __future__ import annotations

from dataclasses import dataclass

from index.actors import words
from index.actors.gazetteer import load as load_gazetteer
from index.actors.tokens import Token


@dataclass(frozen=True)
class Context:
    """What stands around a run, for the cues."""
    person_before: bool  # "press secretary ...", "according to ...", ", said ..."
    person_after: bool  # "... said", "..., who", "..., 54,"
    org_after: bool  # "... vice president" in lower case: the run is an organisation
    place_after: str  # "..., Mich.": the run is a town of this place ("" when not)
    after_the: bool  # "the Hague"
    verb_after: bool = False  # "... said": what follows is a reporting verb
    exchange_after: bool = False  # "Frankfurt stock exchange", "the Paris bourse"


def context_of(tokens: list[Token], start: int, end: int) -> Context:
    """The cues around tokens[start:end]."""
    def at(i: int) -> Token | None:
        return tokens[i] if 0 <= i < len(tokens) else None

    before, before2 = at(start - 1), at(start - 2)
    after, after2 = at(end), at(end + 1)
    person_before = bool(before and before.word and not before.cap and (
        before.key in words.LOWER_TITLES
        or (before.key == "to" and before2 is not None and before2.key == "according")
        or (before.key in words.REPORTING_VERBS and before2 is not None
            and not before2.word)))
    verb_after = bool(after and after.word and not after.cap
                      and after.key in words.REPORTING_VERBS)
    person_after = bool(verb_after or (after and (
        (after.text == "," and after2 is not None and (
            after2.key in ("who", "whose") or after2.text.isdigit()
            or _title_follows(tokens, end + 1)))
        # "the Reagan administration", "the Thatcher government"
        or (before is not None and before.key == "the" and end - start == 1
            and not after.cap and after.key in words.LEADER_NOUNS))))
    exchange_after = bool(after and not after.cap and (
        after.key == "bourse" or (after.key == "stock" and after2 is not None
                                  and after2.key in ("exchange", "exchanges"))))
    org_after = bool(after and after.word and not after.cap and after.key in words.LOWER_TITLES)
    place_after = ""
    if after and after.text == "," and after2 is not None and after2.cap:
        following = at(end + 2)
        if following is None or not following.word or not following.cap:
            place_after = _state_country(after2.text)
    return Context(person_before, person_after, org_after, place_after,
                   bool(before and before.key == "the"), verb_after, exchange_after)


def _title_follows(tokens: list[Token], start: int) -> bool:
    """ "Smith, the bank's chief economist, said": an office within a few words after a comma."""
    for token in tokens[start:start + 6]:
        if not token.word:
            return False
        if not token.cap and token.key in words.LOWER_TITLES:
            return True
    return False


def _state_country(text: str) -> str:
    """ "Mich." or "Ontario" after a town's name: the country the town is in."""
    gazetteer = load_gazetteer()
    if text in gazetteer.abbreviations:
        return "United States"
    place = gazetteer.place(text)
    return place.country if place and place.kind in ("state", "region", "country") else ""
