"""CSV files: one article per row, the header naming columns as JSON keys do.

Header names are matched to the contract's keys and aliases (index.records)
case-insensitively and trimmed, so "Headline " is the title. The dialect is
sniffed and then checked against the header: of the sniffed dialect and the
common ones (comma, semicolon, tab, pipe), the one whose header names the most
known columns wins. A row with fewer or more fields than the header is
reported (origin `file#row=N`, N counting data rows from 1): kept with a note
when it still has a title or a body, skipped otherwise. List columns (authors,
tags, people...) split on ";" when the value uses it, else on ",", so
"Smith, John; Doe, Jane" stays two names.
"""
from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator

from index.article import Draft, Problem
from index.records import ALIASES, draft_from_mapping

_KEY_OF = {alias.lower(): (key, alias) for key, aliases in ALIASES.items() for alias in aliases}
_LIST_KEYS = frozenset({"authors", "tags", "people", "organizations", "places"})
# Article bodies can be megabytes in one field; the csv module's default limit is 128 KiB.
FIELD_LIMIT = min(sys.maxsize, 2**31 - 1)
_SAMPLE_CHARS = 64 * 1024


class _Semicolon(csv.excel):
    delimiter = ";"


class _Pipe(csv.excel):
    delimiter = "|"


def looks_like_csv(head: bytes) -> bool:
    """Text, not a binary file given a .csv name."""
    return b"\x00" not in head


def _columns(header: list[str]) -> list[tuple[str, str] | None]:
    """Per column, (contract key, alias as ALIASES spells it), or None for an unknown name."""
    return [_KEY_OF.get(name.strip().lower()) for name in header]


def _first_row(text: str, dialect: type[csv.Dialect] | csv.Dialect) -> list[str]:
    try:
        return next(csv.reader(io.StringIO(text[:_SAMPLE_CHARS], newline=""), dialect), [])
    except csv.Error:
        return []


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    """The dialect whose header row names the most known columns (the sniffed one on a tie)."""
    candidates: list = []
    try:
        candidates.append(csv.Sniffer().sniff(text[:_SAMPLE_CHARS], delimiters=",;\t|"))
    except csv.Error:
        pass
    candidates += [csv.excel, _Semicolon, csv.excel_tab, _Pipe]
    return max(candidates, key=lambda d: sum(c is not None for c in _columns(_first_row(text, d))))


def _split(value: str) -> list[str]:
    return value.split(";") if ";" in value else value.split(",")


def _record(row: list[str], columns: list[tuple[str, str] | None]) -> dict:
    record: dict = {}
    for cell, column in zip(row, columns):
        if column is None or not cell.strip() or record.get(column[1]):
            continue
        key, alias = column
        record[alias] = _split(cell) if key in _LIST_KEYS else cell
    return record


def _row_drafts(row: list[str], columns: list, where: str) -> Iterator[Draft | Problem]:
    results = list(draft_from_mapping(_record(row, columns), where))
    if len(row) == len(columns):
        yield from results
        return
    shape = (f"row has {len(row)} fields, the header {len(columns)}; "
             + ("missing ones left empty" if len(row) < len(columns) else "extra ones ignored"))
    draft = next((r for r in results if isinstance(r, Draft)), None)
    if draft is None:
        yield Problem(where, f"{shape}; and it has neither a title nor a body")
        return
    draft.notes.insert(0, Problem(where, shape, skipped=False))
    yield draft


def read_csv(text: str, origin: str) -> Iterator[Draft | Problem]:
    csv.field_size_limit(FIELD_LIMIT)
    dialect = _dialect(text)
    rows = csv.reader(io.StringIO(text, newline=""), dialect)
    header = next(rows, [])
    columns = _columns(header)
    if not any(c and c[0] in ("title", "body") for c in columns):
        yield Problem(origin, "header names no title or body column (expected e.g. title, "
                              "headline, body, text, content)")
        return
    number = 0
    try:
        for row in rows:
            if not any(cell.strip() for cell in row):
                continue  # blank lines between records
            number += 1
            yield from _row_drafts(row, columns, f"{origin}#row={number}")
    except csv.Error as exc:
        yield Problem(f"{origin}#row={number + 1}", f"CSV cannot be read from here on: {exc}")
