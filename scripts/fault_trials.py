"""Fault trials: python scripts/fault_trials.py [--trials 20] [--seed N] [--tmpfs] [--json]

Three trials on scratch indexes (nothing of yours is touched), each a count of
checks that held:

- kills: scripts/reindex.py killed with SIGKILL N times, at random moments and
  as soon as the disk shows each step of a rebuild or an --incremental run
  (bench/faults_kill.py); after each, the live index is intact, no worker is
  left, the next reindex succeeds and no generation is left over;
- disk: a full rebuild, an --incremental run and an API write that find the
  disk full (bench/faults_disk.py): a file-size limit, or with --tmpfs (root)
  a small tmpfs filled up;
- damage: a segment file truncated, then one overwritten, under a real server
  (bench/faults_damage.py).

Markdown tables on stdout (or JSON with --json), progress on stderr. Exit 0
when every check held, 1 when one did not, 2 for bad arguments.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.faults import REUTERS, TINY, Corpus, reindex  # noqa: E402
from bench.faults_damage import damaged_segment  # noqa: E402
from bench.faults_disk import (LEAVE, FileSizeLimit, Outcome, SmallDisk,  # noqa: E402
                               api_write_without_room, reindex_without_room)
from bench.faults_kill import KillReport, kill_trials, plan  # noqa: E402

CORPORA = {"reuters": REUTERS, "tiny": TINY}
PARTS = ("kills", "disk", "damage")
# Room (bytes: a file-size limit, or what a full tmpfs has left) for an --incremental run
# and a rebuild: less than the largest file each writes, more than the 50 KB TOC that a
# new generation starts with (for the tiny corpus's few added articles, less: the commit
# then fails after its segment's files are written).
LIMITS = {"reuters": (1 << 20, 1 << 20), "tiny": (40 << 10, 64 << 10)}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="fault_trials.py", description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=20, help="kills (default 20)")
    parser.add_argument("--seed", type=int, help="random seed (default: a new one, printed)")
    parser.add_argument("--corpus", choices=sorted(CORPORA), default="reuters",
                        help="reuters: 1,000 stories, 1,000 more added (default); tiny: the "
                             "tests' articles")
    parser.add_argument("--parts", default=",".join(PARTS),
                        help=f"comma list of {', '.join(PARTS)} (default: all)")
    parser.add_argument("--tmpfs", action="store_true",
                        help="fill a small tmpfs (needs root) instead of a file-size limit")
    parser.add_argument("--workdir", type=Path, help="scratch directory (default: a new one)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument("--json", action="store_true", help="JSON on stdout")
    args = parser.parse_args(argv)
    args.parts = [part.strip() for part in args.parts.split(",") if part.strip()]
    unknown = sorted(set(args.parts) - set(PARTS))
    if unknown:
        parser.error(f"--parts: unknown {', '.join(unknown)} (choose from {', '.join(PARTS)})")
    if args.trials < 1:
        parser.error(f"--trials must be at least 1 (got {args.trials})")
    if args.tmpfs and os.geteuid() != 0:
        parser.error("--tmpfs mounts a tmpfs, which needs root")
    return args


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def disk_trials(workdir: Path, corpus: Corpus, name: str, tmpfs: bool) -> list[Outcome]:
    """An --incremental run, a full rebuild and an API write, each on a full disk."""
    built = workdir / "disk-base"
    if reindex(built, corpus.base).returncode != 0:
        raise RuntimeError("building the base index failed")
    if tmpfs:
        size = sum(p.stat().st_size for p in built.rglob("*") if p.is_file())
        disk = SmallDisk(workdir / "tmpfs", megabytes=8 * size // 2**20 + 8)
        rooms = [disk.leaving(nbytes) for nbytes in LIMITS[name]] + [disk]
        index_dir = disk.mount / "index"
    else:
        rooms = [FileSizeLimit(nbytes) for nbytes in LIMITS[name]] + [FileSizeLimit(LEAVE)]
        index_dir = workdir / "disk"
    say(f"disk: {rooms[0].name}")
    try:
        shutil.copytree(built, index_dir)
        outcomes = [reindex_without_room(index_dir, corpus.extra, ("--incremental",), rooms[0],
                                         corpus.queries)]
        say(f"  {outcomes[-1].scenario}: {'ok' if outcomes[-1].ok else 'FAILED'}")
        outcomes.append(reindex_without_room(index_dir, corpus.base + corpus.extra, (),
                                             rooms[1], corpus.queries))
        say(f"  {outcomes[-1].scenario}: {'ok' if outcomes[-1].ok else 'FAILED'}")
        outcomes.append(api_write_without_room(index_dir, rooms[2]))
        say(f"  {outcomes[-1].scenario}: {'ok' if outcomes[-1].ok else 'FAILED'}")
    finally:
        if tmpfs:
            disk.close()
    return outcomes


def damage_trials(workdir: Path, corpus: Corpus) -> list[Outcome]:
    index_dir = workdir / "damage"
    if reindex(index_dir, corpus.base).returncode != 0:
        raise RuntimeError("building the index to damage failed")
    outcomes = []
    for how in ("truncate", "overwrite"):
        outcomes.append(damaged_segment(index_dir, corpus, how))
        say(f"damage: {outcomes[-1].scenario}: {'ok' if outcomes[-1].ok else 'FAILED'}")
    return outcomes


def kill_table(report: KillReport, corpus: str) -> list[str]:
    seconds = ", ".join(f"{kind} {value:.1f} s" for kind, value in report.seconds.items())
    lines = [f"### kill -9 of a reindex: {len(report.trials)} trials, seed {report.seed}, "
             f"{corpus} corpus (fastest complete runs: {seconds})", "",
             "| phase at the kill | trials | live index intact | no worker left | "
             "next reindex ok | no leftover generation | survived | articles lost |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in report.by_phase():
        n = row["trials"]
        lines.append(f"| {row['phase']} | {n} | {row['intact']}/{n} | "
                     f"{row['no_worker_left']}/{n} | {row['next_reindex_ok']}/{n} | "
                     f"{row['no_leftover_generation']}/{n} | {row['survived']}/{n} | "
                     f"{row['articles_lost']} |")
    lines += ["", "| # | run | killed | phase | result |", "| ---: | --- | --- | --- | --- |"]
    for t in report.trials:
        again = f" (attempt {t.attempts}: the earlier ones finished first)" \
            if t.attempts > 1 else ""
        lines.append(f"| {t.number} | {t.kind} | {t.trigger}{again} | {t.phase} | "
                     f"{'survived' if t.survived else '; '.join(t.problems) or 'FAILED'} |")
    return lines


def outcome_table(title: str, outcomes: list[Outcome]) -> list[str]:
    lines = [f"### {title}", "", "| scenario | checks held | failed |", "| --- | ---: | --- |"]
    for outcome in outcomes:
        held = sum(outcome.checks.values())
        failed = "; ".join(name for name, ok in outcome.checks.items() if not ok)
        lines.append(f"| {outcome.scenario} | {held}/{len(outcome.checks)} | {failed} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    seed = args.seed if args.seed is not None else secrets.randbelow(10**6)
    corpus = CORPORA[args.corpus]
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="morgue-faults-"))
    workdir.mkdir(parents=True, exist_ok=True)
    say(f"fault trials in {workdir}, seed {seed}")
    started, result, lines, ok = time.monotonic(), {"seed": seed, "corpus": args.corpus}, [], True
    try:
        if "kills" in args.parts:
            report = kill_trials(workdir / "kills", corpus, plan(args.trials, random.Random(seed)),
                                 seed, say)
            result["kills"] = report.to_dict()
            lines += kill_table(report, args.corpus) + [""]
            ok &= all(t.survived for t in report.trials)
        if "disk" in args.parts:
            outcomes = disk_trials(workdir, corpus, args.corpus, args.tmpfs)
            result["disk"] = [vars(o) for o in outcomes]
            lines += outcome_table(f"Disk full ({'tmpfs' if args.tmpfs else 'file-size limit'})",
                                   outcomes) + [""]
            ok &= all(o.ok for o in outcomes)
        if "damage" in args.parts:
            outcomes = damage_trials(workdir, corpus)
            result["damage"] = [vars(o) for o in outcomes]
            lines += outcome_table("Damaged segment file under a running server", outcomes)
            ok &= all(o.ok for o in outcomes)
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    result["seconds"] = round(time.monotonic() - started, 1)
    result["ok"] = ok
    print(json.dumps(result, indent=2, default=str) if args.json else "\n".join(lines))
    say(f"{'all checks held' if ok else 'SOME CHECKS FAILED'} in {result['seconds']:.0f} s "
        f"(seed {seed})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
