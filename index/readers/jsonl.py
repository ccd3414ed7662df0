"""JSON Lines: one article object per line; a line that does not parse is reported."""
from __future__ import annotations

import json
from collections.abc import Iterator

from index.article import Draft, Problem
from index.records import draft_from_mapping


def read_jsonl(text: str, origin: str) -> Iterator[Draft | Problem]:
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{origin}#line={number}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Problem(where, f"line is not valid JSON ({exc.msg}, column {exc.colno})")
            continue
        yield from draft_from_mapping(obj, where)
