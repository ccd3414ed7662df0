"""Percentiles and summaries computed from the raw per-query timings, never from averages.

Percentiles interpolate linearly between the two nearest ranks (numpy's
default), so p99 of 20 timings lies between the two slowest: with few queries
per class, p99 is close to the maximum and should be read as such.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

PERCENTILES = (50, 95, 99)


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100) of values, interpolated linearly; NaN when there are none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * p / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(seconds: Sequence[float]) -> dict:
    """p50/p95/p99, mean and max in milliseconds, with the count they come from."""
    millis = [s * 1000 for s in seconds]
    result = {f"p{p}_ms": round(percentile(millis, p), 3) for p in PERCENTILES}
    result["mean_ms"] = round(sum(millis) / len(millis), 3) if millis else math.nan
    result["max_ms"] = round(max(millis), 3) if millis else math.nan
    result["n"] = len(millis)
    return result


def ratio(mine: float | None, theirs: float | None) -> float | None:
    """mine / theirs, or None when either is missing or theirs is zero."""
    if mine is None or theirs is None or not theirs or math.isnan(mine) or math.isnan(theirs):
        return None
    return mine / theirs
