"""Plain-text clean-up shared by every reader: paragraphs kept, noise removed.

Bodies are stored as paragraphs separated by one blank line, so snippets,
the article page and later extraction all see the same structure.
"""
from __future__ import annotations

import re
import unicodedata

# Lone surrogates too: JSON's "\ud800" decodes to one, which is no character and cannot
# be written as UTF-8 (one in a JSON Lines record used to stop a whole rebuild).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_SPACES = re.compile(r"[ \t\u00a0]+")
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
TITLE_MAX = 140


def strip_controls(text: str) -> str:
    return _CONTROL.sub("", text)


def clean_line(text: str) -> str:
    return _SPACES.sub(" ", strip_controls(text)).strip()


def paragraphs_from_lines(text: str) -> list[str]:
    """Each non-empty line is a paragraph, as scrapers save them."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return [line for line in (clean_line(raw) for raw in text.split("\n")) if line]


def join_paragraphs(paragraphs: list[str]) -> str:
    return "\n\n".join(p for p in paragraphs if p)


def clean_body(text: str) -> str:
    """Normalise a body given as text: blank lines or line breaks separate paragraphs."""
    return join_paragraphs(paragraphs_from_lines(text))


def clean_value(value: object) -> str:
    """A single-line metadata value (title, source, section...) as plain text."""
    return clean_line(unicodedata.normalize("NFC", str(value))) if value is not None else ""


def derive_title(body: str) -> str:
    """A headline for text that has none: its first sentence, shortened if it must be."""
    first = next((p for p in body.split("\n\n") if p.strip()), "").strip()
    if not first:
        return ""
    end = _SENTENCE_END.search(first)
    sentence = first[:end.start()] if end else first
    if len(sentence) <= TITLE_MAX:
        return sentence
    cut = sentence.rfind(" ", 0, TITLE_MAX - 1)
    return sentence[:cut if cut > 0 else TITLE_MAX - 1].rstrip(",;:- ") + "\u2026"
