"""Figures for the text-enrichment steps: boilerplate removal, language detection, quotes.

Boilerplate: paragraphs removed from Reuters-21578 bodies (should be none: wire
copy with upper-case tables and tickers), from the seed article (the five lines
of boilerplate), from the Fundus gold bodies (real article text with
sub-headings: should be none) and from the same pages as trafilatura extracts
them (removed lines that are, or are not, in the gold body).
Language: per real feed, items answered / right / wrong against the feed's
declared language; Reuters stories; milliseconds per call.
Quotes: quotes and attributed speakers in Reuters stories, the seed article's
quotes, and with --sample N that many quotes in context to check by hand.
Run from the repo root:

    python scripts/quality_enrichment.py [--reuters-files N] [--sample N]
"""
from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import feedparser  # noqa: E402

from index.article import Draft  # noqa: E402
from index.boilerplate import remove_boilerplate  # noqa: E402
from index.htmltext import html_to_text  # noqa: E402
from index.language import detect_language  # noqa: E402
from index.quotes import extract_quotes  # noqa: E402
from index.readers.plaintext import read_text  # noqa: E402
from index.readers.reuters import read_reuters  # noqa: E402
from index.text import clean_body  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
# Feeds that declare no language, by what the feeds README says they are.
UNDECLARED = {"rss_1.0_iso8859.xml": "de", "rdf_UTF8.xml": "de", "iconv.xml": "ru",
              "heise.atom": "de", "uolNoticias.rss": "pt"}


def reuters_drafts(files: int) -> list[Draft]:
    drafts = []
    for path in sorted((SHARED / "reuters21578").glob("reut2-*.sgm.gz"))[:files]:
        drafts += [d for d in read_reuters(gzip.decompress(path.read_bytes()), path.name)
                   if isinstance(d, Draft)]
    return drafts


def boilerplate_figures(drafts: list[Draft]) -> None:
    removed, total = [], 0
    start = time.perf_counter()
    for draft in drafts:
        paragraphs = draft.body.split("\n\n")
        total += len(paragraphs)
        kept = remove_boilerplate(paragraphs, draft.title)
        removed += [(draft.origin, p) for p in paragraphs if p not in kept]
    ms = (time.perf_counter() - start) * 1000 / max(len(drafts), 1)
    print(f"boilerplate: Reuters paragraphs removed {len(removed)} of {total:,} "
          f"({len(drafts):,} stories, {ms:.2f} ms per story)")
    for origin, paragraph in removed[:20]:
        print(f"  removed {origin}: {paragraph[:100]!r}")

    seed = SHARED / "seed" / "north-korea-russia-alaska-summit.txt"
    paragraphs = next(read_text(seed.read_text("utf-8"), seed.name)).body.split("\n\n")
    kept = remove_boilerplate(paragraphs)
    print(f"boilerplate: seed article kept {len(kept)} of {len(paragraphs)} paragraphs; removed:")
    for paragraph in paragraphs:
        if paragraph not in kept:
            print(f"  {paragraph[:100]!r}")
    fundus_figures()


def _fundus_pages():
    for gold_file in sorted((SHARED / "html-fundus").glob("*/*.json")):
        pages = sorted(gold_file.parent.glob(f"{gold_file.stem}_*.html.gz"))
        for version, page in zip(json.loads(gold_file.read_text("utf-8")).values(), pages):
            body = version["body"]
            gold = list(body.get("summary", []))
            for section in body["sections"]:
                gold += section.get("headline", []) + section["paragraphs"]
            yield gold_file.stem, gold, page


