"""Feed ingestion quality on the 24 captured feeds: items, articles, problems, dates.

Every file goes through `read_path` and `index.pipeline.finish_all`, as in a
reindex. For each item whose feed gives it a date, the article's UTC date is
compared with an expectation made without index.dates: feedparser's own parsed
value where it has one; for the Italian and Portuguese dates it cannot read,
the value worked out from the raw string (names translated by a small table,
then read by the standard library's RFC 2822 parser); and, listed in HAND_CHECKED,
the one date feedparser reads wrong. Run from the repo root:

    python scripts/quality_feeds.py [FEEDS_DIR]
"""
from __future__ import annotations

import io
import sys
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import feedparser  # noqa: E402

from index.article import Article, Problem  # noqa: E402
from index.pipeline import finish_all  # noqa: E402
from index.readers import read_path  # noqa: E402

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "feeds"
EXPECTED_ITEMS = 462  # the feeds README's total (feedparser 6.0.14's count)
# Only the names that occur in these files; a test table, not a date parser.
TRANSLATE = {"mer": "Wed", "nov": "Nov", "seg": "Mon", "set": "Sep"}
# (file, item): (expected UTC, why feedparser's value is not the expectation)
HAND_CHECKED = {
    ("feed-rs/rss2/rss_2.0_nbcny.xml", 1): (
        datetime(2023, 12, 16, 14, 2, 33),
        "'Sat, Dec 16 2023 02:02:33 PM': feedparser drops the PM; no zone, so UTC by policy"),
}


def _raw_date(entry: dict) -> str:
    return next((str(entry[k]) for k in ("published", "updated", "created")
                 if dict.get(entry, k)), "")


def _from_raw(raw: str) -> datetime | None:
    words = [TRANSLATE.get(w.strip(",").lower(), w.strip(",")) for w in raw.split()]
    try:
        value = parsedate_to_datetime(f"{words[0]}, {' '.join(words[1:])}")
    except (ValueError, TypeError, IndexError):
        return None
    return value.astimezone(timezone.utc).replace(tzinfo=None)


def expected_dates(data: bytes, name: str) -> dict[int, tuple[datetime | None, str]]:
    """Item number -> (expected UTC date, how it was obtained), for items with a date."""
    expected = {}
    for number, entry in enumerate(feedparser.parse(io.BytesIO(data)).entries, 1):
        raw = _raw_date(entry)
        if not raw:
            continue
        key = next(k for k in ("published", "updated", "created") if dict.get(entry, k))
        struct = dict.get(entry, f"{key}_parsed")
        if (name, number) in HAND_CHECKED:
            expected[number] = HAND_CHECKED[name, number][0], "hand"
        elif struct:
            expected[number] = datetime(*struct[:6]), "feedparser"  # feedparser gives UTC
        else:
            expected[number] = _from_raw(raw), "raw"
    return expected


def measure(path: Path, root: Path) -> dict:
    name = path.relative_to(root).as_posix()
    read = list(read_path(path))
    finished = finish_all(read)
    items = {r.origin for r in read if "#item=" in r.origin}
    articles = {int(r.origin.rsplit("=", 1)[1]): r for r in finished if isinstance(r, Article)}
    problems = [r for r in finished if isinstance(r, Problem)]
    row = {"file": name, "items": len(items), "articles": len(articles),
           "ids": len({a.id for a in articles.values()}),
           "skipped": sum(p.skipped for p in problems),
           "repaired": sum(not p.skipped for p in problems),
           "dated": 0, "correct": 0, "by": {"feedparser": 0, "raw": 0, "hand": 0}, "wrong": []}
    for number, (want, how) in expected_dates(path.read_bytes(), name).items():
        row["dated"] += 1
        row["by"][how] += 1
        got = articles[number].published if number in articles else None
        if want is not None and got is not None and got.replace(microsecond=0) == want:
            row["correct"] += 1
        else:
            row["wrong"].append(f"item {number}: got {got}, expected {want} ({how})")
    return row


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0]) if args else DEFAULT_DIR
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix != ".md")
    if not files:
        print(f"no feed files under {root}", file=sys.stderr)
        return 1
    print(f"{'file':42} {'items':>5} {'arts':>5} {'ids':>5} {'skip':>5} {'repr':>5} "
          f"{'dated':>5} {'right':>5}")
    totals = dict.fromkeys(("items", "articles", "ids", "skipped", "repaired", "dated",
                            "correct"), 0)
    by = {"feedparser": 0, "raw": 0, "hand": 0}
    for path in files:
        row = measure(path, root)
        print(f"{row['file']:42} {row['items']:5} {row['articles']:5} {row['ids']:5} "
              f"{row['skipped']:5} {row['repaired']:5} {row['dated']:5} {row['correct']:5}")
        for line in row["wrong"]:
            print(f"    WRONG {line}")
        for key in totals:
            totals[key] += row[key]
        for key in by:
            by[key] += row["by"][key]
    print(f"{'total':42} {totals['items']:5} {totals['articles']:5} {totals['ids']:5} "
          f"{totals['skipped']:5} {totals['repaired']:5} {totals['dated']:5} "
          f"{totals['correct']:5}")
    print(f"items {totals['items']} of {EXPECTED_ITEMS} expected; dates right "
          f"{totals['correct']}/{totals['dated']} (expectations: {by['feedparser']} feedparser, "
          f"{by['raw']} worked out from the raw string, {by['hand']} checked by hand)")
    for (name, number), (_, why) in HAND_CHECKED.items():
        print(f"hand-checked {name} item {number}: {why}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
