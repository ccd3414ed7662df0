"""Dates in, dates out: everything is stored as naive UTC.

Whoosh stores an aware datetime but indexes it with its tzinfo dropped, without
converting, so every date is converted to UTC here before it reaches the index.
dateutil gets explicit policies: a fixed default, so a missing year is an error
instead of silently becoming this year, and month-first reading of ambiguous
numeric dates such as 05/03/2024 (documented in README).
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timezone

from dateutil import parser as dateutil_parser

DAY_FIRST = False
_DEFAULT_A = datetime(1904, 1, 1)
_DEFAULT_B = datetime(1908, 2, 2)  # differs from _DEFAULT_A in every date part
_ISO_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


def to_utc_naive(value: datetime) -> datetime:
    """Convert an aware datetime to naive UTC; a naive one is taken to be UTC already."""
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def format_utc(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, to the second, as the API promises."""
    if value is None:
        return None
    return to_utc_naive(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_published(text: str) -> datetime:
    """Parse a publication date written any common way; raise ValueError when unsure.

    A missing year is an error (never today's year); a missing day of month
    means the 1st; a missing time means midnight UTC.
    """
    text = text.strip()
    if not text:
        raise ValueError("empty date")
    try:
        return to_utc_naive(dateutil_parser.isoparse(text))
    except (ValueError, OverflowError):
        pass
    try:
        first = dateutil_parser.parse(text, default=_DEFAULT_A, dayfirst=DAY_FIRST)
        second = dateutil_parser.parse(text, default=_DEFAULT_B, dayfirst=DAY_FIRST)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"unreadable date {text!r}") from exc
    if first.year != second.year:
        raise ValueError(f"date {text!r} has no year")
    if first.month != second.month:
        raise ValueError(f"date {text!r} has no month")
    if first.day != second.day:
        first = first.replace(day=1)
    return to_utc_naive(first)


def parse_bound(text: str, *, end_of_day: bool) -> datetime:
    """Read an API `from`/`to` value: an ISO date or datetime, in UTC unless it says otherwise.

    A date-only upper bound means the end of that day, so `to=1987-03-31`
    includes stories filed on the 31st.
    """
    text = text.strip()
    if _ISO_DATE_ONLY.fullmatch(text):
        day = date.fromisoformat(text)
        if end_of_day:
            return datetime.combine(day, time.max)
        return datetime.combine(day, time.min)
    value = dateutil_parser.isoparse(text)
    return to_utc_naive(value)


def month_key(value: datetime) -> str:
    return value.strftime("%Y-%m")



def day_key(value: datetime) -> str:
    return value.strftime("%Y-%m-%d")
