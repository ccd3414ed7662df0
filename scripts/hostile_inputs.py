"""Pathological inputs, timed: python scripts/hostile_inputs.py [--index-dir DIR] [--budget-ms 500]

Sends every row of tests/hostile_table.py (the issue's list of hostile
queries and parameters, and more of the kind) to the app through Flask's test
client and to a real server (scripts/serve.py, gunicorn, on 127.0.0.1), three
times each once a few ordinary requests have warmed both, and prints a
markdown table: input, endpoint, status and outcome (ok, partial, or the
status with its error code) from each, and the median time. Without --index-dir it builds the small test index in a temporary
directory. Progress on stderr; the table and a one-line summary on stdout.
Exit 1 when any answer is a 5xx, any status is not one the row expects, or
any median time is over --max-seconds.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.server import Server  # noqa: E402
from tests.hostile_table import PROBES, Answer, Probe, via_app, via_server  # noqa: E402
from webui import create_app  # noqa: E402

REPEATS = 3
# Ordinary requests first, a few times each so that every server worker gets them: the table
# should time the inputs, not a worker's first template, word list or column read.
WARM_UP = tuple(Probe(f"warm-up {path}", path, query) for path, query in (
    ("/api/v1/search", "q=cocoa"), ("/api/v1/search", "q=coff%2A+OR+cofee~"),
    ("/api/v1/search", "q=%2A&facets=source,person,organization,place,tag,published"),
    ("/api/v1/suggest", "q=coc"), ("/api/v1/articles/t-cocoa-1", "q=cocoa"),
    ("/search", "q=cocoa"), ("/search", "q=%22%3E%3Cscript%3E"))) * 4


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="hostile_inputs.py", description=__doc__.split("\n")[0])
    parser.add_argument("--index-dir", type=Path,
                        help="index to query (default: build the small test index in a temp dir)")
    parser.add_argument("--budget-ms", type=int, default=500,
                        help="MORGUE_SEARCH_TIME_BUDGET_MS of the app and the server (default 500)")
    parser.add_argument("--max-seconds", type=float, default=1.0,
                        help="slowest median answer allowed (default 1.0)")
    parser.add_argument("--no-server", action="store_true", help="the app only")
    return parser.parse_args(argv)


def timed(send, probe: Probe) -> tuple[Answer, float]:
    """The probe's answer (the last of REPEATS) and the median time of the REPEATS."""
    seconds, answer = [], None
    for _ in range(REPEATS):
        started = time.perf_counter()
        answer = send(probe)
        seconds.append(time.perf_counter() - started)
    return answer, statistics.median(seconds)


def problems_of(probe: Probe, where: str, answer: Answer, seconds: float,
                limit: float) -> list[str]:
    expected = probe.expect if where == "app" else probe.server_expect
    found = []
    if answer.status >= 500:
        found.append(f"{where}: {answer.status} for {probe.name}")
    elif answer.status not in expected:
        found.append(f"{where}: {answer.status} for {probe.name}, expected "
                     f"{' or '.join(map(str, sorted(expected)))}")
    if seconds > limit:
        found.append(f"{where}: {seconds:.2f} s for {probe.name}")
    return found


def cell(answer: Answer | None, seconds: float | None) -> list[str]:
    if answer is None:
        return ["", "", ""]
    return [str(answer.status), answer.outcome, f"{seconds * 1000:.0f} ms"]


def run(index_dir: Path, args: argparse.Namespace) -> int:
    app = create_app({"INDEX_DIR": str(index_dir), "SEARCH_TIME_BUDGET_MS": args.budget_ms})
    client = app.test_client()
    server = None if args.no_server else Server(
        index_dir, env={"MORGUE_SEARCH_TIME_BUDGET_MS": str(args.budget_ms)})
    rows, problems, slowest = [], [], 0.0
    try:
        for probe in WARM_UP:
            via_app(client, probe)
            if server is not None:
                via_server(server.port, probe)
        for number, probe in enumerate(PROBES, 1):
            print(f"[{number}/{len(PROBES)}] {probe.name}", file=sys.stderr, flush=True)
            line = [probe.name.replace("|", "\\|"), f"{probe.method} {probe.path}"]
            for where, send in (("app", lambda p: via_app(client, p)),
                                ("server", lambda p: via_server(server.port, p))):
                if (where == "app" and not probe.app) or (where == "server" and server is None):
                    line += cell(None, None)
                    continue
                answer, seconds = timed(send, probe)
                slowest = max(slowest, seconds)
                problems += problems_of(probe, where, answer, seconds, args.max_seconds)
                line += cell(answer, seconds)
            rows.append(line)
    finally:
        if server is not None:
            server.stop()
    print("| input | endpoint | app status | app outcome | app time | server status "
          "| server outcome | server time |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for line in rows:
        print("| " + " | ".join(line) + " |")
    for problem in problems:
        print(f"PROBLEM {problem}", file=sys.stderr)
    print(f"\n{len(PROBES)} inputs, {REPEATS} times each to the app"
          f"{'' if server is None else ' and a real server'} (budget {args.budget_ms} ms): "
          f"slowest median {slowest * 1000:.0f} ms, "
          f"{len(problems)} problem{'s' if len(problems) != 1 else ''}")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.index_dir is not None:
        if not args.index_dir.exists():
            print(f"hostile_inputs.py: no index at {args.index_dir}", file=sys.stderr)
            return 2
        return run(args.index_dir, args)
    from tests.conftest import SMALL_SOURCES, build_index
    with tempfile.TemporaryDirectory(prefix="morgue-hostile-") as tmp:
        print("building the small test index ...", file=sys.stderr, flush=True)
        build_index(Path(tmp) / "index", SMALL_SOURCES)
        return run(Path(tmp) / "index", args)


if __name__ == "__main__":
    sys.exit(main())
