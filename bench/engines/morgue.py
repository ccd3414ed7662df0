"""Morgue itself, through its real write and read paths.

Build: `index.writer.rebuild` fed by `index.pipeline.iter_records` over the
JSONL files, the whole pipeline `scripts/reindex.py` runs (read, extract,
enrich, write, resolve aliases). Search: one `Archive` for the whole run,
`parse_request` on the API's parameters (bench.queries.api_params) with the
API's limits (time budget and wildcard cap from the settings, as
webui/__init__.py sets them), then `run_search`. Every class gets Morgue's
default result fields (10 results with snippets, title_html, actors,
cluster) with collapse=none, so copies are counted and listed as the other
engines count them; only `facets` asks for facets.
`deep` follows next_cursor from page 1 (the runner walks pages 1-4 untimed).
Opening includes the warm-up every server worker runs as it boots
(search.service.warm_up), so "open ms" is a worker's start-up, not a cold query.
"""
from __future__ import annotations

from pathlib import Path

from bench.engines import Answer, answer_of
from bench.queries import Query, api_params

SCALES = ("x1", "x10", "x50")
NOTES = ("run_search: 10 results with snippets and all default fields, collapse=none, "
         "facets only in 'facets' (count=copies), deep via next_cursor")


def build(files: list[Path], index_dir: Path, workers: int) -> int:
    from index import writer
    from index.pipeline import iter_records

    _tally, generation = writer.rebuild(index_dir, iter_records(files, workers),
                                        sources=[str(f) for f in files])
    return int(generation.manifest.get("documents", 0))


class MorgueSession:
    def __init__(self, index_dir: Path) -> None:
        from index.settings import load_settings
        from search import Archive, Limits

        settings = load_settings({"INDEX_DIR": str(index_dir)})
        self.max_query_length = settings["MAX_QUERY_LENGTH"]
        self.limits = Limits(max_wildcard_terms=settings["MAX_WILDCARD_TERMS"],
                             time_budget_ms=settings["SEARCH_TIME_BUDGET_MS"])
        from search.service import warm_up

        self.archive = Archive(index_dir)
        # Open it now, to time it, and build what a server worker builds as it boots
        # (scripts/serve.py warms every worker): columns, facet and story codes, word lists.
        warm_up(self.archive)

    def search(self, query: Query, token: object = None) -> Answer:
        from search import parse_request, run_search

        params = api_params(query)
        if token is not None:
            params["cursor"] = [str(token)]
        request = parse_request(params, max_query_length=self.max_query_length)
        response = run_search(self.archive, request, self.limits)
        return answer_of(response, response["next_cursor"])

    def close(self) -> None:
        self.archive = None


def open_session(index_dir: Path) -> MorgueSession:
    return MorgueSession(index_dir)
