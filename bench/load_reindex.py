"""The reindex trial: a full rebuild switches generations under load while writes arrive.

Timeline (seconds since the load started): after 10 % of `seconds`, an
incremental reindex adds probe articles to the live generation, then the
full rebuild of the sources (plus `distinct` shifted copies,
bench/load_writes.py) runs to its switch, then a second incremental reindex
writes into the new generation. An incremental reindex cannot run while the
rebuild holds the index's reindex lock (by design), hence one before and one
after. API posts arrive from the first step until shortly before the end
(the quiet end lets the last answers be compared with their generation
exactly). The load lasts `seconds`, or until the second incremental reindex
has finished plus `tail`, within `max_seconds`.

Checks: no errors; no partial answer; every search answer agrees with the
generation it names (bench/load_verify.py); every worker alive at the switch
answers from the new build and never goes back, and no answer from the old build
goes to a request sent over `lag_bound` s after the switch; every
accepted API post is in the final live generation (journal replay).
"""
from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from bench import load_procs
from bench.load_verify import switch_lag, verify
from bench.load_writes import ApiWriter, SwitchWatcher, run_reindex, write_distinct_copies, \
    write_probes

WARMUP_SHARE = 0.1
PROBES_PER_INCREMENT = 20
APPLY_WAIT = 60.0  # seconds for the applier to catch up with the journal after the load


class ReindexConductor:
    def run(self, context) -> None:
        # The load lasts until the writes are done plus `tail`: until then, only max_seconds
        # stops it (and an exception here ends it at once).
        context.deadline = context.options.max_seconds
        try:
            self._conduct(context)
        finally:
            context.deadline = min(context.deadline, context.now())

    def _conduct(self, context) -> None:
        options, index_dir = context.options, Path(context.options.index_dir)
        self.watcher = SwitchWatcher(index_dir, context.origin,
                                     on_change=lambda: load_procs.children(context.master))
        self.watcher.start()
        self.scratch = Path(tempfile.mkdtemp(prefix="load-reindex-"))
        stamp = time.strftime("%H%M%S")
        quiet = min(10.0, options.tail / 3)
        self.writer = ApiWriter(context.url, context.token, f"load-api-{stamp}",
                                origin=context.origin, deadline=lambda: context.deadline - quiet,
                                interval=options.write_interval)
        time.sleep(max(0.0, WARMUP_SHARE * options.seconds - context.now()))
        self.writer.start()
        self.steps = {}
        inc1 = self.scratch / "increment-1.jsonl"
        self.before_ids = write_probes(inc1, f"load-inc1-{stamp}", PROBES_PER_INCREMENT)
        self.steps["incremental_before"] = self._reindex(context, [str(inc1), "--incremental",
                                                                       "--workers", "1"])
        distinct = self.scratch / "distinct-copies.jsonl"
        copies = write_distinct_copies(distinct, context.documents, options.distinct)
        self.steps["rebuild"] = self._reindex(
            context, [*options.reindex_sources, str(distinct)], reserve=options.tail)
        self.steps["rebuild"]["distinct_copies"] = copies
        inc2 = self.scratch / "increment-2.jsonl"
        self.after_ids = write_probes(inc2, f"load-inc2-{stamp}", PROBES_PER_INCREMENT)
        self.steps["incremental_after"] = self._reindex(context, [str(inc2), "--incremental",
                                                                      "--workers", "1"])
        context.deadline = min(options.max_seconds,
                               max(options.seconds, context.now() + options.tail))
        time.sleep(max(0.0, context.deadline - context.now()))
        self.writer.stop()

    def _reindex(self, context, arguments: list[str], reserve: float = 0.0) -> dict:
        started = context.now()
        timeout = context.options.max_seconds - started - reserve
        step = run_reindex([*arguments, "--index-dir", str(context.options.index_dir),
                            "--nice", str(context.options.reindex_nice)], timeout)
        step["t"] = round(started, 1)
        return step

    def check(self, context, outcomes) -> tuple[dict, list[str], list]:
        from index import store
        from search import Archive

        index_dir = Path(context.options.index_dir)
        self.watcher.stop()
        shutil.rmtree(self.scratch, ignore_errors=True)
        failures = [f"{name} exited with {step['exit']}: {step['tail'][-200:]}"
                    for name, step in self.steps.items() if step["exit"] != 0]
        applied = _wait_for_applier(index_dir)
        final = store.live_name(index_dir)
        missing = sorted(set(self.writer.accepted + self.after_ids)
                         - Archive(index_dir).existing_ids(self.writer.accepted + self.after_ids))
        builds = {o.build for o in outcomes if o.build} | {self.watcher.first, final} | \
            {change["name"] for change in self.watcher.changes}
        checked, expected = verify(outcomes, index_dir, builds - {None})
        posts = self.writer.posts
        section = {"steps": self.steps, "switches": self.watcher.changes,
                   "answers": checked["answers"], "expected_404": len(expected),
                   "posts": len(posts), "posts_accepted": len(self.writer.accepted),
                   "post_statuses": sorted({str(p["status"]) for p in posts}),
                   "applied_within_s": applied, "writes_missing_after": len(missing)}
        if not self.watcher.changes:
            failures.append("CURRENT never changed: the rebuild did not switch generations")
        else:
            bound = context.options.lag_bound
            lag = switch_lag(outcomes, self.watcher.changes[0], bound)
            section["lag"] = lag
            if lag["workers_not_seen"]:
                failures.append(f"workers never seen answering from the new build: "
                                f"{lag['workers_not_seen']}")
            if lag["stale_answers"]:  # a worker that began a request after the switch
                failures.append(f"{lag['stale_answers']} answers from the old build to requests "
                                f"sent over {bound} s after the switch")
            if lag["old_build_after_new"]:
                failures.append(f"{lag['old_build_after_new']} answers from the old build "
                                "after the same worker had served the new one")
        if checked["answers"]["problems"]:
            failures.append(f"{checked['answers']['problems']} search answers disagree with "
                            f"the generation they name: {checked['answers']['examples'][:2]}")
        if len(self.writer.accepted) != len(posts):
            refused = [p for p in posts if p["status"] != 202]
            failures.append(f"{len(refused)} API posts not accepted, e.g. {refused[:3]}")
        if missing:
            failures.append(f"{len(missing)} written articles missing from the final "
                            f"generation, e.g. {missing[:3]}")
        return section, failures, expected


def _wait_for_applier(index_dir: Path) -> float | None:
    """Seconds until the live generation holds every journal entry (None: not within the wait)."""
    from index import store
    from index.journal import Journal

    started = time.monotonic()
    journal = Journal(index_dir)
    while time.monotonic() - started < APPLY_WAIT:
        if store.live_generation(index_dir).journal_seq >= journal.last_seq():
            return round(time.monotonic() - started, 2)
        time.sleep(0.1)
    return None
