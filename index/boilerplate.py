"""Boilerplate removal: keep the paragraphs that belong to the article itself.

Scraped archives carry page furniture into the text: blocks of links to other
stories under a "Recommended Stories" heading, share/subscribe/newsletter and
cookie lines, "Advertisement", copyright and photo-credit lines, and other
stories' headlines dropped between paragraphs. Left in, they put other
stories' names among the article's actors and in its snippets.

The rules look at whole paragraphs (a scraper's lines) and are conservative:
losing article text is worse than keeping a stray line. Phrases live in
index/data/boilerplate.tsv (several languages); shapes that are not a fixed
phrase (credits, copyright lines, stray headlines) are regular expressions
here. A stray headline is only recognised inside mixed-case prose, so wire
copy with upper-case tables and tickers (Reuters-21578) comes through whole.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

PHRASES = Path(__file__).parent / "data" / "boilerplate.tsv"
MAX_PREFIX_LINE = 600  # a cookie notice runs to a few sentences; an article paragraph can be longer
MAX_LINK_LINE = 200
MAX_LINKS = 20
MAX_CREDIT_LINE = 300
MIN_TITLE_CASE_WORDS = 8

_BULLET = re.compile(r"^[-\u2013\u2014\u2022\u00b7*\u203a\u00bb\u25b8\u25ba]\s*")
_TRAILER = r"[\s:\u00bb>\u203a\u2026.]*"  # "Read more »", "Related:", "Continue reading…"
_SHARE_WORDS = frozenset("facebook twitter x linkedin email e-mail whatsapp pinterest reddit "
                         "telegram messenger flipboard tumblr print share copy link sms".split())
_RULES = [re.compile(p, re.IGNORECASE) for p in (
    # copyright: "© 2025 Reuters", "Copyright 2024 The Associated Press", "All rights reserved."
    r"^(?:\u00a9|\(c\)\s*\d{4}|copyright\s*(?:\u00a9|\(c\)|\d{4}))",
    r"\ball rights reserved\b",
    # photo credits: "Photo: Evan Vucci/AP", "(Photo by John Doe/Getty Images)",
    # "Image source, Getty Images", "John Doe/AP"
    r"^\(?\s*(?:photo|photograph|photos|image|picture|credit|foto|fotos|bild|imagem|immagine)"
    r"(?:\s+credit)?\s*(?::|by\s)",
    r"^(?:image source|image caption|media caption|photo credit)\b",
    r"\((?:[^()]*\b(?:photo|getty images|shutterstock)\b[^()]*)\)\s*$",
    r"^[^.!?]{0,80}/\s*(?:getty images|ap photo|ap|afp|epa|shutterstock|reuters)"
    r"\s*(?:/\s*file)?\s*$",
    # "Follow Jane Doe on Twitter.", "Follow @janedoe on X"
    r"^follow\s+(?:@?\w+\s+){1,4}on\s+(?:twitter|x|facebook|instagram|linkedin|threads|bluesky)\b",
    # a line that promotes a newsletter: "The Morning: get it in your inbox. Sign up."
    r"\bnewsletter\b.*\b(?:sign up|subscribe|inbox)\b|\b(?:sign up|subscribe)\b.*\bnewsletter\b",
    r"^\d{1,2}\s*min(?:ute)?s?\s+read$",
    r"(?:story|article) continues below\b",  # also glued: "Advertisement 1Story continues below"
    r"^(?:e-?mail|contact)\s*:?\s*\S+@\S+$",  # a reporter's address
    # affiliate disclosures: "Postmedia may earn an affiliate commission from purchases"
    r"\b(?:may|might|can) (?:earn|receive|get) (?:an? )?(?:small )?(?:affiliate )?commission\b",
    r"^(?:additional\s+)?reporting by\b.*\bediting by\b",  # wire credits
)]
_CAPITALISED = re.compile(r"^[A-Z\u00c0-\u00de]")
_WORD = re.compile(r"[^\W\d_][\w\u2019'-]*")


def _phrase_pattern(phrase: str) -> str:
    return r"\s+".join(re.escape(word) for word in phrase.split())


@lru_cache(maxsize=1)
def _phrases() -> dict[str, re.Pattern]:
    """One regular expression per kind of phrase, from index/data/boilerplate.tsv."""
    kinds: dict[str, list[str]] = {"heading": [], "line": [], "prefix": []}
    for raw in PHRASES.read_text("utf-8").splitlines():
        if raw.strip() and not raw.startswith("#"):
            kind, phrase = raw.split("\t", 1)
            kinds[kind].append(_phrase_pattern(phrase.strip()))
    whole = r"^(?:{})" + _TRAILER + "$"
    # A prefix ending in a word needs a word boundary ("subscribe to" but not "subscribers").
    prefix = r"^(?:{})(?:(?<=\W)|\b)"
    return {"heading": re.compile(whole.format("|".join(kinds["heading"])), re.IGNORECASE),
            "line": re.compile(whole.format("|".join(kinds["line"])), re.IGNORECASE),
            "prefix": re.compile(prefix.format("|".join(kinds["prefix"])), re.IGNORECASE)}


def _key(text: str) -> str:
    """A line as compared with the other stories' links: no bullet, case or spacing."""
    return " ".join(_BULLET.sub("", text).casefold().split()).strip(" .:;,!?\"'\u201c\u201d")


