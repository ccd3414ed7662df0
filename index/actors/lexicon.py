"""One phrase table over every known name: places, nationalities, organisations and titles.

Matching a capitalised run against it finds the longest known phrase at each
position ("Democratic People's Republic of Korea" before "Korea"). Acronyms
match only as written ("US", "EC", "DPRK"); other phrases match whatever the
accents, case of inner words, or full stops ("St. Louis", "Organization").
Headlines in capitals use a smaller table without names that are also
everyday words ("US", "WHO", "Nice").
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from index.actors import aliases, gazetteer, words

PLACE, DEMONYM, ORG, TITLE = "place", "demonym", "org", "title"
_PRIORITY = {TITLE: 0, DEMONYM: 1, PLACE: 2, ORG: 3}


@dataclass(frozen=True)
class Entry:
    kind: str  # PLACE, DEMONYM (its place is `name`), ORG or TITLE
    name: str  # display name ("" for a title)
    town: bool = False  # a city's name, which may also be a given name ("Vladimir")


_SPELLINGS = (("organization", "organisation"), ("labor", "labour"),
              ("co-operation", "cooperation"), ("&", "and"), (".", ""), (",", ""))


_NORMS: dict[str, str] = {}


def norm(word: str) -> str:
    """The form words are compared in: accents, case, full stops and spelling variants blind.

    Works word by word, so a phrase's form is its words' forms joined by spaces.
    """
    folded = _NORMS.get(word)
    if folded is None:
        folded = gazetteer.fold(word).lower() if not word.isascii() else word.lower()
        for variant, standard in _SPELLINGS:
            if variant in folded:
                folded = folded.replace(variant, standard)
        if len(_NORMS) < 200_000:  # words recur across articles; the memo stays bounded
            _NORMS[word] = folded
    return folded


def norm_phrase(phrase: str) -> str:
    return " ".join(norm(word) for word in phrase.split())


@dataclass(frozen=True)
class Lexicon:
    exact: dict[str, Entry]  # acronyms, as written
    folded: dict[str, Entry]  # norm(phrase) -> entry
    caseless: dict[str, Entry]  # for text in capitals: norm(phrase) -> entry
    first_words: frozenset[str]  # norm() of the first word of every phrase
    longest: int  # words in the longest phrase

    def match(self, texts: list[str], keys: list[str], inner: list[str],
              start: int) -> tuple[int, Entry] | None:
        """The longest known phrase at `start`, as (number of words, entry).

        `texts` are the words as written, `keys` their norm() forms and `inner`
        the forms inside a phrase, where a possessive is part of the name
        ("People's Republic"); a phrase may end on a possessive ("Korea's").
        """
        if keys[start] not in self.first_words and texts[start] not in self.exact:
            return None
        for end in range(min(len(texts), start + self.longest), start, -1):
            entry = self.exact.get(" ".join(texts[start:end]))
            if entry is None:
                if end - start == 1 and aliases.is_acronym(texts[start]):
                    continue  # "WHO" is not "Who", "US" not "Us"
                entry = self.folded.get(" ".join(inner[start:end - 1] + [keys[end - 1]]))
            if entry is not None:
                return end - start, entry
        return None


def _add(table: dict[str, Entry], key: str, entry: Entry) -> None:
    old = table.get(key)
    if old is None or _PRIORITY[entry.kind] > _PRIORITY[old.kind]:
        table[key] = entry


@lru_cache(maxsize=1)
def load() -> Lexicon:
    places = gazetteer.load()
    exact: dict[str, Entry] = {}
    folded: dict[str, Entry] = {}
    for place in places.places.values():
        _add(folded, norm_phrase(place.name), Entry(PLACE, place.name, place.kind == "city"))
    for alias, name in places.aliases.items():
        target = places.place(name)
        entry = Entry(PLACE, target.name if target else name)
        if aliases.is_acronym(alias):
            _add(exact, alias, entry)
        else:
            _add(folded, norm_phrase(alias), entry)
    for demonym, name in places.demonyms.items():
        target = places.place(name)
        _add(folded, norm_phrase(demonym), Entry(DEMONYM, target.name if target else name))
    acronyms, variants = aliases.table()
    for acronym, display in acronyms.items():
        _add(exact, acronym, Entry(ORG, display))
    for variant, display in variants.items():
        _add(folded, norm_phrase(variant), Entry(ORG, display))
    for title in words.TITLES:
        _add(folded, norm_phrase(title), Entry(TITLE, ""))
        if title[-1].isalpha() and not title.endswith("s"):  # "Prime Ministers Zhao and Cavaco"
            _add(folded, norm_phrase(title + "s"), Entry(TITLE, "plural"))
    common = words.common_words()
    caseless = {key: entry for key, entry in folded.items()
                if entry.kind != TITLE and key not in common}
    for acronym, entry in exact.items():
        if norm(acronym) not in common and len(acronym.replace(".", "")) > 1:
            caseless.setdefault(norm_phrase(acronym), entry)
    keys = list(folded) + [norm_phrase(k) for k in exact]
    return Lexicon(exact, folded, caseless,
                   frozenset(k.split(" ")[0] for k in keys),
                   max(len(k.split(" ")) for k in keys))
