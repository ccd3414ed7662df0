"""Run a SphinxQL cluster on this machine: python scripts/cluster.py start|stop|status --dir DIR

`start` starts the cluster DIR holds (its ports, its data), or a new one in free
ports on 127.0.0.1 (`--shards N`, default 2; `--mirrors` for a second copy of
each shard), waits until every searchd answers and prints the head's SphinxQL
address (127.0.0.1:PORT) as its last line. `stop` stops every searchd of DIR.
`status` prints one line per node. Exit status: 0 done, 1 failed, 2 bad arguments.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index.errors import MorgueError  # noqa: E402
from index.sphinxql import cluster  # noqa: E402


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="cluster.py", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=("start", "stop", "status"))
    parser.add_argument("--dir", required=True, help="the cluster's directory (cluster.json, "
                                                     "each node's config, logs and data)")
    parser.add_argument("--shards", type=int, help="shards of a new cluster (default 2)")
    parser.add_argument("--mirrors", action="store_true",
                        help="give each shard of a new cluster a mirror node")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.shards is not None and args.shards < 1:
        print(f"cluster.py: --shards must be at least 1 (got {args.shards})", file=sys.stderr)
        return 2
    try:
        if args.command == "start":
            started = cluster.start(args.dir, args.shards, True if args.mirrors else None)
            print(f"started {len(started.nodes)} searchd in {started.dir}", file=sys.stderr)
            print(started.head)
        elif args.command == "stop":
            cluster.stop(args.dir)
            print(f"stopped the cluster in {Path(args.dir).resolve()}")
        else:
            spec = cluster.load(args.dir)
            running = cluster.status(args.dir)
            for node in spec.nodes:
                print(f"{node.name} {node.address} "
                      f"{'running' if running[node.name] else 'stopped'}")
    except MorgueError as exc:
        hint = f" ({exc.hint})" if exc.hint else ""
        print(f"cluster.py: {exc.message.splitlines()[0]}{hint}", file=sys.stderr)
        if "\n" in exc.message:  # the log tail that says why, after the one-line error
            print(exc.message.split("\n", 1)[1], file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
