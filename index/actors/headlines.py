"""Names in text without case cues: wire headlines in capitals, Title Case headlines.

Such text is matched only against names that need no capital to be known:
the lexicon's places, nationalities and organisations (less those that are
also everyday words: "US", "WHO"), and the people and organisations the body
of the same article established. Headline grammar marks a surname the body
never gave: after an office ("SEN DOLE"), after a body's possessive
("TREASURY'S BAKER"), or heading the headline before a verb ("VOLCKER SEES").
"""
from __future__ import annotations

from index.actors import lexicon as _lexicon
from index.actors import words
from index.actors.classify import PERSON, Mention
from index.actors.lexicon import Lexicon
from index.actors.normalise import org_stem
from index.actors.tokens import Token


Found = tuple[dict[str, float], dict[str, float], dict[str, float]]


def headline_mentions(tokens: list[Token], lexicon: Lexicon, found: Found) -> list[Mention]:
    """The mentions in one segment without case cues, given what the body established."""
    known = _known_names(found)
    texts = [t for t in tokens if t.word]
    keys = [t.key for t in texts]
    inner = [t.key + "'s" if t.possessive else t.key for t in texts]
    mentions: list[Mention] = []
    previous: tuple[str, bool] = ("", False)  # the kind of the last match, and its possessive
    i = 0
    while i < len(texts):
        hit, size = _caseless_match(texts, keys, inner, i, lexicon, known)
        if hit is not None:
            mentions.append(Mention(hit.kind, hit.name, texts[i].start, cue=True,
                                    words=hit.words))
            previous = (hit.kind, texts[i + size - 1].possessive)
            i += size
            continue
        if _headline_surname(tokens, texts, i, previous, lexicon):
            size = 1
            if previous[0] == "title":  # "SEN BOB DOLE": the name may have several words
                while size < 3 and i + size < len(texts) and _unknown_word(
                        texts[i + size], lexicon) and not texts[i + size - 1].possessive:
                    size += 1
            name = tuple(t.text.title() if t.text.isupper() else t.text
                         for t in texts[i:i + size])
            mentions.append(Mention(PERSON, " ".join(name), texts[i].start, cue=True,
                                    words=name))
            previous = ("", False)
            i += size
            continue
        previous = ("title", False) if _title_ends(keys, i, lexicon) else ("", False)
        i += 1
    return mentions


def _known_names(found: Found) -> dict[str, Mention]:
    """The body's people (by full name and surname) and organisations (with and without
    their legal form), by the form their words take in a headline."""
    persons, orgs, _places = found
    common = words.common_words()
    known: dict[str, Mention] = {}
    for name in persons:
        keys = [_lexicon.norm(w) for w in name.split(" ")]
        mention = Mention(PERSON, name, 0, words=tuple(name.split(" ")))
        known[" ".join(keys)] = mention
        if keys[-1] not in common:
            known.setdefault(keys[-1], mention)
    for name in orgs:
        known.setdefault(_lexicon.norm_phrase(name), Mention("org", name, 0))
        stem = org_stem(name)
        if stem and stem not in common:
            known.setdefault(stem, Mention("org", name, 0))
    return known


def _caseless_match(texts: list[Token], keys: list[str], inner: list[str], i: int,
                    lexicon: Lexicon, known: dict[str, Mention]) -> tuple[Mention | None, int]:
    """The longest name known at word i, and how many words it takes."""
    if keys[i] not in lexicon.first_words and texts[i].text not in lexicon.exact \
            and not any(k.startswith(keys[i]) for k in known):
        return None, 0
    for end in range(min(len(texts), i + lexicon.longest), i, -1):
        phrase = " ".join(inner[i:end - 1] + [keys[end - 1]])
        hit = known.get(phrase)
        if hit is None:
            entry = lexicon.caseless.get(phrase)
            written = " ".join(t.text for t in texts[i:end])
            if entry is None and "." in written:
                entry = lexicon.exact.get(written)  # "U.S.", "E.C."
            if entry is not None:
                hit = Mention("org" if entry.kind == "org" else "place", entry.name, 0)
        if hit is not None:
            return hit, end - i
    return None, 0


def _title_ends(keys: list[str], i: int, lexicon: Lexicon) -> bool:
    """Whether word i ends an office ("SEN", "TREASURY SECRETARY")."""
    for size in (1, 2, 3):
        if i - size + 1 >= 0:
            entry = lexicon.folded.get(" ".join(keys[i - size + 1:i + 1]))
            if entry is not None and entry.kind == "title":
                return True
    return False


def _unknown_word(word: Token, lexicon: Lexicon) -> bool:
    """A word that may be a surname: no everyday word, verb, month or known name."""
    key = word.key
    return (word.text.isalpha() and len(key) >= 3 and key not in words.common_words()
            and key not in words.MONTHS and key not in words.HEADLINE_VERBS
            and not (len(key) > 5 and key.endswith(("ed", "ing")))  # PLEASED, RESIGNING
            and lexicon.folded.get(key) is None)


def _headline_surname(tokens: list[Token], texts: list[Token], i: int,
                      previous: tuple[str, bool], lexicon: Lexicon) -> bool:
    """Whether headline grammar makes word i a surname; a ticker after it makes it a company."""
    word = texts[i]
    if not _unknown_word(word, lexicon):
        return False
    position = tokens.index(word)
    following = tokens[position + 1] if position + 1 < len(tokens) else None
    if following is not None and following.text == "<":
        return False  # a company with its ticker: "GENCORP <GY> SEES ..."
    kind, possessive = previous
    if kind == "title" or (possessive and kind in ("org", "place")):
        return following is None or following.word
    return i == 0 and following is not None and following.key in words.HEADLINE_VERBS


