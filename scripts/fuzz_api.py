"""Fuzz the JSON API: python scripts/fuzz_api.py [--examples N] [--query-examples N] [--seed N]

The long run of tests/test_api_fuzz.py: builds a small index in a temporary
directory (the test articles, the sample article, one Reuters file), warms it
as a server does at boot, then sends each operation of the OpenAPI document
`--examples` fresh generated requests through the real app (writes with and
without the token), and each operation that takes a q `--query-examples`
more whose q is a generated query-language expression
(tests/hostile_queries.py). Every answer is checked: no 5xx but a 503 for a
missing index, every 4xx in the JSON error shape, every success in its
documented shape, a search past its budget saying it is partial. Every
request is timed: reads (GET) must all answer within --max-seconds with the
search time budget at --budget-ms; writes, bounded by the body size rather
than the budget, are timed and reported. Progress and each run's statuses,
times and slowest request on stderr, one summary line on stdout; exit 1 with
the failing request (and the server's traceback) on the first problem, or
with the slowest reads when any took longer than --max-seconds.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from search.service import warm_up  # noqa: E402
from tests.conftest import SMALL_SOURCES, build_index  # noqa: E402
from tests.fuzzing import Report, discover, fuzz, fuzz_app, operations  # noqa: E402
from tests.hostile_queries import query_language  # noqa: E402


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="fuzz_api.py", description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=1000,
                        help="generated requests per operation (default 1000)")
    parser.add_argument("--query-examples", type=int, default=1000,
                        help="query-language requests per operation with a q (default 1000)")
    parser.add_argument("--seed", type=int, help="repeat a run (default: a fresh one)")
    parser.add_argument("--only", default="", help="operations whose 'METHOD /path' contains this")
    parser.add_argument("--max-seconds", type=float, default=1.0,
                        help="slowest read (GET) allowed, in seconds (default 1.0)")
    parser.add_argument("--no-shrink", action="store_true",
                        help="report a failing request as generated, without shrinking it")
    parser.add_argument("--budget-ms", type=int, default=500,
                        help="the app's search time budget (default 500)")
    return parser.parse_args(argv)


def announce(problem: str) -> None:
    print(f"found, now shrinking it to a smaller request (which can take minutes):\n{problem}",
          file=sys.stderr, flush=True)


def times(report: Report) -> str:
    return (f"max {max(report.seconds, default=0):.3f} s, p99 {report.percentile(0.99):.3f} s, "
            f"median {report.percentile(0.5):.3f} s")


def fuzz_run(app, document: dict, path: str, method: str, operation: dict, context,
             args: argparse.Namespace, seed: int, examples: int,
             queries=None) -> tuple[Report, str | None]:
    """One run over one operation: what it saw, and the problem it found (None when none)."""
    name = f"{method.upper()} {path}" + (" (query language)" if queries is not None else "")
    started, report = time.perf_counter(), Report()
    print(f"{name}: {examples:,} requests ...", file=sys.stderr, flush=True)
    try:
        fuzz(app, document, path, method, operation, context, examples=examples, seed=seed,
             shrink=not args.no_shrink, on_problem=None if args.no_shrink else announce,
             report=report, queries=queries)
    except AssertionError as exc:
        return report, f"{name}: {exc}"
    statuses = ", ".join(f"{status}: {count:,}"
                         for status, count in sorted(report.statuses.items()))
    seconds, slowest = report.slowest[0] if report.slowest else (0.0, "")
    print(f"{name}: {report.requests:,} requests in {time.perf_counter() - started:.1f} s "
          f"({statuses}; {report.partial:,} partial); {times(report)}; slowest "
          f"{seconds:.2f} s: {slowest.splitlines()[0][:200]}", file=sys.stderr, flush=True)
    return report, None


def takes_q(operation: dict) -> bool:
    return any(parameter.get("name") == "q" for parameter in operation.get("parameters", []))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.examples < 1 or args.query_examples < 0:
        print("fuzz_api.py: --examples must be at least 1 and --query-examples at least 0",
              file=sys.stderr)
        return 2
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    print(f"seed {seed} (--seed {seed} repeats this run)", file=sys.stderr)
    started, failed = time.perf_counter(), None
    reads, writes = Report(), Report()
    with tempfile.TemporaryDirectory(prefix="morgue-fuzz-") as tmp:
        print("building a small index ...", file=sys.stderr, flush=True)
        build_index(Path(tmp) / "index", SMALL_SOURCES)
        app = fuzz_app(Path(tmp) / "index", budget_ms=args.budget_ms)
        warm_up(app.extensions["morgue.archive"])  # what a server worker does as it boots
        document = app.test_client().get("/api/v1/openapi.json").get_json()
        context = discover(app)
        for path, method, operation in operations(document):
            if args.only not in f"{method.upper()} {path}":
                continue
            runs = [(args.examples, None)]
            if takes_q(operation) and args.query_examples:
                runs.append((args.query_examples, query_language()))
            for examples, queries in runs:
                report, failed = fuzz_run(app, document, path, method, operation, context,
                                          args, seed, examples, queries)
                (reads if method == "get" else writes).merge(report)
                if failed:
                    break
            if failed:
                break
    took = time.perf_counter() - started
    total = reads.requests + writes.requests
    if failed:
        print(f"FAILED {failed}", file=sys.stderr)
        print(f"failed after {total:,} requests in {took:.1f} s (seed {seed}): see the request "
              "on stderr")
        return 1
    slow = [(seconds, call) for seconds, call in reads.slowest if seconds > args.max_seconds]
    for seconds, call in slow:
        print(f"SLOW {seconds:.2f} s: {call}", file=sys.stderr)
    print(f"fuzzed {total:,} requests in {took:.1f} s (seed {seed}): no server errors, every "
          f"error in the JSON shape, every answer as documented; reads {reads.requests:,} "
          f"({reads.partial:,} partial, budget {args.budget_ms} ms): {times(reads)}"
          f"{'' if not writes.requests else f'; writes {writes.requests:,}: {times(writes)}'}"
          f"; {'OVER' if slow else 'within'} the {args.max_seconds:g} s bound")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
