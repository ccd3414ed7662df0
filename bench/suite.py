"""One benchmark run: corpora, then per scale each engine's build and query phase, then HTTP.

Everything measured goes into one plain dict (the JSON the CLI writes); the
tables are rendered from it by bench.report. Phases run one after another,
never side by side: the machine is shared and has few cores, and two timed
phases at once would measure each other.
"""
from __future__ import annotations

import os
import platform
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from bench import engines, http_load, report, runner
from bench.corpus import SCALES, iter_documents
from bench.queries import CLASSES, Vocabulary, build_mix, digest, warmup_mix
from bench.workspace import Workspace

DEFAULT_WORKERS = max(1, min(4, os.cpu_count() or 1))  # as scripts/reindex.py


@dataclass(frozen=True)
class Options:
    scales: tuple[str, ...] = ("x1",)
    engines: tuple[str, ...] | None = None  # None: every engine that runs at the scale
    classes: tuple[str, ...] = CLASSES
    queries: int = 200
    seed: int = 1987
    reuse: bool = False
    http: bool = True
    http_seconds: float = 20.0
    http_clients: int = 8
    workdir: Path = Path("instance/bench")
    sources: tuple[str, ...] = ("sample-corpus",)
    limit: int | None = None  # only the first N articles of the sources (tests)
    workers: int = DEFAULT_WORKERS


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def machine_state() -> dict:
    return {"cores": os.cpu_count(), "load": list(os.getloadavg())}


def run(options: Options, log: Callable[[str], None] = _log) -> dict:
    """Run the whole benchmark described by `options`; return every figure as plain data."""
    started = machine_state()
    phases: list[dict] = []

    @contextmanager
    def phase(name: str) -> Iterator[None]:
        log(f"{name} ...")
        begun = time.perf_counter()
        yield
        seconds = time.perf_counter() - begun
        phases.append({"name": name, "seconds": round(seconds, 2)})
        log(f"{name}: {seconds:.1f} s")

    workspace = Workspace(options.workdir, list(options.sources), options.limit)
    with phase("corpus base (x1)"):
        base = workspace.base(options.workers)
    vocabulary = Vocabulary(list(iter_documents(base.files)))
    results: dict = {"settings": {**asdict(options), "workdir": str(options.workdir)},
                     "scales": {}, "skipped": [], "phases": phases}
    for scale in options.scales:
        corpus = base
        if scale != "x1":
            with phase(f"corpus {scale}"):
                corpus = workspace.scaled(scale, base)
        queries = build_mix(vocabulary, options.queries, options.seed, options.classes,
                            copies=SCALES[scale])
        warmup = warmup_mix(vocabulary, options.seed)
        scale_result: dict = {
            "corpus": {"documents": corpus.documents, "files": len(corpus.files),
                       "seconds": round(corpus.seconds, 2), "reused": corpus.reused},
            "mix": {"count": len(queries), "seed": options.seed, "digest": digest(queries),
                    "per_class": {c: sum(q.cls == c for q in queries) for c in options.classes},
                    "queries": [{"cls": q.cls, "q": q.text, "filters": q.filters,
                                 "from": q.date_from, "to": q.date_to, "sort": q.sort,
                                 "page": q.page} for q in queries]},
            "engines": {}}
        answers: dict[str, list[dict]] = {}
        for name in _engines_for(scale, options.engines, results["skipped"], log):
            built = workspace.built(scale, name) if options.reuse else None
            if built:
                build = {**built, "reused": True}
                log(f"{scale} build {name}: reusing {workspace.index_dir(scale, name)}")
            else:
                index_dir = workspace.fresh_index_dir(scale, name)
                with phase(f"{scale} build {name}"):
                    build = runner.build_engine(name, corpus, index_dir, options.workers)
                workspace.record_build(scale, name, build)
            with phase(f"{scale} queries {name}"):
                raw = runner.run_queries(name, workspace.index_dir(scale, name), queries,
                                         warmup)
            answers[name] = raw["answers"]
            scale_result["engines"][name] = {
                "build": build, "notes": raw["notes"], "mix_digest": raw["mix_digest"],
                "open_ms": raw["open_ms"], "first_query_ms": raw["first_query_ms"],
                "rss_mb": raw["rss_mb"], "classes": runner.summarise(raw)}
        if "morgue" in answers:
            scale_result["overlap_with_morgue"] = {
                name: runner.overlap(answers["morgue"], found)
                for name, found in answers.items() if name != "morgue"}
        scale_result["ratios"] = report.ratios(scale_result)
        if options.http and "morgue" in scale_result["engines"]:
            with phase(f"{scale} http morgue"):
                scale_result["http"] = http_load.run_load(
                    workspace.index_dir(scale, "morgue"), queries, options.http_seconds,
                    options.http_clients)
        results["scales"][scale] = scale_result
    ended = machine_state()
    results["machine"] = {"cores": started["cores"], "load_start": started["load"],
                          "load_end": ended["load"], "python": platform.python_version(),
                          "platform": platform.platform()}
    return results


def _engines_for(scale: str, requested: tuple[str, ...] | None, skipped: list,
                 log: Callable[[str], None]) -> list[str]:
    """The engines to run at `scale`: those asked for (default all) that run at it."""
    chosen = []
    for name in requested or tuple(engines.MODULES):
        try:
            module = engines.load(name)
        except engines.EngineUnavailable as exc:
            log(f"skipping {exc}")
            skipped.append({"scale": scale, "engine": name, "reason": str(exc)})
            continue
        if scale not in module.SCALES:
            if requested:
                reason = f"{name} runs only at {', '.join(module.SCALES)}"
                log(f"skipping {name} at {scale}: {reason}")
                skipped.append({"scale": scale, "engine": name, "reason": reason})
            continue
        chosen.append(name)
    return chosen
