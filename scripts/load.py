"""Load trials of the server on 127.0.0.1: python scripts/load.py --index-dir DIR [options]

Starts scripts/serve.py on the index (or uses --url of one already running
on this machine) and runs concurrent clients on a realistic mix (searches
with facets, deep pages, article pages, suggest, HTML pages, a CSV export)
for a bounded time and number of requests (after an untimed warm-up of
every worker), sampling every worker's memory each second. Modes: steady (default); --reindex SOURCE... (a full rebuild
switches generations mid-run while incremental updates and API writes
arrive; it writes into --index-dir, so give it a copy); --kill-worker
(kill -9 of one worker mid-run). Prints the figures and a verdict; exit 1
when a check failed, 2 for bad arguments.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load_report import tables  # noqa: E402
from bench.load_trial import Options, loopback, run_trial  # noqa: E402


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="load.py", description=__doc__.split("\n")[0])
    parser.add_argument("--index-dir", type=Path, required=True,
                        help="the index to serve (and to draw the request mix from)")
    parser.add_argument("--url", help="a server already running on http://127.0.0.1:PORT "
                                      "(its --index-dir must be given too)")
    parser.add_argument("--workers", type=int, default=4, help="server workers (default 4)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (32)")
    parser.add_argument("--seconds", type=float, default=60.0, help="load duration (60)")
    parser.add_argument("--max-seconds", type=float, default=900.0,
                        help="hard stop, even if the rebuild is still running (900)")
    parser.add_argument("--max-requests", type=int, default=1_000_000,
                        help="stop after this many requests (1,000,000)")
    parser.add_argument("--warmup-max", type=float, default=600.0,
                        help="seconds at most for warming every worker before the timed load "
                             "(600; 0: no warm-up)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rss-growth-mb", type=float, default=50.0,
                        help="steady mode: the most a worker's memory may grow (50 MB)")
    parser.add_argument("--time-budget-ms", type=int,
                        help="MORGUE_SEARCH_TIME_BUDGET_MS for the server started here "
                             "(default: the setting; 60000 with --reindex, so that no answer "
                             "is partial)")
    parser.add_argument("--csv-max-rows", type=int, default=2_000,
                        help="the CSV exports list at most this many rows (2,000)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--reindex", nargs="+", metavar="SOURCE",
                      help="rebuild the index from these sources during the load")
    mode.add_argument("--kill-worker", action="store_true", help="kill -9 a worker mid-run")
    parser.add_argument("--tail", type=float, default=30.0,
                        help="--reindex: seconds of load after the rebuild has finished (30)")
    parser.add_argument("--distinct", type=int, default=200,
                        help="--reindex: shifted copies added so the new build differs (200)")
    parser.add_argument("--reindex-nice", type=int, default=0, metavar="N",
                        help="--reindex: the rebuild's reindex.py --nice (default 0, full "
                             "priority: the harder case for the server; reindex.py's own "
                             "default is 10)")
    parser.add_argument("--lag-bound", type=float, default=10.0,
                        help="--reindex: no answer from the old build to a request sent this "
                             "many seconds after the switch (10)")
    parser.add_argument("--json", type=Path, help="write every figure and outcome here")
    args = parser.parse_args(argv)
    for name in ("workers", "clients", "max_requests"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if not 0 <= args.reindex_nice <= 19:
        parser.error("--reindex-nice must be from 0 to 19")
    if not 0 < args.seconds <= args.max_seconds:
        parser.error("--seconds must be positive and at most --max-seconds")
    if args.url:
        try:
            loopback(args.url)
        except ValueError as exc:
            parser.error(str(exc))
    if not (args.index_dir / "CURRENT").is_file():
        parser.error(f"{args.index_dir} holds no index (no CURRENT file)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    mode = "reindex" if args.reindex else "kill" if args.kill_worker else "steady"
    budget = args.time_budget_ms
    if budget is None and mode == "reindex" and not args.url:
        budget = 60_000
    options = Options(index_dir=args.index_dir, mode=mode, url=args.url, workers=args.workers,
                      clients=args.clients, seconds=args.seconds, max_seconds=args.max_seconds,
                      max_requests=args.max_requests, warmup_max=args.warmup_max,
                      seed=args.seed,
                      rss_growth_mb=args.rss_growth_mb, time_budget_ms=budget,
                      csv_max_rows=args.csv_max_rows, reindex_sources=args.reindex or [],
                      tail=args.tail, distinct=args.distinct, lag_bound=args.lag_bound,
                      reindex_nice=args.reindex_nice)
    try:
        result = run_trial(options)
    except (ValueError, RuntimeError) as exc:
        print(f"load.py: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, ValueError) else 1
    print(tables(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1), "utf-8")
    return 1 if result["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
