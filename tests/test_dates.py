"""Date policies: explicit defaults, UTC everywhere, no silent today."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from index.dates import format_utc, parse_bound, parse_published, to_utc_naive


@pytest.mark.parametrize("text, expected", [
    ("2025-08-12T14:03:00+02:00", datetime(2025, 8, 12, 12, 3)),
    ("2025-08-12T14:03:00Z", datetime(2025, 8, 12, 14, 3)),
    ("Tue, 12 Aug 2025 14:03:00 GMT", datetime(2025, 8, 12, 14, 3)),
    ("August 12, 2025", datetime(2025, 8, 12)),
    ("March 2024", datetime(2024, 3, 1)),  # no day: the 1st, never today's
    ("05/03/2024", datetime(2024, 5, 3)),  # month first, as documented
])
def test_parse_published(text, expected):
    assert parse_published(text) == expected


@pytest.mark.parametrize("text", ["", "March 12", "garbage", "32/13/2024"])
def test_parse_published_refuses_what_it_cannot_know(text):
    with pytest.raises(ValueError):
        parse_published(text)


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
