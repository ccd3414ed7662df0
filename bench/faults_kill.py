"""The kill trial: kill -9 a reindex at many moments, and check what it leaves behind.

Each trial starts scripts/reindex.py (a full rebuild, or every fourth time an
--incremental run adding more articles) in a session of its own and kills it
with SIGKILL when its trigger fires: at a uniformly random time over the run's
measured duration, or as soon as the disk shows a given step or a later one
(bench/faults.py `signs`, polled every millisecond): the first segment file
(writing), the first column file (a commit under way), a new TOC (a commit
visible), the manifest (the build finished), CURRENT's replacement being
written (the switch under way), CURRENT switched. Then, each time:

1. the live index opens, passes the full integrity check, and holds exactly the
   articles and answers of a state it may be in: the one before the run, or
   the one the run was making (a rebuild of the same sources, or the same
   index plus the added articles);
2. no process of the killed run is left (the extraction workers die with it);
3. the same reindex, run again, succeeds (no stale lock) and yields the state
   it should, and generations/ then holds the live generation and at most the
   one before it.

Seeded: the same seed gives the same plan (the moments the disk triggers land
on vary with the machine, which is why each kill's phase is read off the disk).
A random moment is a fraction of the fastest complete run seen so far; a run
that still finishes before it is no kill, and the trial starts it again.
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.faults import (PHASES, ROOT, Corpus, Snapshot, intact, leftovers, look, phase,
                          reached, reindex, reindex_command, snapshot, survivors)

ATTEMPTS = 3
TARGETS = {"rebuild": ("segment", "column", "toc", "manifest", "switching", "switch"),
           "incremental": ("segment", "column", "toc", "manifest")}
POLL_SECONDS = 0.001


@dataclass(frozen=True)
class Plan:
    kind: str  # "rebuild" or "incremental"
    sign: str | None = None  # kill when this sign shows on disk ...
    fraction: float | None = None  # ... or at this fraction of the run's measured duration

    def describe(self, seconds: float | None = None) -> str:
        if self.sign is not None:
            return f"at the first {self.sign}"
        return f"at {self.fraction:.0%}" + (f" ({seconds:.2f} s)" if seconds else "")


@dataclass
class Trial:
    number: int
    kind: str
    trigger: str
    killed_at: float | None  # seconds after the start; None: it finished first
    phase: str
    problems: list[str] = field(default_factory=list)
    lost: int = 0
    survivors: int = 0
    next_ok: bool = False
    leftovers: list[str] = field(default_factory=list)
    attempts: int = 1  # runs started: one more for each that finished before its kill

    @property
    def survived(self) -> bool:
        return (not self.problems and not self.lost and not self.survivors and self.next_ok
                and not self.leftovers)


def plan(trials: int, rng: random.Random) -> list[Plan]:
    """Every fourth trial incremental; about half the kills on disk signs, half at random.

    Rebuilds alternate a random moment and the next of their signs; --incremental runs
    take their four signs in turn, then a random moment. 20 trials: 15 rebuilds (7 on
    signs, all six covered) and 5 incremental runs (4 on signs).
    """
    plans, runs = [], {kind: 0 for kind in TARGETS}
    for number in range(trials):
        kind = "incremental" if number % 4 == 3 else "rebuild"
        runs[kind] += 1
        targets = TARGETS[kind]
        if kind == "rebuild":
            sign = targets[(runs[kind] // 2 - 1) % len(targets)] if runs[kind] % 2 == 0 \
                else None
        else:
            turn = (runs[kind] - 1) % (len(targets) + 1)
            sign = targets[turn] if turn < len(targets) else None
        plans.append(Plan(kind, sign=sign) if sign else
                     Plan(kind, fraction=rng.uniform(0.03, 0.97)))
    return plans


def run_and_kill(index_dir: Path, command: list[str], plan: Plan, seconds: float,
                 timeout: float = 900) -> tuple[float | None, int, str]:
    """Start `command`, kill it -9 as `plan` says: (seconds at the kill, pid, phase).

    The seconds are None and the phase "finished first" when it ended before the kill.
    """
    before = look(index_dir)
    kill_at = None if plan.fraction is None else plan.fraction * seconds
    with tempfile.TemporaryFile() as log:  # never a pipe: nobody reads it while it runs
        started = time.monotonic()
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log,
                                   start_new_session=True)
        try:
            while process.poll() is None:
                elapsed = time.monotonic() - started
                if (elapsed >= kill_at if kill_at is not None
                        else reached(plan.sign, before, look(index_dir))):
                    os.kill(process.pid, signal.SIGKILL)
                    process.wait()
                    return elapsed, process.pid, phase(before, look(index_dir))
                if elapsed > timeout:
                    os.kill(process.pid, signal.SIGKILL)
                    raise RuntimeError(f"the reindex ran past {timeout} s")
                time.sleep(POLL_SECONDS)
            return None, process.pid, "finished first"
        finally:
            process.wait()


@dataclass
class KillReport:
    seed: int
    seconds: dict[str, float]  # measured duration of each kind of run
    trials: list[Trial]

    def by_phase(self) -> list[dict]:
        rows = []
        for name in PHASES + ("finished first",):
            group = [t for t in self.trials if t.phase == name]
            if group:
                rows.append(_row(name, group))
        rows.append(_row("all", self.trials))
        return rows

    def to_dict(self) -> dict:
        return {"seed": self.seed, "seconds": self.seconds, "phases": self.by_phase(),
                "trials": [asdict(t) | {"survived": t.survived} for t in self.trials]}


def _row(name: str, group: list[Trial]) -> dict:
    kills = [t for t in group if t.killed_at is not None]
    return {"phase": name, "trials": len(group), "kills": len(kills),
            "intact": sum(not t.problems for t in group),
            "no_worker_left": sum(not t.survivors for t in group),
            "next_reindex_ok": sum(t.next_ok for t in group),
            "no_leftover_generation": sum(not t.leftovers for t in group),
            "survived": sum(t.survived for t in group),
            "articles_lost": sum(t.lost for t in group)}


def kill_trials(workdir: Path, corpus: Corpus, plans: list[Plan], seed: int,
                say: Callable[[str], None] = print) -> KillReport:
    """Run `plans` against a fresh index in `workdir` (see the module's docstring)."""
    index_dir = workdir / "index"
    seconds, states = _set_up(index_dir, corpus, any(p.kind == "incremental" for p in plans),
                              say)
    state = states["rebuild"]
    trials = []
    for number, p in enumerate(plans, 1):
        trial, state = _trial(index_dir, corpus, number, p, seconds, states, state)
        trials.append(trial)
        say(f"trial {number}/{len(plans)}: {p.kind} killed {trial.trigger} in phase "
            f"{trial.phase}: {'survived' if trial.survived else 'FAILED ' + str(trial.problems)}")
    return KillReport(seed, seconds, trials)


def _trial(index_dir: Path, corpus: Corpus, number: int, p: Plan, seconds: dict[str, float],
           states: dict[str, Snapshot], state: Snapshot) -> tuple[Trial, Snapshot]:
    """One kill and its checks; returns the trial and the state the index is left in.

    A run that ends before its kill (it went faster than the fastest seen so far) is
    not a kill: the same plan is tried again, on the timing of that run.
    """
    sources, options = ((corpus.extra, ("--incremental",)) if p.kind == "incremental"
                        else (corpus.base, ()))
    target = states[p.kind]
    for attempt in range(1, ATTEMPTS + 1):
        if p.kind == "incremental" and state is not states["rebuild"]:
            _timed(index_dir, corpus.base, (), corpus, seconds, "rebuild")
            state = states["rebuild"]  # where an --incremental run starts from
        started = time.monotonic()
        killed_at, pid, where = run_and_kill(index_dir, reindex_command(index_dir, sources,
                                                                        *options),
                                             p, seconds[p.kind])
        if killed_at is not None or attempt == ATTEMPTS:
            break
        seconds[p.kind] = min(seconds[p.kind], time.monotonic() - started)
        state = target
    trial = Trial(number, p.kind, p.describe(killed_at if p.fraction else None), killed_at,
                  where, attempts=attempt)
    trial.survivors = survivors(pid)
    trial.problems, trial.lost, _ = intact(index_dir, _unique([state, target]), corpus.queries)
    again = _timed(index_dir, sources, options, corpus, seconds, p.kind)
    trial.next_ok = again.returncode == 0
    if not trial.next_ok:
        trial.problems.append(f"the next reindex failed: {again.stderr.strip()[-300:]}")
    else:
        problems, lost, _ = intact(index_dir, [target], corpus.queries)
        trial.problems += [f"after the next reindex: {problem}" for problem in problems]
        trial.lost += lost
        state = target
    trial.leftovers = leftovers(index_dir)
    return trial, state


def _timed(index_dir: Path, sources: tuple[str, ...], options: tuple[str, ...],
           corpus: Corpus, seconds: dict[str, float], kind: str) -> subprocess.CompletedProcess:
    """A run to the end; a finished run may be the fastest yet, which random kills aim within."""
    started = time.monotonic()
    result = reindex(index_dir, sources, *options, *corpus.calm_workers)
    if result.returncode == 0:
        seconds[kind] = round(min(seconds[kind], time.monotonic() - started), 2)
    return result


def _unique(states: list) -> list:
    return [s for n, s in enumerate(states) if all(s is not o for o in states[:n])]


def _set_up(index_dir: Path, corpus: Corpus, incremental: bool,
            say: Callable[[str], None]) -> tuple[dict[str, float], dict]:
    """Build the states a trial compares with, timing each kind of run."""
    seconds, states = {}, {}
    runs = [("rebuild", corpus.base, ())]
    if incremental:
        runs += [("incremental", corpus.extra, ("--incremental",)),
                 ("rebuild again", corpus.base, ())]
    for name, sources, options in runs:
        started = time.monotonic()
        result = reindex(index_dir, sources, *options, *corpus.calm_workers)
        if result.returncode != 0:
            raise RuntimeError(f"setting up, {name} failed: {result.stderr[-500:]}")
        seconds[name] = round(time.monotonic() - started, 2)
        states[name] = snapshot(index_dir, corpus.queries)
        say(f"set-up: {name} in {seconds[name]:.1f} s, {len(states[name].ids):,} articles")
    if incremental and not states["rebuild again"].same_content(states["rebuild"]):
        raise RuntimeError("two rebuilds of the same sources answer differently: "
                           "the trial could not tell a damaged index from a healthy one")
    seconds["rebuild"] = min(seconds["rebuild"], seconds.pop("rebuild again", seconds["rebuild"]))
    seconds.setdefault("incremental", seconds["rebuild"])
    return seconds, states
