"""A capitalised run cut into chunks: known phrases, and stretches of unknown words.

The lexicon marks the phrases it knows (places, nationalities, organisations,
titles); the words between them form stretches. Organisations are then built
from the stretches by their head and suffix words ("Bank" + "of Japan",
"Commerce Group" + "Corp"), taking in known names they contain ("Federal
Reserve" + "Bank of New York"); a one-word town beside a name is taken for a
given name or surname ("Vladimir Putin", "Roger Douglas").
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from index.actors import gazetteer, words
from index.actors.lexicon import DEMONYM, ORG, PLACE, TITLE, Lexicon
from index.actors.tokens import Token

NAME, CONN = "name", "conn"
# Possessives that are part of an organisation's name ("Korean People's Army").
COLLECTIVES = frozenset("people peoples workers women children farmers citizens men "
                        "veterans consumers employees".split())


@dataclass
class Chunk:
    kind: str  # NAME, CONN, or a lexicon kind
    tokens: list[Token]
    name: str = ""  # display name of a known phrase
    possessive: bool = False
    town: bool = False
    seat: str = ""  # an organisation's place, from its name: "Bank of Japan" -> Japan


def text_of(tokens: list[Token]) -> str:
    """The words as written; a possessive inside a name keeps its 's ("People's Army")."""
    inner = [t.text + "'s" if t.possessive else t.text for t in tokens[:-1]]
    return " ".join(inner + [tokens[-1].text])


def split_run(run: list[Token], lexicon: Lexicon) -> list[Chunk]:
    """The chunks of one run, organisations and names already assembled."""
    texts = [t.text for t in run]
    keys = [t.key for t in run]
    inner = [t.key + "'s" if t.possessive else t.key for t in run]
    chunks: list[Chunk] = []
    i = 0
    while i < len(run):
        token = run[i]
        if token.key == "the" and not token.cap:  # "... and the Hague"
            found = lexicon.match(texts, keys, inner, i)
            if found and found[1].kind == PLACE:
                span = run[i:i + found[0]]
                chunks.append(Chunk(PLACE, span, found[1].name, span[-1].possessive))
                i += found[0]
                continue
        if not token.cap and not _particle_name(token):
            joins = token.key in words.NAME_PARTICLES and chunks and chunks[-1].kind == NAME \
                and not chunks[-1].possessive
            if token.text == "&" or joins:
                chunks[-1].tokens.append(token)  # "Procter & Gamble", "Perez de Cuellar"
                chunks[-1].kind = NAME
            else:
                chunks.append(Chunk(CONN, [token]))
            i += 1
            continue
        found = lexicon.match(texts, keys, inner, i)
        if found:
            size, entry = found
            span = run[i:i + size]
            chunks.append(Chunk(entry.kind, span, entry.name, span[-1].possessive, entry.town))
            i += size
            continue
        previous = chunks[-1] if chunks else None
        if previous and previous.kind == NAME and (
                not previous.possessive or previous.tokens[-1].key in COLLECTIVES):
            previous.tokens.append(token)
        else:
            chunks.append(Chunk(NAME, [token]))
        chunks[-1].possessive = token.possessive
        i += 1
    _given_names(chunks)
    find_orgs(chunks)
    return chunks


def _given_names(chunks: list[Chunk]) -> None:
    """A one-word town beside a name is part of the name: "Vladimir Putin", "Roger Douglas"."""
    i = 0
    while i < len(chunks):
        j = i
        while j < len(chunks) and (chunks[j].kind == NAME or _town_word(chunks[j])) \
                and not (j > i and chunks[j - 1].possessive):
            j += 1
        group = chunks[i:j]
        if len(group) > 1 and any(c.kind == NAME for c in group) \
                and group[-1].tokens[-1].key not in words.ORG_SUFFIXES:
            chunks[i:j] = [Chunk(NAME, [t for c in group for t in c.tokens], "",
                                 group[-1].possessive)]
        i += 1


def _town_word(chunk: Chunk) -> bool:
    return chunk.kind == PLACE and chunk.town and len(chunk.tokens) == 1


def _particle_name(token: Token) -> bool:
    head, _, tail = token.text.partition("-")
    return bool(tail) and head in words.NAME_PARTICLES and tail[:1].isupper()


def keys_of(chunk: Chunk) -> list[str]:
    return [t.key for t in chunk.tokens]


