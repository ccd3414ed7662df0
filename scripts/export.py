"""Export the whole archive as JSON Lines: python scripts/export.py [--output FILE] [options]

One article per line with every field a re-import needs, so
`python scripts/reindex.py FILE` rebuilds the same archive, articles posted
through the API included. Streams (one article in memory at a time) to FILE,
written under a temporary name and renamed when complete (gzip-compressed
when FILE ends in .gz), or to stdout. Exit status: 0 done, 1 no usable index
or the file could not be written, 2 bad arguments.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from pathlib import Path
from typing import IO

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index.errors import MorgueError  # noqa: E402
from index.export import iter_export  # noqa: E402
from index.settings import load_settings  # noqa: E402


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="export.py", description=__doc__.split("\n")[0])
    parser.add_argument("--output", "-o", default="-",
                        help="file to write (.gz: compressed); - or nothing: stdout")
    parser.add_argument("--index-dir", help="index directory (default: MORGUE_INDEX_DIR)")
    return parser.parse_args(argv)


def write_lines(index_dir: Path, out: IO[str]) -> int:
    count = 0
    for record in iter_export(index_dir):
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def export_to_file(index_dir: Path, path: Path) -> int:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(tmp, "wt", encoding="utf-8") as out:
            count = write_lines(index_dir, out)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return count


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    index_dir: Path = load_settings({"INDEX_DIR": args.index_dir})["INDEX_DIR"]
    started = time.monotonic()
    to_stdout = args.output == "-"
    try:
        if to_stdout:
            count = write_lines(index_dir, sys.stdout)
            sys.stdout.flush()
        else:
            count = export_to_file(index_dir, Path(args.output))
    except MorgueError as exc:
        print(f"export failed: {exc.message} {exc.hint or ''}".strip(), file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"export failed: {exc}", file=sys.stderr)
        return 1
    summary = (f"exported {count:,} articles from {index_dir} to "
               f"{'stdout' if to_stdout else args.output} in {time.monotonic() - started:.1f} s")
    print(summary, file=sys.stderr if to_stdout else sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
