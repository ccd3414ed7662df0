"""JSON files: one article object, or an array of them.

Each object goes through `index.records.draft_from_mapping`, so the key aliases
of the contract are the same as for JSON Lines, CSV and the API. A file that
does not parse is one Problem naming the parser's message and position; a file
that is really JSON Lines (one object per line) is read as such, with a note.
An object with no article keys that wraps one array of objects (`{"articles":
[...]}`, as news APIs export) is read as that array.
"""
from __future__ import annotations

import json
from collections.abc import Iterator, Mapping

from index.article import Draft, Problem
from index.records import ALIASES, draft_from_mapping
from index.readers.jsonl import read_jsonl

_ARTICLE_KEYS = frozenset(alias for aliases in ALIASES.values() for alias in aliases)


def wrapped_array(obj: Mapping) -> list | None:
    """The one array of objects inside a wrapper object that is not itself an article."""
    if _ARTICLE_KEYS.intersection(obj):
        return None
    arrays = [v for v in obj.values()
              if isinstance(v, list) and v and all(isinstance(x, Mapping) for x in v)]
    return arrays[0] if len(arrays) == 1 else None


def looks_like_lines(text: str) -> bool:
    lines = [line for line in text.splitlines() if line.strip()]
    return len(lines) > 1 and all(line.lstrip().startswith("{") for line in lines)


def read_json(text: str, origin: str) -> Iterator[Draft | Problem]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data" and looks_like_lines(text):
            yield Problem(origin, "one JSON object per line: read as JSON Lines", skipped=False)
            yield from read_jsonl(text, origin)
            return
        yield Problem(origin, f"not valid JSON ({exc.msg}: line {exc.lineno}, "
                              f"column {exc.colno}, character {exc.pos})")
        return
    except (ValueError, RecursionError) as exc:  # a 5,000-digit number, [[[[... nested
        yield Problem(origin, f"JSON that cannot be read: {type(exc).__name__}: {exc}")
        return
    if isinstance(data, Mapping):
        inner = wrapped_array(data)
        if inner is None:
            yield from draft_from_mapping(data, origin)
            return
        data = inner
    if not isinstance(data, list):
        yield Problem(origin, f"expected a JSON object or an array of objects, "
                              f"got {type(data).__name__}")
        return
    if not data:
        yield Problem(origin, "file holds an empty array")
        return
    for number, obj in enumerate(data, 1):
        yield from draft_from_mapping(obj, f"{origin}#item={number}")
