"""Fuzz the JSON API: python scripts/fuzz_api.py [--examples 2000] [--seed N] [--only TEXT]

The long run of tests/test_api_fuzz.py: builds a small index in a temporary
directory (the test articles, the sample article, one Reuters file), then
sends each operation of the OpenAPI document `--examples` fresh generated
requests through the real app (writes with and without the token) and
checks every answer: no 5xx but a 503 for a missing index, every 4xx in the
JSON error shape, every success in its documented shape, none slower than
--max-seconds. Progress and each operation's statuses and slowest request on
stderr, one summary line on stdout; exit 1 with the failing request (and the
server's traceback) on the first problem.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import SMALL_SOURCES, build_index  # noqa: E402
from tests.fuzzing import Report, discover, fuzz, fuzz_app, operations  # noqa: E402


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="fuzz_api.py", description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=2000,
                        help="generated requests per operation (default 2000)")
    parser.add_argument("--seed", type=int, help="repeat a run (default: a fresh one)")
    parser.add_argument("--only", default="", help="operations whose 'METHOD /path' contains this")
    parser.add_argument("--max-seconds", type=float, default=10.0,
                        help="slowest answer allowed, in seconds (default 10)")
    parser.add_argument("--no-shrink", action="store_true",
                        help="report a failing request as generated, without shrinking it")
    parser.add_argument("--budget-ms", type=int, default=1000,
                        help="the app's search time budget (default 1000)")
    return parser.parse_args(argv)


def announce(problem: str) -> None:
    print(f"found, now shrinking it to a smaller request (which can take minutes):\n{problem}",
          file=sys.stderr, flush=True)


def fuzz_operation(app, document: dict, path: str, method: str, operation: dict, context,
                   args: argparse.Namespace, seed: int) -> tuple[Report, str | None]:
    """One operation's run: what it saw, and the problem it found (None when none)."""
    name, started, report = f"{method.upper()} {path}", time.perf_counter(), Report()
    print(f"{name}: {args.examples:,} requests ...", file=sys.stderr, flush=True)
    try:
        fuzz(app, document, path, method, operation, context, examples=args.examples, seed=seed,
             max_seconds=args.max_seconds, shrink=not args.no_shrink,
             on_problem=None if args.no_shrink else announce, report=report)
    except AssertionError as exc:
        return report, f"{name}: {exc}"
    statuses = ", ".join(f"{status}: {count:,}"
                         for status, count in sorted(report.statuses.items()))
    seconds, slowest = report.slowest[0] if report.slowest else (0.0, "")
    print(f"{name}: {report.requests:,} requests in {time.perf_counter() - started:.1f} s "
          f"({statuses}); slowest {seconds:.2f} s: {slowest.splitlines()[0][:200]}",
          file=sys.stderr, flush=True)
    return report, None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.examples < 1:
        print(f"fuzz_api.py: --examples must be at least 1 (got {args.examples})", file=sys.stderr)
        return 2
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    print(f"seed {seed} (--seed {seed} repeats this run)", file=sys.stderr)
    started, total, failed = time.perf_counter(), 0, None
    with tempfile.TemporaryDirectory(prefix="morgue-fuzz-") as tmp:
        print("building a small index ...", file=sys.stderr, flush=True)
        build_index(Path(tmp) / "index", SMALL_SOURCES)
        app = fuzz_app(Path(tmp) / "index", budget_ms=args.budget_ms)
        document = app.test_client().get("/api/v1/openapi.json").get_json()
        context = discover(app)
        for path, method, operation in operations(document):
            if args.only in f"{method.upper()} {path}":
                report, failed = fuzz_operation(app, document, path, method, operation, context,
                                                args, seed)
                total += report.requests
                if failed:
                    break
    took = time.perf_counter() - started
    if failed:
        print(f"FAILED {failed}", file=sys.stderr)
        print(f"failed after {total:,} requests in {took:.1f} s (seed {seed}): see the request "
              "on stderr")
        return 1
    print(f"fuzzed {total:,} requests in {took:.1f} s (seed {seed}): no server errors, every "
          "error in the JSON shape, every answer as documented")
    return 0


if __name__ == "__main__":
    sys.exit(main())