def is_block_heading(paragraph: str) -> bool:
    return len(paragraph) <= 60 and bool(_phrases()["heading"].match(paragraph.strip()))


def is_link_line(paragraph: str) -> bool:
    """A short line under a related-stories heading: a bullet, or a headline with no full stop."""
    line = paragraph.strip()
    if not line or len(line) > MAX_LINK_LINE:
        return False
    return bool(_BULLET.match(line)) or line[-1] not in ".:;,"


def is_boilerplate_line(paragraph: str) -> bool:
    """A paragraph that is page furniture on its own: share, subscribe, cookie, credit lines."""
    line = _BULLET.sub("", paragraph.strip())
    phrases = _phrases()
    if phrases["line"].match(line):
        return True
    if len(line) <= MAX_PREFIX_LINE and phrases["prefix"].match(line):
        return True
    words = line.casefold().replace("|", " ").split()
    if words and all(word in _SHARE_WORDS for word in words):
        return True
    return len(line) <= MAX_CREDIT_LINE and any(rule.search(line) for rule in _RULES)


def _is_prose(paragraph: str) -> bool:
    """A real paragraph: a long mixed-case sentence that ends like one."""
    if len(paragraph) < 60 or paragraph.rstrip()[-1:] not in ".!?\"'\u201d\u2019)":
        return False
    letters = list(filter(str.isalpha, paragraph))  # builtins in C: this runs on every paragraph
    return sum(map(str.islower, letters)) >= 0.6 * len(letters)


def _looks_like_headline(paragraph: str) -> bool:
    """All capitals (five words or more) or Title Case in every long word (eight or more),
    with no final stop."""
    line = paragraph.strip()
    words = _WORD.findall(line)
    if not 5 <= len(words) <= 25 or len(line) > 160 or line[-1] in ".!?:;,-\u2013\u2014":
        return False
    letters = [c for c in line if c.isalpha()]
    if not (line[0].isalnum() or line[0] in "\"'\u2018\u201c") or (
            len(letters) < 0.75 * len(line.replace(" ", ""))):  # "(SEE PAGE ...)", price tables
        return False
    if len(letters) >= 10 and sum(c.isupper() for c in letters) >= 0.9 * len(letters):
        return True
    # Title Case needs more words: an article's own sub-headings ("What All the Terms Mean",
    # "Best for Spring and Fall Trips") are Title Case too, and shorter.
    long_words = [w for w in words if len(w) >= 4]
    return (len(words) >= MIN_TITLE_CASE_WORDS and len(long_words) >= 3
            and all(_CAPITALISED.match(w) for w in long_words))


def _stray_headlines(paragraphs: list[str], links: set[str]) -> set[int]:
    """Indexes of other stories' headlines: a known link's text anywhere, or a headline-shaped
    line between two prose paragraphs of an article that is otherwise mixed-case prose."""
    stray = {i for i, p in enumerate(paragraphs) if _key(p) in links}
    prose = [_is_prose(p) for p in paragraphs]
    if sum(prose) < 0.5 * len(paragraphs):  # tables, lists, wire copy: leave alone
        return stray
    for i in range(1, len(paragraphs) - 1):
        if prose[i - 1] and prose[i + 1] and _looks_like_headline(paragraphs[i]):
            stray.add(i)
    return stray


def remove_boilerplate(paragraphs: list[str], title: str = "") -> list[str]:
    """The paragraphs that belong to the article itself, in order.

    `title` is accepted for the pipeline's call; the rules do not need it.
    """
    kept: list[str] = []
    links: set[str] = set()
    i = 0
    while i < len(paragraphs):
        paragraph = paragraphs[i]
        i += 1
        if is_block_heading(paragraph):
            start = i
            while i < len(paragraphs) and i - start < MAX_LINKS and is_link_line(paragraphs[i]):
                links.add(_key(paragraphs[i]))
                i += 1
        elif not is_boilerplate_line(paragraph):
            kept.append(paragraph)
    stray = _stray_headlines(kept, links)
    return [p for i, p in enumerate(kept) if i not in stray]
