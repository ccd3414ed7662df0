"""Bulk (re)indexing: python scripts/reindex.py SOURCE... [options]

Without --incremental, builds a complete new index generation beside the live
one and switches to it atomically; with --incremental, adds new and changed
articles to the live index. Progress goes to stderr, one summary line to stdout.
Exit status: 0 finished (even with skipped records), 1 nothing indexed or the
index could not be written, 2 bad arguments.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tqdm import tqdm  # noqa: E402

from index import store, writer  # noqa: E402
from index.errors import MorgueError  # noqa: E402
from index.pipeline import iter_records  # noqa: E402
from index.readers import expand_sources  # noqa: E402
from index.settings import load_settings  # noqa: E402

DEFAULT_WORKERS = max(1, min(4, os.cpu_count() or 1))


def progress_bar():
    """A live counter on a terminal (tqdm); nothing at all when stderr is a log or a pipe."""
    bar = tqdm(unit=" articles", file=sys.stderr, disable=not sys.stderr.isatty(),
               dynamic_ncols=True, mininterval=0.5)
    return bar, lambda count: bar.update(count - bar.n)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="reindex.py", description=__doc__.split("\n")[0])
    parser.add_argument("sources", nargs="+", metavar="SOURCE",
                        help="file, directory (walked recursively) or glob")
    parser.add_argument("--index-dir", help="index directory (default: MORGUE_INDEX_DIR)")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS,
                        help="processes that parse and extract articles (default: one per "
                             f"core, here {DEFAULT_WORKERS}; the writer is always one)")
    parser.add_argument("--incremental", action="store_true",
                        help="add new and changed articles to the live index in place")
    parser.add_argument("--report", type=Path, help="write every skipped record as JSON here")
    parser.add_argument("--strict", action="store_true",
                        help="stop at the first record that has to be skipped, changing nothing")
    parser.add_argument("--if-stale", action="store_true",
                        help="do nothing when the live index is newer than every source file")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error(f"--workers must be at least 1 (got {args.workers})")
    if args.incremental and args.if_stale:
        parser.error("--if-stale applies to full rebuilds only")
    return args


def write_report(path: Path, tally: writer.Tally, summary: str) -> None:
    report = {"summary": summary, "skipped": tally.skipped, "undated": tally.undated,
              "problems": [problem.to_dict() for problem in tally.problems]}
    path.write_text(json.dumps(report, indent=2), "utf-8")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    settings = load_settings({"INDEX_DIR": args.index_dir})
    index_dir: Path = settings["INDEX_DIR"]
    started = time.monotonic()
    files, problems = expand_sources(args.sources)
    if args.if_stale and store.is_up_to_date(index_dir, files, args.sources):
        generation = store.live_generation(index_dir)
        print(f"index in {index_dir} is up to date "
              f"({generation.manifest.get('documents', 0):,} documents); nothing to do",
              file=sys.stderr)
        return 0
    if args.strict and any(problem.skipped for problem in problems):
        first = next(problem for problem in problems if problem.skipped)
        print(f"reindex failed: --strict: {first.origin}: {first.reason}; nothing was changed",
              file=sys.stderr)
        return 1
    print(f"reading {len(files):,} file(s) into {index_dir}", file=sys.stderr)
    bar, progress = progress_bar()
    records = iter_records(files, args.workers)
    try:
        if args.incremental:
            tally, generation = writer.update_in_place(index_dir, records, progress=progress,
                                                       strict=args.strict)
        else:
            tally, generation = writer.rebuild(index_dir, records, sources=args.sources,
                                               progress=progress, strict=args.strict)
    except (MorgueError, OSError) as exc:
        print(f"reindex failed: {exc}", file=sys.stderr)
        return 1
    finally:
        bar.close()
    tally.problems[:0] = problems
    tally.skipped += sum(problem.skipped for problem in problems)
    seconds = time.monotonic() - started
    summary = tally.summary(seconds)
    for problem in tally.problems[:10]:
        print(f"  {problem.to_dict()['action']}: {problem.origin}: {problem.reason}",
              file=sys.stderr)
    if len(tally.problems) > 10:
        print(f"  ... and {len(tally.problems) - 10:,} more (use --report FILE)", file=sys.stderr)
    read = tally.indexed + tally.updated + tally.unchanged
    if tally.undated:
        print(f"  {tally.undated:,} article(s) have no publication date: left empty, not guessed",
              file=sys.stderr)
    print(f"live index: {generation.manifest.get('documents', 0):,} documents "
          f"(generation {generation.name}); {read:,} articles read and extracted at "
          f"{read / max(seconds, 1e-9):,.0f} articles/s", file=sys.stderr)
    if args.report:
        write_report(args.report, tally, summary)
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
