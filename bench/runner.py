"""The timed phases: building an engine's index, and running the query mix against it.

Builds run in this process, timed from the first JSONL line read to the last
byte committed. Each engine's query phase runs in a fresh child process
(multiprocessing "spawn"), so its peak RSS (VmHWM of the child) is that
engine's own: the interpreter, the engine's libraries, the open index and
whatever the queries made it cache, with nothing inherited from the builds
or the other engines. The child also reports its baseline before it loads the
engine, so the growth due to the engine, its index and the queries can be told
apart.

In the child: open the index (timed: the handle made usable, e.g. Morgue's
Archive and its first searcher), run a few warm-up queries (the first one's
time is reported as the cold first query), then time each query of the mix
with time.perf_counter around the engine's whole call, which materialises the
page of 10 results with snippets (and facets for `facets`). For `deep`, pages
1-4 are fetched untimed by following each engine's next-page token, then
page 5 is timed, so every engine pays the same for the walk there.
A query an engine raises `Refused` for (a feature its backend does not offer)
or `Failed` for (an error its backend gave) is counted as such per class, with
the first reason, never timed. The session is closed even when a query fails,
so an engine that runs processes of its own (the SphinxQL cluster's searchd)
stops them; its `notes`, when it has them, replace the module's NOTES (they
may say what the build or the run found).
"""
from __future__ import annotations

import multiprocessing
import resource
import statistics
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bench import engines, stats
from bench.queries import CLASSES, Query, digest
from bench.workspace import Corpus, dir_size


class Unanswered(Exception):
    """A query an engine did not answer: counted per class under `kind`, never timed."""

    kind = "unanswered"


class Refused(Unanswered):
    """The engine cannot run this query: its backend refuses a feature the query needs."""

    kind = "refused"


class Failed(Unanswered):
    """The engine's backend gave an error for this query: a fault, reported as one."""

    kind = "failed"


UNANSWERED = (Refused.kind, Failed.kind)


def build_engine(name: str, corpus: Corpus, index_dir: Path, workers: int) -> dict:
    """Build one engine's index from the corpus files and return its figures."""
    module = engines.load(name)
    started = time.perf_counter()
    documents = module.build(corpus.files, index_dir, workers)
    seconds = time.perf_counter() - started
    return {"documents": documents, "seconds": round(seconds, 3),
            "articles_per_s": round(corpus.documents / seconds, 1) if seconds else None,
            "index_bytes": dir_size(index_dir), "reused": False}


def run_queries(name: str, index_dir: Path, queries: list[Query], warmup: list[Query]) -> dict:
    """The query phase of one engine, in a freshly spawned child process."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(query_phase, name, str(index_dir), queries, warmup).result()


def _rss_mb() -> float:
    """This process's peak resident set so far, in MB.

    VmHWM from /proc (Linux), because ru_maxrss survives exec: a spawned child
    would report the peak of the parent it was forked from.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # kB on Linux


def query_phase(name: str, index_dir: str, queries: list[Query], warmup: list[Query]) -> dict:
    """Runs in the child: open, warm up, time every query; return plain figures."""
    rss_baseline = _rss_mb()  # the interpreter and bench's own modules, no engine yet
    module = engines.load(name)
    started = time.perf_counter()
    session = module.open_session(Path(index_dir))
    open_seconds = time.perf_counter() - started
    first_query = None
    timings: dict[str, list[float]] = defaultdict(list)
    answers: list[dict] = []
    try:
        for query in warmup:
            started = time.perf_counter()
            try:
                session.search(query)
            except Unanswered:
                continue
            first_query = first_query if first_query is not None else \
                time.perf_counter() - started
        for query in queries:
            answers.append(_timed_answer(session, query, timings))
    finally:
        session.close()
    return {"engine": name, "notes": getattr(session, "notes", module.NOTES),
            "mix_digest": digest(queries),
            "open_ms": round(open_seconds * 1000, 3),
            "first_query_ms": round(first_query * 1000, 3) if first_query else None,
            "rss_mb": {"peak": _rss_mb(), "baseline": rss_baseline},
            "timings": dict(timings), "answers": answers}


def _timed_answer(session, query: Query, timings: dict[str, list[float]]) -> dict:
    """What the engine returned for one query (its time added to `timings`), or why not."""
    try:
        token, walked = _walk_to_page(session, query)
        started = time.perf_counter()
        answer = session.search(query, token)
    except Unanswered as exc:
        return {"cls": query.cls, "total": 0, "ids": [], "highlighted": 0, "partial": False,
                "short": False, "facet_values": 0, exc.kind: str(exc)}
    timings[query.cls].append(time.perf_counter() - started)
    return {"cls": query.cls, "total": answer.total, "ids": answer.ids,
            "highlighted": answer.highlighted, "partial": answer.partial,
            "short": walked < query.page - 1,
            "facet_values": sum(len(v) for v in answer.facets.values())}


def _walk_to_page(session, query: Query) -> tuple[object, int]:
    """The token for the query's page (None for page 1) and how many pages were walked.

    When results run out before that page, the last page reached is timed again.
    """
    token, walked = None, 0
    for _ in range(query.page - 1):
        following = session.search(query, token).next_token
        if following is None:
            break
        token, walked = following, walked + 1
    return token, walked


def summarise(phase: dict) -> dict:
    """Per-class latency percentiles and what the engine returned, from a phase's raw data."""
    by_class: dict[str, dict] = {}
    for cls in [c for c in CLASSES if any(a["cls"] == c for a in phase["answers"])]:
        ours = [a for a in phase["answers"] if a["cls"] == cls]
        answers = [a for a in ours if not any(kind in a for kind in UNANSWERED)]
        unanswered = {}
        for kind in UNANSWERED:
            reasons = [a[kind] for a in ours if kind in a]
            if reasons:
                unanswered.update({kind: len(reasons), f"{kind}_reason": reasons[0]})
        if not answers:  # the engine answered none of the class: no figures, the reasons
            by_class[cls] = {"n": 0, **unanswered}
            continue
        seconds = phase["timings"][cls]
        by_class[cls] = {
            **stats.summary(seconds),
            "median_total": statistics.median(a["total"] for a in answers),
            "zero_results": sum(a["total"] == 0 for a in answers),
            "results_per_query": round(statistics.mean(len(a["ids"]) for a in answers), 2),
            "highlighted_per_query": round(statistics.mean(a["highlighted"] for a in answers),
                                           2),
            "partial": sum(a["partial"] for a in answers),
            "short_deep_walks": sum(a["short"] for a in answers),
        }
        by_class[cls].update(unanswered)
        if cls == "facets":
            by_class[cls]["facet_values_per_query"] = round(
                statistics.mean(a["facet_values"] for a in answers), 1)
    return by_class


def overlap(mine: list[dict], theirs: list[dict]) -> dict[str, float]:
    """Mean share of top-10 ids two engines agree on, per class (queries both answered)."""
    shares: dict[str, list[float]] = defaultdict(list)
    for a, b in zip(mine, theirs, strict=True):  # the same mix, query by query
        if a["ids"] and b["ids"]:
            shares[a["cls"]].append(len(set(a["ids"]) & set(b["ids"])) /
                                    max(len(a["ids"]), len(b["ids"])))
    return {cls: round(statistics.mean(shares[cls]), 3) for cls in CLASSES if cls in shares}
