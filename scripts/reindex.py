"""Bulk (re)indexing: python scripts/reindex.py SOURCE... [options]

Without --incremental, builds a complete new index generation beside the live
one and switches to it atomically; with --incremental, adds new and changed
articles to the live index. Progress goes to stderr, one summary line to stdout.
Exit status: 0 finished (even with skipped records), 1 nothing indexed or the
index could not be written, 2 bad arguments.

`reindex.py --check [--index-dir DIR]` reads every file of the live index and
compares it with the sizes and checksums its commit recorded: exit 0 when it is
intact, 1 when it is damaged or missing (the message names the file).
`reindex.py --rollback [--index-dir DIR]` makes the generation before the last
rebuild live again, after the same check of it: the way back from a damaged
or unwanted build without reindexing.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tqdm import tqdm  # noqa: E402

from index import integrity, store, writer  # noqa: E402
from index.errors import IndexUnavailable, MorgueError  # noqa: E402
from index.pipeline import iter_records  # noqa: E402
from index.readers import expand_sources  # noqa: E402
from index.settings import BACKENDS, load_settings  # noqa: E402

DEFAULT_WORKERS = max(1, min(4, os.cpu_count() or 1))
# A rebuild beside a serving archive must not starve its searchers: on a busy machine the
# server's workers go first and the rebuild takes the idle time (on an idle one, all of it).
DEFAULT_NICENESS = 10


def progress_bar():
    """A live counter on a terminal (tqdm); nothing at all when stderr is a log or a pipe."""
    bar = tqdm(unit=" articles", file=sys.stderr, disable=not sys.stderr.isatty(),
               dynamic_ncols=True, mininterval=0.5)
    return bar, lambda count: bar.update(count - bar.n)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="reindex.py", description=__doc__.split("\n")[0])
    parser.add_argument("sources", nargs="*", metavar="SOURCE",
                        help="file, directory (walked recursively) or glob")
    parser.add_argument("--index-dir", help="index directory (default: MORGUE_INDEX_DIR)")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS,
                        help="processes that parse and extract articles (default: one per "
                             f"core, here {DEFAULT_WORKERS}; the writer is always one)")
    parser.add_argument("--nice", type=int, default=DEFAULT_NICENESS, metavar="N",
                        help="run this many steps below normal CPU priority, 0 to 19 "
                             f"(default {DEFAULT_NICENESS}: searches on a running server go "
                             "first; 0: full speed on a busy machine)")
    parser.add_argument("--backend", choices=BACKENDS, default=None,
                        help="where the articles go (default: MORGUE_BACKEND, else whoosh); "
                             "sphinxql writes to the shards of the cluster in "
                             "--cluster-dir, then rebuilds its global IDF file")
    parser.add_argument("--cluster-dir", help="the SphinxQL cluster's directory (default: "
                                              "MORGUE_SPHINXQL_CLUSTER_DIR)")
    parser.add_argument("--incremental", action="store_true",
                        help="add new and changed articles to the live index in place")
    parser.add_argument("--report", type=Path, help="write every skipped record as JSON here")
    parser.add_argument("--strict", action="store_true",
                        help="stop at the first record that has to be skipped, changing nothing")
    parser.add_argument("--if-stale", action="store_true",
                        help="do nothing when the live index is newer than every source file")
    parser.add_argument("--check", action="store_true",
                        help="index nothing: check every file of the live index against its "
                             "recorded sizes and checksums (exit 1 when damaged)")
    parser.add_argument("--rollback", action="store_true",
                        help="index nothing: make the generation before the last rebuild live "
                             "again, if it is intact")
    args = parser.parse_args(argv)
    if args.check or args.rollback:
        if (args.sources or args.incremental or args.if_stale or args.strict
                or args.check and args.rollback):
            parser.error("--check and --rollback take no SOURCE, and no other option but "
                         "--index-dir")
    elif not args.sources:
        parser.error("the following arguments are required: SOURCE")
    if args.workers < 1:
        parser.error(f"--workers must be at least 1 (got {args.workers})")
    if not 0 <= args.nice <= 19:
        parser.error(f"--nice must be from 0 to 19 (got {args.nice})")
    if args.incremental and args.if_stale:
        parser.error("--if-stale applies to full rebuilds only")
    if args.backend == "sphinxql" and (args.incremental or args.if_stale or args.check
                                       or args.rollback):
        parser.error("--backend sphinxql does full rebuilds only: --incremental, --if-stale, "
                     "--check and --rollback are for the whoosh backend")
    return args


def write_report(path: Path, tally: writer.Tally, summary: str) -> None:
    report = {"summary": summary, "skipped": tally.skipped, "undated": tally.undated,
              "problems": [problem.to_dict() for problem in tally.problems]}
    path.write_text(json.dumps(report, indent=2), "utf-8")


def check(index_dir: Path) -> int:
    """--check: the full integrity check of the live generation, one line on stdout."""
    try:
        generation = store.live_generation(index_dir)
    except IndexUnavailable as exc:
        print(f"{exc.state}: {exc.message}", file=sys.stdout)
        print(exc.hint or "", file=sys.stderr)
        return 1
    verdict = integrity.check(generation.path, full=True)
    if verdict.ok:
        print(f"{verdict.summary()} (generation {generation.name} in {index_dir})")
        return 0
    error = integrity.unavailable(index_dir, generation, verdict.damage)
    print(f"damaged: {error.message}")
    print(error.hint, file=sys.stderr)
    previous = store.previous_generation(index_dir)
    if previous is not None and integrity.check(previous.path, full=True).ok:
        print(f"Or go back to the previous build ({previous.name}, intact) at once: python "
              f"scripts/reindex.py --rollback --index-dir {index_dir}", file=sys.stderr)
    return 1


def rollback(index_dir: Path) -> int:
    """--rollback: the previous generation live again; one line on stdout."""
    try:
        generation, replaced = writer.roll_back(index_dir)
    except MorgueError as exc:
        print(f"rollback failed: {exc.message} {exc.hint or ''}".rstrip(), file=sys.stderr)
        return 1
    print(f"live index: generation {generation.name} again "
          f"({generation.manifest.get('documents', 0):,} documents, built "
          f"{generation.manifest.get('created')}); {replaced} stays beside it until the "
          "next rebuild")
    return 0


def rebuild_cluster(args: argparse.Namespace, cluster_dir: Path | None) -> int:
    """--backend sphinxql: the same extraction, written to the cluster's shards."""
    from index.sphinxql import cluster, global_idf, rebuild

    if cluster_dir is None:
        print("reindex failed: --backend sphinxql needs --cluster-dir DIR (or "
              "MORGUE_SPHINXQL_CLUSTER_DIR): start one with python scripts/cluster.py start "
              "--dir DIR", file=sys.stderr)
        return 2
    started = time.monotonic()
    files, problems = expand_sources(args.sources)
    print(f"reading {len(files):,} file(s) into the SphinxQL cluster in {cluster_dir}",
          file=sys.stderr)
    bar, progress = progress_bar()
    try:
        spec = cluster.load(cluster_dir)
        tally = rebuild.rebuild(spec.write_addresses(), iter_records(files, args.workers),
                                progress=progress, strict=args.strict)
    except (MorgueError, OSError, ValueError) as exc:
        print(f"reindex failed: {exc}", file=sys.stderr)
        return 1
    finally:
        bar.close()
    why_not = global_idf.refresh(spec)
    if why_not:
        print(f"  no global IDF file: {why_not}; each shard ranks by its own word statistics",
              file=sys.stderr)
    tally.problems[:0] = problems
    tally.skipped += sum(problem.skipped for problem in problems)
    summary = tally.summary(time.monotonic() - started)
    for problem in tally.problems[:10]:
        print(f"  {problem.to_dict()['action']}: {problem.origin}: {problem.reason}",
              file=sys.stderr)
    if args.report:
        write_report(args.report, tally, summary)
    print(summary)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    settings = load_settings({"INDEX_DIR": args.index_dir, "BACKEND": args.backend,
                              "SPHINXQL_CLUSTER_DIR": args.cluster_dir})
    index_dir: Path = settings["INDEX_DIR"]
    if settings["BACKEND"] == "sphinxql":
        os.nice(args.nice)
        return rebuild_cluster(args, settings["SPHINXQL_CLUSTER_DIR"])
    if args.check:
        return check(index_dir)
    if args.rollback:
        return rollback(index_dir)
    # A file-size limit (ulimit -f) then fails a write with EFBIG, reported like a full
    # disk, instead of killing the process half way through with SIGXFSZ.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    os.nice(args.nice)  # before the pipeline starts: its worker processes inherit it
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
