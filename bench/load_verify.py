"""After a load trial: was every answer one generation's answer, and how fast did workers follow?

Each JSON search answer names its build (`index.build_id`) and commit. After
the run, every generation named is opened directly, read only, through a
scratch directory whose CURRENT points at it (a symlink to the generation,
so the index directory itself is never touched), and every distinct search
URL is run again there with `run_search`. An answer is wrong when:

  - its total differs from its generation's (the trial's writes use words no
    query of the mix contains, so totals do not move while they land);
  - one of its results is not an article of that generation;
  - it was served at the generation's final commit and its result ids differ
    from the re-run's (earlier commits may rank near-ties differently);
  - it is empty while its generation has results for it, or it is partial.

Article 404s are expected only for ids that some generation seen during the
run lacks.

How fast workers follow a switch is measured two ways. The first-answer lag
is the time from the moment CURRENT changed to each worker's first answer
from the new build: it includes the time requests already queued on the
worker wait for a thread, so under overload it is the queueing delay. A
stale answer is one from an older build to a request sent more than the
bound after the switch: the worker began it after the switch and still read
the old build. That is what "serves the new generation" means, and the
bound applies to it.
"""
from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from bench.load_clients import Outcome
from bench.load_mix import JSON_SEARCH_KINDS

ARTICLE_KINDS = ("article", "article_html", "related")
RERUN_BUDGET_MS = 600_000


def generation_archive(index_dir: Path, name: str, scratch: Path):
    """A search.Archive on one generation of `index_dir`, whatever CURRENT says; None if gone."""
    from index import store
    from search import Archive

    source = Path(index_dir) / store.GENERATIONS / name
    if not (source / store.MANIFEST).is_file():
        return None
    view = scratch / name
    (view / store.GENERATIONS).mkdir(parents=True)
    (view / store.GENERATIONS / name).symlink_to(source.resolve(), target_is_directory=True)
    (view / store.CURRENT).write_text(name + "\n", "utf-8")
    return Archive(view)


def request_of(path: str):
    """The SearchRequest a GET search path asks for."""
    from search.request import parse_request

    return parse_request(parse_qs(urlsplit(path).query, keep_blank_values=True))


def _article_id(path: str) -> str:
    parts = urlsplit(path).path.split("/")
    return unquote(parts[parts.index("articles") + 1])


def expected_404(outcome: Outcome, archives: dict) -> bool:
    """A 404 for an article that some generation seen during the run does not hold."""
    if outcome.kind not in ARTICLE_KINDS or outcome.status != 404:
        return False
    article_id = _article_id(outcome.path)
    return any(a is None or not a.existing_ids([article_id]) for a in archives.values())


def check_answers(outcomes: Sequence[Outcome], archives: dict) -> dict:
    """Every 200 JSON search answer against a re-run on the generation it names."""
    from search import Limits, run_search

    limits = Limits(time_budget_ms=RERUN_BUDGET_MS)
    groups: dict[tuple[str, str], list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        if outcome.kind in JSON_SEARCH_KINDS and outcome.status == 200:
            groups[(outcome.build, outcome.path)].append(outcome)
    problems: list[dict] = []
    exact = checked = 0
    final_commit = {}
    for name, archive in archives.items():
        if archive is not None:
            with archive.searcher() as searcher:
                final_commit[name] = searcher.reader().generation()
    for (build, path), answers in sorted(groups.items(), key=lambda item: str(item[0])):
        archive = archives.get(build)
        if archive is None:
            problems += [_problem(a, "names a build that is not there after the run")
                         for a in answers]
            continue
        again = run_search(archive, request_of(path), limits)
        ids = tuple(result["id"] for result in again["results"])
        for answer in answers:
            checked += 1
            problem = None
            if answer.partial:
                problem = "partial answer"
            elif answer.total != again["total"]:
                problem = f"total {answer.total}, its generation has {again['total']}"
            elif not answer.ids and ids:
                problem = "empty page where its generation has results"
            elif missing := set(answer.ids) - archive.existing_ids(list(answer.ids)):
                problem = f"results not in its generation: {sorted(missing)[:3]}"
            elif answer.commit == final_commit[build]:
                exact += 1
                if answer.ids != ids:
                    problem = "results differ from its generation at the same commit"
            if problem:
                problems.append(_problem(answer, problem))
    return {"answers_checked": checked, "compared_exactly": exact,
            "distinct_searches": len(groups), "problems": len(problems),
            "examples": problems[:10]}


def _problem(outcome: Outcome, what: str) -> dict:
    return {"t": round(outcome.started, 2), "build": outcome.build, "commit": outcome.commit,
            "path": outcome.path, "problem": what}


def switch_lag(outcomes: Sequence[Outcome], switch: dict, bound: float | None) -> dict:
    """Per worker alive at the switch: seconds from the switch to its first answer naming
    the new build; answers from an old build to requests sent over `bound` s after the
    switch (stale; None: not counted); and any old-build answer started after that worker's
    first new one."""
    new, at = switch["name"], switch["t"]
    lags, went_back = {}, []
    for worker in switch.get("workers") or []:
        served = sorted((o for o in outcomes if o.worker == worker and o.build == new
                         and o.ended >= at), key=lambda o: o.ended)
        lags[worker] = round(served[0].ended - at, 3) if served else None
        if served:
            went_back += [o for o in outcomes if o.worker == worker and o.build not in
                          (None, new) and o.started > served[0].ended]
    old = [o for o in outcomes if o.build not in (None, new) and o.ended >= at]
    stale = [o for o in old if bound is not None and o.started > at + bound]
    seen = [lag for lag in lags.values() if lag is not None]
    return {"switched_at": at, "new_build": new, "lag_s": lags,
            "max_lag_s": max(seen) if len(seen) == len(lags) and seen else None,
            "workers_not_seen": [w for w, lag in lags.items() if lag is None],
            "old_build_after_new": len(went_back), "stale_bound_s": bound,
            "stale_answers": len(stale),
            "latest_old_answer_sent_after_s": round(max(o.started for o in old) - at, 3)
            if old else None}


def verify(outcomes: Sequence[Outcome], index_dir: Path,
           builds: set[str]) -> tuple[dict, list[Outcome]]:
    """Open each build read only and check the answers; also which 404s were expected."""
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="load-verify-")))
        archives = {name: generation_archive(index_dir, name, scratch) for name in sorted(builds)}
        answers = check_answers(outcomes, archives)
        expected = [o for o in outcomes if expected_404(o, archives)]
    return {"builds": sorted(builds), "answers": answers, "expected_404": len(expected)}, expected
