"""An article's mentions to its actors: one display name per person, organisation and place.

Within one article a person is named in full once and by surname after
("Vladimir Putin" ... "Putin"): a one-word mention joins the full name it
ends (or, for names written family name first, begins: "Kim" is "Kim Jong
Un"). A one-word mention that joins nobody stays a person only with a cue
("Volcker said"); a multi-word name without a cue only when the article
names it again by one of its words. Organisations meet under their display
names, places under theirs. Names never contain commas: they separate values
in the index.
"""
from __future__ import annotations

import re
from functools import lru_cache

from index.actors import words
from index.actors.aliases import key as org_key, known_org, tidy as tidy_org
from index.actors.classify import CANDIDATE, PERSON, SINGLE, Mention
from index.actors.gazetteer import canonical_place
from index.actors.lexicon import norm

_LEGAL_FORMS = frozenset("inc incorporated corp corporation co cos company ltd limited plc llc "
                         "ag sa nv bv gmbh spa ab holdings group".split())
_POSSESSIVE = re.compile(r"['\u2019]s$")


def tidy(name: str) -> str:
    """One line, no commas, no possessive, no stray punctuation at the ends."""
    name = " ".join(name.replace(",", " ").split())
    name = _POSSESSIVE.sub("", name)
    return name.strip(" -;:'\"\u201c\u201d()[]")


def strip_title(name: str) -> str:
    """ "President Vladimir Putin" -> "Vladimir Putin", "Mr. Baker" -> "Baker"."""
    tokens = tidy(name).split(" ")
    while len(tokens) > 1:
        for size in (3, 2, 1):
            head = " ".join(t.lower() for t in tokens[:size])
            if size < len(tokens) and (head in words.TITLES or head.rstrip(".") in words.TITLES):
                tokens = tokens[size:]
                break
        else:
            break
    return " ".join(tokens)


@lru_cache(maxsize=20_000)
def _word_keys(name: str) -> tuple[str, ...]:
    return tuple(norm(w) for w in name.split(" "))


class People:
    """Full names in order of first mention, and the one-word mentions they absorb."""

    def __init__(self) -> None:
        self.first_seen: dict[str, float] = {}

    def add_full(self, name: str, position: float) -> str:
        """Record a name; returns the name it is kept under (a longer variant wins)."""
        keys = _word_keys(name)
        for known in list(self.first_seen):
            known_keys = _word_keys(known)
            if _contains(known_keys, keys) or (keys[0] == known_keys[0]
                                               and keys[-1] == known_keys[-1]):
                self.first_seen[known] = min(self.first_seen[known], position)
                return known
            if _contains(keys, known_keys):  # "Kim Jong" then "Kim Jong Un": keep the longer
                self.first_seen[name] = min(self.first_seen.pop(known), position)
                return name
        self.first_seen[name] = position
        return name

    def kept_as(self, name: str) -> str:
        """The name under which a name given earlier is kept now."""
        if name in self.first_seen:
            return name
        if " " not in name:
            return self.owner(name) or name
        keys = _word_keys(name)
        return next((known for known in self.first_seen
                     if _contains(_word_keys(known), keys)
                     or (_word_keys(known)[0], _word_keys(known)[-1]) == (keys[0], keys[-1])),
                    name)

    def owner(self, word: str) -> str:
        """The full name a one-word mention stands for ("" when none)."""
        key = norm(word)
        by_last = [n for n in self.first_seen if _word_keys(n)[-1] == key]
        if by_last:
            return by_last[0]
        by_first = [n for n in self.first_seen
                    if len(n.split(" ")) > 1 and _word_keys(n)[0] == key]
        return by_first[0] if len(by_first) == 1 else ""


def _contains(longer: tuple[str, ...], shorter: tuple[str, ...]) -> bool:
    size = len(shorter)
    return size <= len(longer) and any(longer[i:i + size] == shorter
                                       for i in range(len(longer) - size + 1))


def org_stem(name: str) -> str:
    """A name without its legal form, so "Callon Petroleum Co" is "Callon Petroleum"."""
    keys = org_key(name).split(" ")
    while len(keys) > 1 and keys[-1] in _LEGAL_FORMS:
        keys.pop()
    return " ".join(keys)


def resolve(mentions: list[Mention], lower_words: frozenset[str] | set[str]
            ) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """People, organisations and places with their first positions."""
    people = People()
    orgs: dict[str, float] = {}
    org_stems: dict[str, str] = {}
    places: dict[str, float] = {}
    mentions = sorted(mentions, key=lambda m: m.start)
    for mention in mentions:
        if mention.kind == "org":
            _add_org(orgs, org_stems, mention.name, mention.start)
        elif mention.kind == "place":
            name = canonical_place(tidy(mention.name))
            places.setdefault(name, mention.start)
            if mention.country:
                places.setdefault(mention.country, mention.start)
    _confirm_candidates(mentions, people, orgs)
    common = words.common_words()
    for mention in mentions:
        if mention.kind not in (SINGLE, PERSON) or len(mention.words) != 1:
            continue
        word = tidy(mention.words[0])
        owner = people.owner(word)
        if owner:
            people.first_seen[owner] = min(people.first_seen[owner], mention.start)
        elif _org_word(word, orgs):
            continue
        elif mention.cue and norm(word) not in common and norm(word) not in lower_words \
                and canonical_place(word) not in places:
            people.add_full(word, mention.start)
    persons = {n: p for n, p in people.first_seen.items() if n not in places and n not in orgs}
    return persons, orgs, places


def _confirm_candidates(mentions: list[Mention], people: People, orgs: dict[str, float]) -> None:
    """A name without a cue is a person when the article names it again by one of its words.

    A name that begins an organisation's name ("Jardine Matheson" of "Jardine
    Matheson Holdings Ltd") is that organisation again, cue or not.
    """
    org_keys = [_word_keys(name) for name in orgs]
    singles = {norm(m.words[0]) for m in mentions if m.kind in (SINGLE, PERSON)
               and len(m.words) == 1} - {keys[0] for keys in org_keys}
    for mention in mentions:
        if mention.kind not in (CANDIDATE, PERSON) or len(mention.words) < 2:
            continue
        keys = _word_keys(" ".join(mention.words))
        if any(org[:len(keys)] == keys and len(org) > len(keys) for org in org_keys):
            continue
        if mention.kind == PERSON or keys[-1] in singles or keys[0] in singles:
            people.add_full(strip_title(" ".join(mention.words)), mention.start)


def _generic(name: str) -> bool:
    """ "Co Inc", "Holdings Plc", "Stock Exchange": organisation words naming no one body."""
    if known_org(name):
        return False
    common = words.common_words()
    return all(k in words.ORG_SUFFIXES or k in common or k in words.ORG_HEADS
               for k in (norm(w) for w in name.split(" ")))


def _add_org(orgs: dict[str, float], stems: dict[str, str], name: str, position: float) -> None:
    name = tidy_org(name)
    if not name or _generic(name):
        return
    stem = org_stem(name)
    known = stems.get(stem)
    if known:
        orgs[known] = min(orgs[known], position)
        return
    stems[stem] = name
    orgs[name] = position


def _org_word(word: str, orgs: dict[str, float]) -> bool:
    """ "Callon" after "Callon Petroleum Co", "ICO" after "... (ICO)": the organisation again."""
    key = norm(word)
    return any(_word_keys(name)[0] == key for name in orgs)
