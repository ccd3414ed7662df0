"""Side-by-side speed benchmark: Morgue against stock Whoosh, SQLite FTS5, Tantivy and its own
SphinxQL cluster (engine sphinxql, when searchd is installed).

    python scripts/bench.py [--scale x1,x10] [--engines morgue,fts5] [--no-http] [--json PATH]

Builds each engine's index from the same documents (the sample corpus, or ten
or fifty shifted copies of it), runs the same seeded query mix against each,
and drives Morgue's JSON API with concurrent clients. Progress goes to stderr;
the tables go to stdout. Generated corpora and indexes live in --workdir
(--reuse keeps built indexes). Exit status: 0 done, 1 a phase failed, 2 bad
arguments.
"""
from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import report, suite  # noqa: E402
from bench.corpus import SCALES  # noqa: E402
from bench.engines import MODULES  # noqa: E402
from bench.queries import CLASSES  # noqa: E402


def _choices(value: str, allowed, what: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
    unknown = [v for v in chosen if v not in allowed]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"unknown {what} {unknown[0]!r}; choose from {', '.join(allowed)}" if unknown
            else f"give at least one {what}")
    return chosen


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.py", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", default="x1", type=lambda v: _choices(v, SCALES, "scale"),
                        help="comma list of x1 (the sample corpus), x10, x50 (default x1)")
    parser.add_argument("--engines", type=lambda v: _choices(v, MODULES, "engine"),
                        help="comma list of morgue, whoosh, fts5, tantivy (default: all that "
                             "run at the scale: whoosh x1 only, tantivy up to x10)")
    parser.add_argument("--classes", default=",".join(CLASSES),
                        type=lambda v: _choices(v, CLASSES, "class"),
                        help=f"query classes (default all: {', '.join(CLASSES)})")
    parser.add_argument("--queries", type=int, default=200,
                        help="queries in the mix, spread evenly over the classes (default 200)")
    parser.add_argument("--seed", type=int, default=1987, help="seed of the query mix")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse indexes built by an earlier run (corpora are always reused)")
    parser.add_argument("--http-seconds", type=float, default=20.0,
                        help="length of the HTTP load run (default 20)")
    parser.add_argument("--http-clients", type=int, default=8,
                        help="concurrent HTTP clients (default 8)")
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP load run")
    parser.add_argument("--json", type=Path, help="also write every figure as JSON here")
    parser.add_argument("--workdir", type=Path, default=Path("instance/bench"),
                        help="where corpora and indexes are kept (default instance/bench)")
    parser.add_argument("--source", action="append", dest="sources",
                        help="corpus source (repeatable; default sample-corpus)")
    parser.add_argument("--limit", type=int,
                        help="use only the first N articles of the sources (quick runs, tests)")
    parser.add_argument("--workers", type=int, default=suite.DEFAULT_WORKERS,
                        help="extraction processes of Morgue's pipeline "
                             f"(default {suite.DEFAULT_WORKERS}, as reindex.py)")
    args = parser.parse_args(argv)
    for name in ("queries", "http_clients", "workers"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1 "
                         f"(got {getattr(args, name)})")
    if args.http_seconds <= 0:
        parser.error(f"--http-seconds must be positive (got {args.http_seconds})")
    if args.limit is not None and args.limit < 1:
        parser.error(f"--limit must be at least 1 (got {args.limit})")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    options = suite.Options(
        scales=args.scale, engines=args.engines, classes=args.classes, queries=args.queries,
        seed=args.seed, reuse=args.reuse, http=not args.no_http,
        http_seconds=args.http_seconds, http_clients=args.http_clients, workdir=args.workdir,
        sources=tuple(args.sources or ("sample-corpus",)), limit=args.limit,
        workers=args.workers)
    try:
        results = suite.run(options)
    except Exception as exc:  # a failed phase: say which, briefly, and exit 1
        traceback.print_exc(file=sys.stderr)
        print(f"bench failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(report.format_machine(results["machine"]))
    for name, scale in results["scales"].items():
        print()
        print(report.format_scale(name, scale))
        for engine, figures in scale["engines"].items():
            print(f"  {engine}: {figures['notes']}")
        if "http" in scale:
            print(report.format_http(scale["http"]))
    for skipped in results["skipped"]:
        print(f"skipped {skipped['engine']} at {skipped['scale']}: {skipped['reason']}")
    print(report.LEGEND)
    print(report.format_phases(results["phases"]))
    if args.json:
        report.write_json(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
