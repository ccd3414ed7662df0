"""HTML article extraction quality on the fundus pages: body, title, date, authors.

Each page in html-fundus/{us,ca} is measured against its gold record (the
n-th key of <Publisher>.json goes with the n-th page of that publisher in
date order; see the data README). Two runs:
- "indexed": the page as the `.html` reader gives it (a Draft with the page
  and no URL) finished by `index.pipeline.finish`, boilerplate step included:
  what reindex puts in the index;
- "extract": `index.html.extract_page(page, url)` alone, with the page's
  URL from meta.info (as a WARC record would give it).
Measures: body token F1 (lower-cased words; gold body = summary + section
headlines + paragraphs), title exact match after whitespace normalisation
(and, for information, with typographic quotes folded), publishing date
right to the minute in UTC (a gold date without a zone is taken as UTC),
authors as a set after case/whitespace normalisation (and the softer "every
gold author found"). Run from the repo root:

    python scripts/quality_html.py [FUNDUS_DIR] [--verbose]
"""
from __future__ import annotations

import gzip
import json
import re
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index.article import Article, Draft  # noqa: E402
from index.dates import to_utc_naive  # noqa: E402
from index.html import extract_page  # noqa: E402
from index.pipeline import finish  # noqa: E402

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "html-fundus"
QUOTES = str.maketrans({**dict.fromkeys("\u2018\u2019\u201a\u201b\u2032", "'"),
                        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033", '"')})


def pages(root: Path):
    """(html file, url, gold record) for every page, paired as the README says."""
    for country in sorted(p for p in root.iterdir() if p.is_dir()):
        meta = json.loads((country / "meta.info").read_text("utf-8"))
        for gold_file in sorted(country.glob("*.json")):
            pattern = re.compile(re.escape(gold_file.stem) + r"_\d{4}_\d{2}_\d{2}\.html\.gz")
            files = sorted(p for p in country.iterdir() if pattern.fullmatch(p.name))
            records = json.loads(gold_file.read_text("utf-8"))
            for path, key in zip(files, records):
                yield path, meta[path.name]["url"], records[key]


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def gold_body(gold: dict) -> str:
    body = gold.get("body") or {}
    parts = list(body.get("summary", []))
    for section in body.get("sections", []):
        parts += section.get("headline", []) + section.get("paragraphs", [])
    return "\n\n".join(parts)


def token_f1(got: str, want: str) -> float:
    got_counts, want_counts = Counter(words(got)), Counter(words(want))
    overlap = sum((got_counts & want_counts).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(got_counts.values()), overlap / sum(want_counts.values())
    return 2 * precision * recall / (precision + recall)


def same_text(got: str, want: str, fold_quotes: bool = False) -> bool:
    got, want = " ".join(got.split()), " ".join(want.split())
    return got.translate(QUOTES) == want.translate(QUOTES) if fold_quotes else got == want


def gold_date(text: str) -> datetime:
    return to_utc_naive(datetime.fromisoformat(text)).replace(second=0, microsecond=0)


def names(values) -> set[str]:
    return {" ".join(v.split()).casefold() for v in values or []}


def score(got_title, got_body, got_date, got_authors, gold: dict) -> dict:
    want_authors = names(gold.get("authors"))
    return {
        "f1": token_f1(got_body, gold_body(gold)),
        "title": same_text(got_title, gold["title"]),
        "title_q": same_text(got_title, gold["title"], fold_quotes=True),
        "date": got_date is not None and got_date.replace(second=0, microsecond=0)
        == gold_date(gold["publishing_date"]),
        "authors": names(got_authors) == want_authors,
        "authors_soft": want_authors <= names(got_authors),
    }


def run(root: Path, verbose: bool) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {"indexed": [], "extract": []}
    seconds = {"indexed": 0.0, "extract": 0.0}
    for path, url, gold in pages(root):
        html = gzip.decompress(path.read_bytes())
        started = time.perf_counter()
        records = finish(Draft(origin=path.name, html=html))
        seconds["indexed"] += time.perf_counter() - started
        article = next((r for r in records if isinstance(r, Article)), None)
        if article is None:
            indexed = score("", "", None, [], gold)
        else:
            indexed = score(article.title, article.body, article.published,
                            article.authors, gold)
        started = time.perf_counter()
        page = extract_page(html, url)
        seconds["extract"] += time.perf_counter() - started
        extracted = score(page.title, page.body, page.published, page.authors, gold)
        rows["indexed"].append(indexed)
        rows["extract"].append(extracted)
        flags = "".join(c if indexed[k] else "." for c, k in
                        (("T", "title"), ("D", "date"), ("A", "authors")))
        print(f"{path.name:38} f1 {indexed['f1']:.3f} (extract {extracted['f1']:.3f}) {flags}")
        if verbose or not all(indexed[k] for k in ("title", "date", "authors")):
            _explain(article, page, gold, indexed)
    for key, total in seconds.items():
        print(f"{key}: {1000 * total / max(1, len(rows[key])):.0f} ms per page")
    return rows


def _explain(article: Article | None, page, gold: dict, result: dict) -> None:
    if article is None:
        print("    no article:", page.title[:80])
        return
    if not result["title"]:
        print(f"    title  got {article.title!r}\n           want {gold['title']!r}")
    if not result["date"]:
        print(f"    date   got {article.published}  want {gold['publishing_date']}")
    if not result["authors"]:
        print(f"    authors got {list(article.authors)}  want {gold.get('authors')}")


def summary(label: str, rows: list[dict]) -> str:
    n = len(rows)
    pct = {k: 100 * sum(r[k] for r in rows) / n for k in
           ("title", "title_q", "date", "authors", "authors_soft")}
    return (f"{label:8} pages {n}  body F1 {sum(r['f1'] for r in rows) / n:.3f}  "
            f"title {pct['title']:.1f}% (quotes folded {pct['title_q']:.1f}%)  "
            f"date {pct['date']:.1f}%  authors {pct['authors']:.1f}% "
            f"(all gold found {pct['authors_soft']:.1f}%)")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    verbose = "--verbose" in args
    paths = [a for a in args if not a.startswith("--")]
    root = Path(paths[0]) if paths else DEFAULT_DIR
    if not root.is_dir():
        print(f"no fundus data at {root}", file=sys.stderr)
        return 1
    rows = run(root, verbose)
    if not rows["indexed"]:
        print(f"no pages under {root}", file=sys.stderr)
        return 1
    print(summary("indexed", rows["indexed"]))
    print(summary("extract", rows["extract"]))
    print("targets: body F1 >= 0.90, titles >= 95%, dates >= 90%, authors >= 80%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
