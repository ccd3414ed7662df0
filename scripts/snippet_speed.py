"""How long a snippet takes: wire stories, and a 5 MB body.

    python scripts/snippet_speed.py [--repeat N]

Builds a temporary index through the real pipeline from the shipped Reuters
file reut2-000 (short wire stories), the sample news story, and one article
whose body is those stories joined until it reaches 5,000,000 characters (the
pipeline's cap), with a word of its own only in its last paragraph. Then times
`Highlighters().snippet` per hit (median over --repeat runs, default 5) for
queries that match in the opening, only past the analysed head, as a phrase,
and the article page (`mark_words`) of the 5 MB article. Building the index
takes about three minutes (the pipeline reads 5 MB of prose); timing, seconds.
"""
from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index import schema, writer  # noqa: E402
from index.pipeline import iter_drafts, iter_records  # noqa: E402
from index.readers import expand_sources  # noqa: E402
from search import Archive, parse_request  # noqa: E402
from search.highlight import Highlighters, mark_words  # noqa: E402
from search.query import build_query  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
REUTERS = ROOT / "sample-corpus" / "reuters21578" / "reut2-000.sgm.gz"
STORY = ROOT / "sample-corpus" / "articles" / "north-korea-russia-alaska-summit.txt"
BIG_CHARS = 5_000_000
TAIL = "In a last note, Zanzibar clove growers said their harvest would be late."
WIRE_QUERIES = ("cocoa", "oil prices", '"bank of england"', "export*", "troops")
STORY_QUERIES = ("Kursk", "Kim Jong Un troops", '"supreme leader" Putin')
BIG_QUERIES = ("cocoa", "zanzibar", '"clove growers"', "coffee export")


def _big_body() -> str:
    """Wire stories, one after another, up to BIG_CHARS with TAIL as the last paragraph."""
    files, _ = expand_sources([str(REUTERS)])
    bodies = []
    size = 0
    for draft in iter_drafts(files):
        if getattr(draft, "body", ""):
            bodies.append(draft.body)
            size += len(draft.body) + 2
    text = "\n\n".join(bodies)
    while len(text) < BIG_CHARS:
        text += "\n\n" + text
    return text[:BIG_CHARS - len(TAIL) - 2].rsplit(" ", 1)[0] + "\n\n" + TAIL


def build(index_dir: Path) -> None:
    big = index_dir.parent / "big.jsonl"
    big.write_text(json.dumps({"id": "big", "title": "Wire stories, all of them", "language": "en",
                               "body": _big_body(), "published": "2025-01-01",
                               "source": "Speed Test"}) + "\n", encoding="utf-8")
    sources = [str(REUTERS), str(STORY), str(big)]
    files, _ = expand_sources(sources)
    writer.rebuild(index_dir, iter_records(files), sources=sources)


def _time(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _kind(hit) -> str:
    if hit[schema.ID] == "big":
        return "big"
    return "wire" if hit[schema.ID].startswith("reuters") else "story"


def measure(archive: Archive, q: str, kind: str, repeat: int) -> list[float]:
    """Milliseconds per snippet for the first 10 hits of q of a kind: wire, story or big."""
    per_hit = []
    with archive.searcher() as searcher:
        parsed = build_query(parse_request({"q": [q]}), searcher, 1000, datetime.now())
        results = searcher.search(parsed, limit=None, terms=True)
        hits = [h for h in results if _kind(h) == kind][:10]
        for hit in hits:
            article = schema.from_stored(hit.fields())
            highlighters = Highlighters()
            per_hit.append(statistics.median(
                _time(lambda: highlighters.snippet(hit, article), repeat)))
    return per_hit


def main(argv: list[str]) -> int:
    repeat = int(argv[argv.index("--repeat") + 1]) if "--repeat" in argv else 5
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp) / "index"
        started = time.perf_counter()
        build(index_dir)
        print(f"index built in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        archive = Archive(index_dir)
        wire = [ms for q in WIRE_QUERIES for ms in measure(archive, q, "wire", repeat)]
        print(f"wire stories: {len(wire)} snippets, median {statistics.median(wire):.2f} ms, "
              f"worst {max(wire):.2f} ms per snippet")
        story = [ms for q in STORY_QUERIES for ms in measure(archive, q, "story", repeat)]
        print(f"news story of {len(STORY.read_text(encoding='utf-8')):,} characters: "
              f"{len(story)} snippets, median {statistics.median(story):.2f} ms, "
              f"worst {max(story):.2f} ms per snippet")
        for q in BIG_QUERIES:
            (ms,) = measure(archive, q, "big", repeat) or [float("nan")]
            print(f"5 MB body, q={q}: {ms:.1f} ms per snippet")
        with archive.searcher() as searcher:
            body = searcher.document(**{schema.ID: "big"})[schema.BODY]
            analyzer = searcher.schema[schema.BODY_FIELDS["en"]].analyzer
        page = statistics.median(_time(lambda: mark_words(body, frozenset({"cocoa"}), analyzer),
                                       max(1, repeat // 2)))
        print(f"5 MB body, article page (mark_words): {page:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
