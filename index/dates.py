"""Dates in, dates out: everything is stored as naive UTC.

Whoosh stores an aware datetime but indexes it with its tzinfo dropped, without
converting, so every date is converted to UTC here before it reaches the index.
dateutil gets explicit policies: a fixed default, so a missing year is an error
instead of silently becoming this year, and month-first reading of ambiguous
numeric dates such as 05/03/2024 (documented in README). News feeds write dates
in their own language (`mer, 16 nov 2022`, `Seg, 24 Set 2018`) and with RFC 822
zone names (`EDT`), so month names of several languages and the named zones are
taught to dateutil here; a zone name we do not know is an error, never UTC.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timezone

from dateutil import parser as dateutil_parser

DAY_FIRST = False
_DEFAULT_A = datetime(1904, 1, 1)
_DEFAULT_B = datetime(1908, 2, 2)  # differs from _DEFAULT_A in every date part
_ISO_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")

# One line per month, January first: English, German, French, Spanish, Italian,
# Portuguese and Dutch names and their usual abbreviations, with and without accents.
_MONTH_NAMES = (
    "jan january januar jän jänner janvier janv enero ene gennaio gen janeiro januari",
    "feb febr february februar février févr fév fevrier fevr fev febrero febbraio fevereiro "
    "februari",
    "mar march märz mär maerz mrz mars marzo março marco maart mrt",
    "apr april avril avr abril abr aprile",
    "may mai mayo maggio mag maio mei",
    "jun june juni juin junio giugno giu junho",
    "jul july juli juillet juil julio luglio lug julho",
    "aug august août aout agosto ago augustus",
    "sep sept september septembre septiembre setiembre settembre set setembro",
    "oct october oktober okt octobre octubre ottobre ott outubro out",
    "nov november novembre noviembre novembro",
    "dec december dezember dez décembre déc decembre diciembre dic dicembre dezembro",
)
# Weekday names carry nothing the date does not already say, so they are removed
# before parsing (dateutil would otherwise move a date with no day to that weekday).
_WEEKDAY_NAMES = frozenset("""
    mon monday montag mo lundi lun lunes lunedì lunedi segunda seg maandag ma
    tue tues tuesday dienstag di mardi mar martes martedì martedi terça terca ter dinsdag
    wed wednesday mittwoch mi mercredi mer miércoles miercoles mié mie mercoledì mercoledi
    quarta qua woensdag wo
    thu thur thurs thursday donnerstag do jeudi jeu jueves jue giovedì giovedi gio quinta qui
    donderdag
    fri friday freitag fr vendredi ven viernes vie venerdì venerdi sexta sex vrijdag vr
    sat saturday samstag sonnabend sa samedi sam sábado sabado sáb sab zaterdag za
    sun sunday sonntag so dimanche dim domingo dom domenica zondag zo
""".split())
_MONTH_WORDS = frozenset(" ".join(_MONTH_NAMES).split())
_WEEKDAY = re.compile(r"(?<![\w-])([^\W\d_]+)(?:-feira)?\.?(\s*,)?", re.IGNORECASE)
# "GMT+2" means two hours ahead of UTC in the news; dateutil reads it the POSIX way
# (two hours behind), so the zone name is dropped and the offset kept.
_UTC_WITH_OFFSET = re.compile(r"\b(?:GMT|UTC|UT)\s*(?=[+-]\d)")
# 2024年3月12日 (Chinese, Japanese), 2004년 05월 28일 (Korean): year, month, day markers.
_CJK_DATE = re.compile(r"(\d{4})\s*[年년]\s*(\d{1,2})\s*[月월]\s*(\d{1,2})\s*[日일]?")

# Named zones, hours east of UTC: RFC 822's North American zones and the common,
# unambiguous others. IST, ET and the like mean different offsets to different
# writers, so they stay unknown and such a date is refused rather than guessed.
ZONE_HOURS = {
    "UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "WET": 0,
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "AKST": -9, "AKDT": -8, "HST": -10,
    "BST": 1, "WEST": 1, "CET": 1, "CEST": 2, "MEZ": 1, "MESZ": 2, "EET": 2, "EEST": 3,
    "MSK": 3, "HKT": 8, "SGT": 8, "JST": 9, "KST": 9, "AEST": 10, "AEDT": 11,
    "NZST": 12, "NZDT": 13,
}


class UnknownZoneError(ValueError):
    """The date names a time zone we cannot convert; guessing UTC could be hours off."""


class _NewsParserInfo(dateutil_parser.parserinfo):
    """dateutil's vocabulary, widened to the month names and filler words of news dates."""

    MONTHS = [tuple(names.split()) for names in _MONTH_NAMES]
    # "24 de setembro de 2018 às 10h30", "Montag, den 12. März 2024 um 9 Uhr", "1er mai",
    # "15 novembre 2022 alle ore 10:30".
    JUMP = dateutil_parser.parserinfo.JUMP + ["de", "del", "den", "le", "el", "um", "uhr",
                                              "à", "às", "er", "alle", "ore"]


_INFO = _NewsParserInfo(dayfirst=DAY_FIRST)


def _zone(name: str | None, offset: int | None) -> int | None:
    """dateutil's tzinfos hook: a numeric offset wins; a name must be one we know."""
    if offset is not None:
        return offset
    if name is None:
        return None  # no zone at all: the caller's naive-means-UTC policy applies
    hours = ZONE_HOURS.get(name.upper())
    if hours is None:
        raise UnknownZoneError(f"unknown time zone {name!r}")
    return hours * 3600


def _drop_weekdays(text: str) -> str:
    """Remove weekday names; one that is also a month ("mar") only where RFC 822 puts one.

    That is first, before a comma: "mar, 12 mar 2024" is Tuesday the 12th of March.
    """
    def replace(match: re.Match) -> str:
        word = match.group(1).casefold()
        leading = match.start() == 0 and match.group(2)
        if word in _WEEKDAY_NAMES and (word not in _MONTH_WORDS or leading):
            return " "
        return match.group(0)
    return _WEEKDAY.sub(replace, text)


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


def _parse(text: str, default: datetime) -> datetime:
    return dateutil_parser.parse(text, parserinfo=_INFO, default=default, tzinfos=_zone)


def parse_published(text: str) -> datetime:
    """Parse a publication date written any common way; raise ValueError when unsure.

    A missing year is an error (never today's year); a missing day of month
    means the 1st; a missing time means midnight; a time with no zone is taken
    to be UTC; a zone name we do not know raises `UnknownZoneError`. Month and
    weekday names may be English, German, French, Spanish, Italian, Portuguese
    or Dutch; Chinese, Japanese and Korean dates are read from their digits
    (2004년 05월 28일). The result is always naive UTC.
    """
    text = " ".join(text.split())
    if not text:
        raise ValueError("empty date")
    if re.fullmatch(r"\d{4}", text):
        raise ValueError(f"date {text!r} has no month")
    try:
        return to_utc_naive(dateutil_parser.isoparse(text))
    except (ValueError, OverflowError):
        pass
    cleaned = _CJK_DATE.sub(r"\1-\2-\3 ", text)
    cleaned = _UTC_WITH_OFFSET.sub("", _drop_weekdays(cleaned))
    try:
        first = _parse(cleaned, _DEFAULT_A)
        second = _parse(cleaned, _DEFAULT_B)
    except UnknownZoneError as exc:
        raise UnknownZoneError(f"{exc} in date {text!r}") from None
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
