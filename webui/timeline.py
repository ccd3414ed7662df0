"""The timeline: the `published` histogram of a response, laid out as SVG bars.

Pure geometry and words, no Flask: the template draws what `layout` returns.
Bars live in a 1000 x 100 box stretched to the page's width, so the picture
needs no inline style (the Content-Security-Policy forbids it) and does not
shift when the page loads. Every bar says in words what it counts, for
screen readers and as a tooltip.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date

WIDTH, HEIGHT = 1000, 100
MAX_BAR_WIDTH = 60
MIN_HEIGHT = 3  # a bar with one article stays visible next to a bar with thousands
MONTHS = ("January February March April May June July August September October "
          "November December").split()
INTERVAL_WORDS = {"day": "day", "week": "week", "month": "month", "year": "year"}


def bucket_label(bucket: dict, interval: str | None) -> str:
    """A bucket's name in words: 3 March 1987, week of 2 March 1987, March 1987, 1987."""
    start = date.fromisoformat(bucket["from"])
    if interval == "year":
        return str(start.year)
    if interval == "month":
        return f"{MONTHS[start.month - 1]} {start.year}"
    day = f"{start.day} {MONTHS[start.month - 1]} {start.year}"
    return f"week of {day}" if interval == "week" else day


def layout(buckets: list[dict], interval: str | None, unit: tuple[str, str],
           link: Callable[[str, str], str]) -> dict | None:
    """Bars for the template: position, size, words and the link that narrows to each bucket.

    `unit` is what is counted, singular and plural ("story", "stories");
    `link(from, to)` gives the URL of this search narrowed to those dates.
    """
    if not buckets:
        return None
    peak = max(bucket["count"] for bucket in buckets) or 1
    step = WIDTH / len(buckets)
    gap = step * 0.15 if step >= 4 else 0  # thin bars touch rather than vanish
    bars = []
    for i, bucket in enumerate(buckets):
        count = bucket["count"]
        height = max(MIN_HEIGHT, HEIGHT * count / peak) if count else 0
        label = bucket_label(bucket, interval)
        width = min(step - gap, MAX_BAR_WIDTH)  # a few bars stay bars, not blocks
        bars.append({
            "x": round(i * step + (step - width) / 2, 3), "width": round(width, 3),
            "slot_x": round(i * step, 3), "slot_width": round(step, 3),
            "y": round(HEIGHT - height, 3), "height": round(height, 3),
            "count": count, "from": bucket["from"], "to": bucket["to"],
            "label": f"{label}: {count:,} {unit[count != 1]}",
            "url": link(bucket["from"], bucket["to"]) if count else None,
        })
    return {"bars": bars, "width": WIDTH, "height": HEIGHT, "peak": peak,
            "interval": INTERVAL_WORDS.get(interval or "", "period"), "unit": unit[1],
            "first": bucket_label(buckets[0], interval),
            "last": bucket_label(buckets[-1], interval)}
