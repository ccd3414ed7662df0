"""Dates in queries: `published:2025-08`, `published:[2025-08-01 TO 2025-08-15]`,
`published:>"last week"`, `published:<=1987-03-15`.

Whoosh's own date parser reads `2025-08-01` as the whole of 2025 and cannot
take a relative bound, so date clauses are read here. A value is a period:
an absolute date as precise as it is written (a year, a month, a day, an
instant) or a relative instant ("last week" is seven days before now). A bare
value means the whole period (a relative one: from then until now); `>`
means after its end, `>=` from its start, `<` before its start, `<=` to its
end; `[A TO B]` from A's start to B's end, with `*` or nothing for an open end
and `{ }` for exclusive ends. Everything is UTC.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dateutil import parser as dateutil_parser
from dateutil.relativedelta import relativedelta

from index.dates import to_utc_naive

_YEAR = re.compile(r"\d{4}")
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_DAY = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
_AGO = re.compile(r"(\d+)\s+(day|week|month|year)s?\s+ago")
_LAST = re.compile(r"(?:last|past)\s+(?:(\d+)\s+)?(day|week|month|year)s?")
_UNITS = {"day": relativedelta(days=1), "week": relativedelta(weeks=1),
          "month": relativedelta(months=1), "year": relativedelta(years=1)}
ONE_TICK = timedelta(microseconds=1)


class DateError(ValueError):
    """A date in a query that cannot be read; the message says what would be."""


@dataclass(frozen=True)
class Period:
    start: datetime | None  # None: open
    end: datetime | None  # inclusive


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min)


def _absolute(text: str) -> Period | None:
    if _YEAR.fullmatch(text):
        year = int(text)
        return Period(datetime(year, 1, 1), datetime(year, 12, 31, 23, 59, 59, 999999))
    if match := _MONTH.fullmatch(text):
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            raise DateError(f"{text!r} has no month {month}")
        last = calendar.monthrange(year, month)[1]
        return Period(datetime(year, month, 1), datetime(year, month, last, 23, 59, 59, 999999))
    if _DAY.fullmatch(text):
        day = date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
        return Period(_midnight(day), datetime.combine(day, time.max))  # 9999-12-31 too
    if text[:4].isdigit() and "t" in text:  # read_period lower-cases the value
        instant = to_utc_naive(dateutil_parser.isoparse(text))
        return Period(instant, instant)
    return None


def _relative(text: str, now: datetime) -> datetime | None:
    today = _midnight(now.date())
    if text in ("now",):
        return now
    if text == "today":
        return today
    if text == "yesterday":
        return today - timedelta(days=1)
    if match := _AGO.fullmatch(text):
        return now - int(match.group(1)) * _UNITS[match.group(2)]
    if match := _LAST.fullmatch(text):
        return now - int(match.group(1) or 1) * _UNITS[match.group(2)]
    return None


def read_period(text: str, now: datetime) -> Period:
    """The period a date value denotes; a relative value is the instant it names."""
    value = " ".join(text.strip().strip('"').lower().split())
    try:
        period = _absolute(value)
    except (ValueError, OverflowError) as exc:
        raise DateError(f"{text} is not a date: {exc}") from None
    if period is not None:
        return period
    try:
        instant = _relative(value, now)
    except (ValueError, OverflowError):  # "10000 years ago": before the year 1
        raise DateError(f"{text} is too far back: dates run from the year 1 to 9999") from None
    if instant is None:
        raise DateError(f"{text} is not a date: write 2025, 2025-08, 2025-08-12, "
                        "2025-08-12T14:00:00Z, or today, yesterday, \"last week\", "
                        "\"3 days ago\"")
    return Period(instant, instant)


def _is_relative(text: str) -> bool:
    return not text.strip().strip('"')[:4].isdigit()


def bounds(op: str, values: tuple[str, ...], now: datetime,
           exclusive: tuple[bool, bool] = (False, False)) -> Period:
    """The [start, end] a date clause selects (`op` is '', '>', '>=', '<', '<=' or 'range').

    DateError when a bound would fall outside the years 1 to 9999 (`>9999-12-31`,
    `<0001`): Python's datetimes, like the index's, end there."""
    try:
        return _bounds(op, values, now, exclusive)
    except OverflowError:
        raise DateError(f"published:{op if op != 'range' else ''}{' TO '.join(values)} reaches "
                        "past the dates there are (the years 1 to 9999)") from None


def _bounds(op: str, values: tuple[str, ...], now: datetime,
            exclusive: tuple[bool, bool]) -> Period:
    if op == "range":
        low, high = values
        start = None if low in ("", "*") else read_period(low, now)
        end = None if high in ("", "*") else read_period(high, now)
        first = None if start is None else (start.end + ONE_TICK if exclusive[0] else start.start)
        last = None if end is None else (end.start - ONE_TICK if exclusive[1] else end.end)
        if first and last and first > last:
            raise DateError(f"the range [{low} TO {high}] ends before it starts")
        return Period(first, last)
    period = read_period(values[0], now)
    if _is_relative(values[0]):
        # "last week" is an instant: alone it means since then; compared, that instant.
        return {"": Period(period.start, now), ">": Period(period.start, None),
                ">=": Period(period.start, None), "<": Period(None, period.start),
                "<=": Period(None, period.start)}[op]
    # Only the asked comparison is computed: `<0001` must not fail for `published:0001`.
    comparisons = {"": lambda: period, ">": lambda: Period(period.end + ONE_TICK, None),
                   ">=": lambda: Period(period.start, None),
                   "<": lambda: Period(None, period.start - ONE_TICK),
                   "<=": lambda: Period(None, period.end)}
    return comparisons[op]()
