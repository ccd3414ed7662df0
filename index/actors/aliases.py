"""Organisations' display names: one name for the variants and acronyms of one body.

The display names of the Reuters code table (index/data/reuters_codes.tsv) are
known, so that an organisation extracted from the text and one a source
tagged meet ("International Coffee Organization" in the copy is the tag's
"International Coffee Organisation"). `data/organizations.tsv` adds curated
variants ("EC", "Common Market" -> European Community). Acronyms match only as
written in capitals, so "Fed" and "FED" do but the word "who" never does.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from index.reuters_codes import load_table

_PATH = Path(__file__).with_name("data") / "organizations.tsv"
_SPELLINGS = (("organization", "organisation"), ("labor", "labour"),
              ("co-operation", "cooperation"), ("&", " and "), (",", " "), (".", ""))
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)


def key(name: str) -> str:
    """The spelling-blind form under which variants of one name meet."""
    folded = _LEADING_THE.sub("", name).lower()
    for variant, standard in _SPELLINGS:
        folded = folded.replace(variant, standard)
    return " ".join(folded.split())


def is_acronym(name: str) -> bool:
    letters = name.replace(".", "").replace("-", "")
    return len(letters) >= 2 and letters.isalnum() and letters.upper() == letters \
        and not letters.isdigit()


def tidy(name: str) -> str:
    """No commas (they separate values in the index), single spaces."""
    return " ".join(name.replace(",", " ").split())


@lru_cache(maxsize=1)
def table() -> tuple[dict[str, str], dict[str, str]]:
    """(acronyms as written -> display name, other variants as written -> display name)."""
    pairs = [(display, display) for (kind, _code), display in load_table().items()
             if kind in ("organizations", "exchanges")]
    for line in _PATH.read_text("utf-8").splitlines():
        if line and not line.startswith("#"):
            alias, display = line.split("\t")
            pairs += [(alias, display), (display, display)]
    acronyms: dict[str, str] = {}
    variants: dict[str, str] = {}
    for alias, display in pairs:
        # "OPEC", and short names such as "Fed" or "Amex", match only as written.
        if is_acronym(alias) or (alias[:1].isupper() and alias[1:].islower() and len(alias) <= 4):
            acronyms.setdefault(alias, tidy(display))
        else:
            variants.setdefault(alias, tidy(display))
    return acronyms, variants


@lru_cache(maxsize=1)
def _by_key() -> dict[str, str]:
    return {key(alias): display for alias, display in table()[1].items()}


@lru_cache(maxsize=20_000)
def known_org(name: str) -> str:
    """The display name of a known organisation, or "" when the name is not in the tables."""
    acronyms = table()[0]
    if name in acronyms:
        return acronyms[name]
    if is_acronym(name):  # "WHO" must not meet "Who", nor "ec" meet "EC"
        return ""
    return _by_key().get(key(name), "")


_EXCHANGE = re.compile(r"^(?:(?P<city>.+) (?:Bourse|Stock Market)|Stock Exchange of (?P<of>.+))$",
                       re.IGNORECASE)


@lru_cache(maxsize=20_000)
def canonical_org(name: str) -> str:
    """The display name of an organisation: the tables' name when known, else the name tidied.

    A city's bourse is its stock exchange ("Paris Bourse", "Stock Exchange of
    Hong Kong" -> Paris Stock Exchange, Hong Kong Stock Exchange) when the
    tables know that exchange.
    """
    name = tidy(_LEADING_THE.sub("", name))
    found = known_org(name)
    if not found and (match := _EXCHANGE.match(name)):
        found = known_org(f"{match.group('city') or match.group('of')} Stock Exchange")
    return found or name