def _ends_org(chunk: Chunk) -> bool:
    keys = keys_of(chunk)
    return keys[-1] in words.ORG_SUFFIXES or any(t.text == "&" for t in chunk.tokens)


def _opens_org(chunk: Chunk) -> bool:
    """An organisation word that takes a complement: "Bank", "Ministry" (of ...)."""
    return keys_of(chunk)[-1] in words.ORG_HEADS


def all_portfolio(chunk: Chunk) -> bool:
    return all(k in words.PORTFOLIOS or k in words.CONNECTORS or k in words.TITLE_MODIFIERS
               for k in keys_of(chunk))


def _merge(chunks: list[Chunk], i: int, j: int, kind: str) -> None:
    """Chunks i..j-1 become one chunk of `kind`."""
    tokens = [t for c in chunks[i:j] for t in c.tokens]
    seat = next((c.name for before, c in zip(chunks[i:j], chunks[i + 1:j])
                 if c.kind == PLACE and before.kind == CONN
                 and before.tokens[-1].key in ("of", "for")), "")
    seat = seat or next((c.seat for c in chunks[i:j] if c.seat), "")
    chunks[i:j] = [Chunk(kind, tokens, "", chunks[j - 1].possessive, seat=seat)]


def find_orgs(chunks: list[Chunk]) -> None:
    """Make organisations of unknown stretches by their head and suffix words."""
    i = 0
    while i < len(chunks):
        chunk = chunks[i]
        # "Bank" + "of" + anything up to an office or a possessive: "Bank of Japan"
        if chunk.kind == NAME and _opens_org(chunk) and not chunk.possessive \
                and i + 2 < len(chunks) and chunks[i + 1].kind == CONN \
                and chunks[i + 1].tokens[0].key in ("of", "for", "on"):
            j = i + 2
            while j < len(chunks) and chunks[j].kind not in (TITLE, DEMONYM) \
                    and not _starts_another(chunks, j):
                j += 1
                if chunks[j - 1].possessive:
                    break
            while chunks[j - 1].kind == CONN:
                j -= 1
            _merge(chunks, i, j, ORG)
        elif chunk.kind == NAME and _ends_org(chunk) and not all_portfolio(chunk):
            chunk.kind = ORG
        i += 1
    # A known name, or an office word such as "General", right before an organisation
    # is part of its name: "Federal Reserve" + "Bank of New York", "Houston Natural Gas Corp".
    i = len(chunks) - 1
    while i > 0:
        chunk, before = chunks[i], chunks[i - 1]
        if _subsidiary(chunks, i):  # "General Motors" "of" "Canada" "Ltd"
            _merge(chunks, i - 3, i + 1, ORG)
            i -= 3
            continue
        if chunk.kind == ORG and not chunk.name and not before.possessive and (
                before.kind in (ORG, PLACE) or (before.kind == TITLE and len(before.tokens) == 1)
                or (before.kind == DEMONYM and not government_body(chunk))):
            _merge(chunks, i - 1, i + 1, ORG)
        i -= 1


@lru_cache(maxsize=4096)
def seat_of(name: str) -> str:
    """The place a known organisation is named for: "Bank of Japan" -> Japan."""
    _, of, place = name.rpartition(" of ")
    found = gazetteer.load().place(place) if of else None
    return found.name if found else ""


def _starts_another(chunks: list[Chunk], j: int) -> bool:
    """ "and the Bank of Japan", "and OPEC": an "and" that joins a second organisation."""
    if chunks[j].kind != CONN or chunks[j].tokens[0].key != "and" or j + 1 >= len(chunks):
        return False
    following = chunks[j + 1]
    return (following.kind == CONN and following.tokens[0].key == "the") \
        or following.kind == ORG or (following.kind == NAME and keys_of(following)[0]
                                     in words.ORG_HEADS)


def _subsidiary(chunks: list[Chunk], i: int) -> bool:
    """A company named for its country of business: "General Motors of Canada Ltd"."""
    if i < 3:
        return False
    chunk, place, conn, name = chunks[i], chunks[i - 1], chunks[i - 2], chunks[i - 3]
    return (chunk.kind == ORG and all(k in words.ORG_SUFFIXES for k in keys_of(chunk))
            and place.kind == PLACE and conn.kind == CONN and conn.tokens[0].key == "of"
            and name.kind in (NAME, ORG) and not name.possessive)


def government_body(chunk: Chunk) -> bool:
    return chunk.tokens[0].key in words.GOVERNMENT_WORDS
