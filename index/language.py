"""Language detection per article (placeholder: detects nothing yet)."""
from __future__ import annotations


def detect_language(text: str) -> str:
    """An ISO 639-1 code such as "en", or "" when the text is too short or unclear."""
    return ""
