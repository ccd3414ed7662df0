"""Stable article ids, so re-indexing the same input never duplicates an article.

Order of preference (contract, section 2): the article's own id; else a native
id of its source, namespaced (`reuters21578:1234`); else a hash of its
normalised URL; else a hash of its normalised title and body. None of these
depend on where the input file lives, so moving files changes nothing.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import urlsplit, urlunsplit

ID_PATTERN = re.compile(r"[A-Za-z0-9._:~-]{1,200}")
_HASH_CHARS = 24  # 96 bits: collisions are not a practical concern for an archive


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:_HASH_CHARS]


def is_valid_id(value: str) -> bool:
    return bool(ID_PATTERN.fullmatch(value))


def own_id(value: str) -> tuple[str, str]:
    """Return (id, source_id): a valid id as it is, anything else hashed into the id set."""
    value = value.strip()
    if is_valid_id(value):
        return value, ""
    return f"id:{_digest(value)}", value


def native_id(namespace: str, value: str) -> str:
    candidate = f"{namespace}:{value.strip()}"
    return candidate if is_valid_id(candidate) else f"{namespace}:{_digest(value.strip())}"


def normalise_url(url: str) -> str:
    """Lower-case scheme and host, drop the fragment and a trailing slash."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


def url_id(url: str) -> str:
    return f"url:{_digest(normalise_url(url))}"


def normalise_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.findall(r"\w+", text))


def content_id(title: str, body: str) -> str:
    return f"text:{_digest(normalise_text(title) + chr(31) + normalise_text(body))}"
