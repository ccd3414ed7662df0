"""Concurrent API writers against a real server: python scripts/writers_trial.py [options]

Builds a small index (or takes --index-dir), starts scripts/serve.py on
127.0.0.1 with several workers and a fresh API token, then W writer threads
post N articles in total (alone and in batches), delete and replace some and
send a few bad writes, while reader threads search and a full reindex
switches generations in the middle. Afterwards it counts every acknowledged
article (found by its marker word and by its id, with its last body) and
every deleted one (gone): after the run, after a server restart, and after
another full reindex, over HTTP and directly. Progress on stderr; a markdown
table (or --json) on stdout. Exit 1 when an article was lost or came back, a
client saw a 5xx or a LockError, or a bad write was not refused as
documented; 2 for bad arguments.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.writers import TrialConfig, run_trial, table  # noqa: E402
from tests.conftest import SMALL_SOURCES  # noqa: E402


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="writers_trial.py", description=__doc__.split("\n")[0])
    parser.add_argument("--writers", type=int, default=8, help="writer threads (default 8)")
    parser.add_argument("--articles", type=int, default=5000,
                        help="new articles posted in total (default 5000)")
    parser.add_argument("--readers", type=int, default=2, help="reader threads (default 2)")
    parser.add_argument("--workers", type=int, default=3, help="server workers (default 3)")
    parser.add_argument("--sources", nargs="+", default=SMALL_SOURCES, metavar="SOURCE",
                        help="what the base index and both rebuilds read (default: the tests' "
                             "small set: their articles, the sample article, one Reuters file)")
    parser.add_argument("--index-dir", type=Path,
                        help="index to use (built from --sources when empty); the trial writes "
                             "into it and rebuilds it from --sources twice, so give it a fresh "
                             "or throw-away one; default: a temporary directory")
    parser.add_argument("--seed", type=int, default=1, help="repeat a run (default 1)")
    parser.add_argument("--max-seconds", type=float, default=1800.0,
                        help="stop every loop after this long (default 1800)")
    parser.add_argument("--json", action="store_true", help="print the whole report as JSON")
    args = parser.parse_args(argv)
    for name in ("writers", "articles", "workers"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1 (got {getattr(args, name)})")
    if args.readers < 0 or args.max_seconds <= 0:
        parser.error("--readers must be 0 or more and --max-seconds more than 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    config = TrialConfig(sources=list(args.sources), writers=args.writers,
                         articles=args.articles, readers=args.readers, workers=args.workers,
                         seed=args.seed, max_seconds=args.max_seconds, index_dir=args.index_dir)
    try:
        report = run_trial(config, progress=lambda message: print(message, file=sys.stderr,
                                                                  flush=True))
    except RuntimeError as exc:  # no base index, or a server that would not start
        print(f"writers_trial.py: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(report, indent=2) if args.json else table(report))
    for failure in report["failures"]:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if report["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
