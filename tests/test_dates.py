"""Date policies: explicit defaults, UTC everywhere, no silent today."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from index.dates import (UnknownZoneError, format_utc, parse_bound, parse_published,
                         to_utc_naive)


@pytest.mark.parametrize("text, expected", [
    ("2025-08-12T14:03:00+02:00", datetime(2025, 8, 12, 12, 3)),
    ("2025-08-12T14:03:00Z", datetime(2025, 8, 12, 14, 3)),
    ("Tue, 12 Aug 2025 14:03:00 GMT", datetime(2025, 8, 12, 14, 3)),
    ("August 12, 2025", datetime(2025, 8, 12)),
    ("March 2024", datetime(2024, 3, 1)),  # no day: the 1st, never today's
    ("05/03/2024", datetime(2024, 5, 3)),  # month first, as documented
    ("26-FEB-1987 15:01:01.79", datetime(1987, 2, 26, 15, 1, 1, 790000)),  # Reuters-21578
    ("2026-06-05 17:20:55-04:00", datetime(2026, 6, 5, 21, 20, 55)),
    ("2017-01-23T21:54:55+01:00", datetime(2017, 1, 23, 20, 54, 55)),
    ("Wed, 03 Jan 2018 13:47:00 GMT\n      ", datetime(2018, 1, 3, 13, 47)),
    ("Sat, Dec 16 2023 02:02:33 PM", datetime(2023, 12, 16, 14, 2, 33)),  # no zone: UTC
    ("Tue, 12 Aug 2025 14:03:00 GMT+2", datetime(2025, 8, 12, 12, 3)),  # not POSIX's -2
    ("Mon, 12 Aug 2025 14:03 -0300 (BRST)", datetime(2025, 8, 12, 17, 3)),
    # localized month and weekday names
    ("mer, 16 nov 2022 00:38:15 +0100", datetime(2022, 11, 15, 23, 38, 15)),  # Italian
    ("martedì 15 novembre 2022 alle ore 10:30", datetime(2022, 11, 15, 10, 30)),
    ("Seg, 24 Set 2018 19:22:00 -0300", datetime(2018, 9, 24, 22, 22)),  # Portuguese
    ("Segunda-feira, 24 de setembro de 2018 às 19h22", datetime(2018, 9, 24, 19, 22)),
    ("Montag, den 12. März 2024 um 9:30 Uhr", datetime(2024, 3, 12, 9, 30)),  # German
    ("Di, 3. Dez 2019 14:05:00 MEZ", datetime(2019, 12, 3, 13, 5)),
    ("mercredi 16 novembre 2022 à 10h30", datetime(2022, 11, 16, 10, 30)),  # French
    ("1er févr. 2024", datetime(2024, 2, 1)),
    ("Miércoles, 16 de noviembre de 2022 10:30", datetime(2022, 11, 16, 10, 30)),  # Spanish
    ("mar, 12 mar 2024 10:00 CET", datetime(2024, 3, 12, 9)),  # "mar" is Tuesday, then March
    ("Mar 12, 2024", datetime(2024, 3, 12)),
    ("Tuesday March 2024", datetime(2024, 3, 1)),  # a weekday never moves a missing day
    ("2004년 05월 28일 01:31:15", datetime(2004, 5, 28, 1, 31, 15)),  # Korean
    ("2024年3月12日 10:30", datetime(2024, 3, 12, 10, 30)),  # Chinese, Japanese
])
def test_parse_published(text, expected):
    assert parse_published(text) == expected


@pytest.mark.parametrize("zone, hours", [
    ("GMT", 0), ("UTC", 0), ("UT", 0), ("Z", 0), ("+0000", 0), ("+0530", 5.5), ("-0800", -8),
    ("EST", -5), ("EDT", -4), ("CST", -6), ("CDT", -5), ("MST", -7), ("MDT", -6),
    ("PST", -8), ("PDT", -7), ("CET", 1), ("CEST", 2), ("BST", 1),
])
def test_rfc822_zones_are_converted(zone, hours):
    expected = datetime(2025, 8, 12, 12) - timedelta(hours=hours)
    assert parse_published(f"Tue, 12 Aug 2025 12:00:00 {zone}") == expected


@pytest.mark.parametrize("text", ["", "March 12", "garbage", "32/13/2024", "2024"])
def test_parse_published_refuses_what_it_cannot_know(text):
    with pytest.raises(ValueError):
        parse_published(text)


@pytest.mark.parametrize("zone", ["IST", "ET", "XYZ"])
def test_a_zone_name_we_do_not_know_is_never_taken_for_utc(zone):
    with pytest.raises(UnknownZoneError, match=zone):
        parse_published(f"Tue, 12 Aug 2025 12:00:00 {zone}")


def test_bounds_are_whole_days_unless_a_time_is_given():
    assert parse_bound("1987-03-31", end_of_day=True) == datetime(1987, 3, 31, 23, 59, 59, 999999)
    assert parse_bound("1987-03-01", end_of_day=False) == datetime(1987, 3, 1)
    assert parse_bound("1987-03-01T10:00:00+01:00", end_of_day=False) == datetime(1987, 3, 1, 9)
    with pytest.raises(ValueError):
        parse_bound("1987-13-01", end_of_day=False)


def test_utc_conversion_and_format():
    aware = datetime(2025, 8, 12, 16, 3, tzinfo=timezone.utc).astimezone()
    assert to_utc_naive(aware) == datetime(2025, 8, 12, 16, 3)
    assert format_utc(datetime(2025, 8, 12, 14, 3, 0, 500)) == "2025-08-12T14:03:00Z"
    assert format_utc(None) is None