def fundus_figures() -> None:
    import trafilatura
    gold_lost = gold_total = extra_removed = gold_removed = 0
    for publisher, gold, page in _fundus_pages():
        gold_total += len(gold)
        gold_lost += len(gold) - len(remove_boilerplate(gold))
        text = trafilatura.extract(gzip.decompress(page.read_bytes()).decode("utf-8")) or ""
        paragraphs = clean_body(text).split("\n\n")
        kept = remove_boilerplate(paragraphs)
        known = " ".join(" ".join(g.split()).casefold() for g in gold)
        for paragraph in paragraphs:
            if paragraph not in kept:
                in_gold = " ".join(paragraph.split()).casefold() in known
                gold_removed += in_gold
                extra_removed += not in_gold
                if in_gold:
                    print(f"  gold text removed ({publisher}): {paragraph[:100]!r}")
    print(f"boilerplate: Fundus gold paragraphs removed {gold_lost} of {gold_total:,}")
    print(f"boilerplate: Fundus pages through trafilatura: removed {extra_removed} lines not in "
          f"the gold body, {gold_removed} that are")


def language_figures(drafts: list[Draft]) -> None:
    answered = right = wrong = items = 0
    for path in sorted((SHARED / "feeds").rglob("*")):
        if path.suffix not in (".xml", ".rss", ".atom"):
            continue
        feed = feedparser.parse(path)
        declared = (feed.feed.get("language") or UNDECLARED.get(path.name, ""))[:2].lower()
        found = [detect_language(f"{e.get('title', '')}\n\n{html_to_text(e.get('summary') or '')}")
                 for e in feed.entries]
        items += len(found)
        answered += sum(1 for f in found if f)
        right += sum(1 for f in found if f == declared)
        wrong += sum(1 for f in found if f and f != declared)
        if found:
            print(f"  {path.relative_to(SHARED / 'feeds')} ({declared}): {len(found)} items, "
                  f"{sum(1 for f in found if f == declared)} right, "
                  f"{sum(1 for f in found if f and f != declared)} wrong, "
                  f"{found.count('')} not told")
    print(f"language: feed items {items}, answered {answered}, right {right}, wrong {wrong}")
    start = time.perf_counter()
    found = [detect_language(f"{d.title}\n\n{d.body}") for d in drafts]
    ms = (time.perf_counter() - start) * 1000 / max(len(found), 1)
    other = len(found) - found.count("en") - found.count("")
    print(f"language: Reuters stories {len(found):,}: en {found.count('en'):,}, "
          f"not told {found.count(''):,}, other {other:,}; {ms:.2f} ms per call")


def quote_figures(drafts: list[Draft], sample: int) -> None:
    start = time.perf_counter()
    found = [(q, d.body) for d in drafts for q in extract_quotes(d.body)]
    ms = (time.perf_counter() - start) * 1000 / max(len(drafts), 1)
    speakers = sum(1 for q, _ in found if q.speaker)
    print(f"quotes: Reuters {len(found):,} quotes in {len(drafts):,} stories, {speakers:,} with "
          f"a speaker ({speakers / max(len(found), 1):.0%}); {ms:.3f} ms per story")
    seed = SHARED / "seed" / "north-korea-russia-alaska-summit.txt"
    body = "\n\n".join(remove_boilerplate(
        next(read_text(seed.read_text("utf-8"), seed.name)).body.split("\n\n")))
    for quote in extract_quotes(body):
        print(f"  seed: [{quote.speaker}] {quote.text[:70]!r}")
    for quote, body in random.Random(7).sample(found, min(sample, len(found))):
        at = body.find(quote.text)
        context = body[max(0, at - 120):at + len(quote.text) + 100].replace("\n\n", " / ")
        print(f"  [{quote.speaker}] ... {context} ...")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reuters-files", type=int, default=22, help="how many reut2 files")
    parser.add_argument("--sample", type=int, default=0, help="quotes to print in context")
    args = parser.parse_args(argv)
    drafts = reuters_drafts(args.reuters_files)
    if not drafts:
        print(f"no Reuters files under {SHARED / 'reuters21578'}", file=sys.stderr)
        return 1
    boilerplate_figures(drafts)
    language_figures(drafts)
    quote_figures(drafts, args.sample)
    return 0


if __name__ == "__main__":
    sys.exit(main())
