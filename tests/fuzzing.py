"""Fuzzing the JSON API: every documented operation, generated requests, every answer checked.

`fuzz` sends one operation's generated requests (tests/fuzz_requests.py)
through the real app and `Checker` says what is wrong with an answer: any
5xx but a 503 for a missing index, a 4xx whose body is not the one JSON error
shape (or a status the document does not list), a success whose body breaks
the documented schema, and a search that ran long past the time budget
without saying `"partial": true` (the answer's own `took_ms` against the
budget, so no clock of the test's is involved). Given `queries`
(tests/hostile_queries.py), every q is a generated query-language expression.
Used by tests/test_api_fuzz.py (200 requests per operation, and the query
language on every operation with a q) and scripts/fuzz_api.py (as many as
asked for, timing each answer).
"""
from __future__ import annotations

import json
import logging
import math
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlencode

import whoosh.util
from flask.logging import default_handler
from hypothesis import HealthCheck, Phase, given, seed as with_seed, settings
from jsonschema import Draft202012Validator

from search import cursor as cursors
from search import parse_request
from tests.fuzz_requests import MAX_POST_BYTES, TOKEN, Call, Context, Forged, calls
from webui import create_app

METHODS = ("get", "post", "put", "patch", "delete")
INDEX_STATES = ("index_missing", "index_damaged")
ANY_ROUTE = (405,)  # a wrong method: every route answers it, so no operation lists it
PARTIAL_PARTS = {"total", "results", "facets"}
# A search may run this long past its budget before it must say it was cut: parsing,
# highlighting and the like are not budgeted, and a CI machine has slow moments.
BUDGET_SLACK_MS = 2000


def resolved(document: dict, part: dict) -> dict:
    """A part of the document with a local `$ref` followed."""
    if "$ref" not in part:
        return part
    target = document
    for step in part["$ref"].removeprefix("#/").split("/"):
        target = target[step]
    return target


def operations(document: dict) -> list[tuple[str, str, dict]]:
    """Every (path, method, operation) of the document, reads first, then writes."""
    listed = []
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                operation = dict(item[method])
                operation["parameters"] = [resolved(document, parameter)
                                           for parameter in operation.get("parameters", [])]
                listed.append((path, method, operation))
    return sorted(listed, key=lambda entry: entry[1] != "get")


def fuzz_app(index_dir, token: str = TOKEN, budget_ms: int = 1000):
    """The real app on this index, writes enabled by `token`, searches cut at `budget_ms`."""
    return create_app({"INDEX_DIR": str(index_dir), "API_TOKEN": token,
                       "SEARCH_TIME_BUDGET_MS": budget_ms, "MAX_POST_BYTES": MAX_POST_BYTES})


def discover(app) -> Context:
    """Real ids, filter values and a genuine cursor to mix into the generated requests."""
    client, context = app.test_client(), Context()
    listing = client.get("/api/v1/search?q=*&page_size=30&facets=source,person,place,tag,language"
                         "&facet_size=5&fields=id")
    if listing.status_code != 200:
        return context  # a missing index: the defaults do
    body = listing.get_json()
    context.ids += [hit["id"] for hit in body["results"]]
    context.values += [value["value"] for values in body["facets"].values() for value in values]
    context.cursor = body["next_cursor"] or ""
    return context


class TracebackCatcher(logging.Handler):
    """Keeps what the app logs with a traceback, to show next to the request that caused it."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(logging.Formatter().format(record))


def resolve(app, call: Call) -> list[tuple[str, str]] | str:
    """The query as sent: forged cursors signed for the request around them."""
    if isinstance(call.query, str):
        return call.query
    pairs = [(name, value) for name, value in call.query if not isinstance(value, Forged)]
    forged = [value for _, value in call.query if isinstance(value, Forged)]
    if not forged:
        return [(name, str(value)) for name, value in pairs]
    args: dict[str, list[str]] = {}
    for name, value in pairs:
        args.setdefault(name, []).append(str(value))
    try:
        request = parse_request(args, max_query_length=app.config["MORGUE"]["MAX_QUERY_LENGTH"])
        archive = app.extensions["morgue.archive"]
        with archive.searcher() as searcher:
            state = f"{archive.generation.name}/{searcher.doc_count_all()}"
        tokens = [cursors.encode(request, state, forgery.key) for forgery in forged]
    except Exception:  # noqa: BLE001 - the server will refuse this request anyway
        tokens = ["forged" for _ in forged]
    return [(name, str(value)) for name, value in pairs] + [("cursor", t) for t in tokens]


def send(app, client, call: Call):
    query = resolve(app, call)
    return client.open(call.path, method=call.method, headers=call.headers, data=call.body,
                       query_string=query if isinstance(query, str) else urlencode(query))


class Checker:
    """What is wrong with a response to a documented operation, or None."""

    def __init__(self, document: dict, index_missing: bool = False,
                 budget_ms: int | None = None) -> None:
        self.document = document
        self.index_missing = index_missing  # a 503 to HEAD (no body) is then the index's
        self.budget_ms = budget_ms  # the app's search time budget, to check partial answers
        self.validators: dict[str, Draft202012Validator] = {}

    def budget_problem(self, payload: object) -> str | None:
        """A search answer that says it was cut must say where; one that overran its budget
        by far must say it was cut."""
        if not (isinstance(payload, dict) and "partial" in payload and "took_ms" in payload):
            return None
        parts = payload.get("partial_parts")
        if payload["partial"] is not bool(parts) or not set(parts) <= PARTIAL_PARTS:
            return f"partial={payload['partial']} with partial_parts={parts}"
        if "results" in parts and payload.get("next_cursor"):
            return "results were cut short, yet a next_cursor is given"
        if self.budget_ms is not None and not payload["partial"] \
                and payload["took_ms"] > self.budget_ms + BUDGET_SLACK_MS:
            return (f"took {payload['took_ms']} ms with a {self.budget_ms} ms budget and "
                    "does not say partial: a cost the budget does not bound")
        return None

    def schema_problem(self, schema: dict, payload: object) -> str | None:
        key = json.dumps(schema, sort_keys=True)
        if key not in self.validators:
            self.validators[key] = Draft202012Validator(
                {**schema, "components": self.document["components"]})
        error = next(iter(self.validators[key].iter_errors(payload)), None)
        if error is None:
            return None
        return (f"body breaks the documented schema at {list(error.absolute_path)}: "
                f"{error.message[:300]}")

    def __call__(self, operation: dict, call: Call, response) -> str | None:
        status, mimetype = response.status_code, response.mimetype
        data = response.get_data()
        payload = None
        if mimetype == "application/json" and data:
            try:
                payload = json.loads(data)
            except ValueError:
                return f"{status} with a body that is not JSON: {data[:200]!r}"
        if status >= 500:
            error = payload.get("error") if isinstance(payload, dict) else None
            if status == 503 and (
                    call.method == "HEAD" and self.index_missing
                    or (isinstance(error, dict) and error.get("code") in INDEX_STATES)
                    or (isinstance(payload, dict) and payload.get("status") in ("missing",
                                                                                "damaged"))):
                return None
            return f"server error {status}: {data[:300]!r}"
        if call.method == "HEAD":  # no body to look into
            return None
        if 400 <= status < 500:
            error = payload.get("error") if isinstance(payload, dict) else None
            if not (isinstance(error, dict) and isinstance(error.get("code"), str)
                    and isinstance(error.get("message"), str)):
                return (f"{status} is not the JSON error shape: {response.content_type} "
                        f"{data[:200]!r}")
            if str(status) not in operation["responses"] and status not in ANY_ROUTE:
                return f"{status} is not a documented answer of this operation: {payload}"
            return None
        if 200 <= status < 300:
            documented = operation["responses"].get(str(status))
            if documented is None:
                return f"{status} is not a documented answer of this operation"
            content = documented.get("content", {})
            if content and mimetype not in content:
                return f"{status} answered {mimetype}, documented: {', '.join(content)}"
            schema = content.get(mimetype, {}).get("schema")
            if mimetype == "application/json" and schema:
                return self.schema_problem(schema, payload) or self.budget_problem(payload)
        return None


@dataclass
class Report:
    """What one operation's run saw: answers by status, partial answers, every request's
    time, and its slowest requests."""
    statuses: Counter = field(default_factory=Counter)
    slowest: list[tuple[float, str]] = field(default_factory=list)  # (seconds, request)
    seconds: list[float] = field(default_factory=list)
    partial: int = 0
    problems: int = 0
    KEEP = 5

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    def add(self, call: Call, status: int, seconds: float, partial: bool = False) -> None:
        self.statuses[status] += 1
        self.seconds.append(seconds)
        self.partial += partial
        if len(self.slowest) < self.KEEP or seconds > self.slowest[-1][0]:
            self.slowest = sorted(self.slowest + [(seconds, str(call))], reverse=True)[:self.KEEP]

    def merge(self, other: "Report") -> None:
        self.statuses.update(other.statuses)
        self.seconds += other.seconds
        self.partial += other.partial
        self.problems += other.problems
        self.slowest = sorted(self.slowest + other.slowest, reverse=True)[:self.KEEP]

    def percentile(self, share: float) -> float:
        """The time `share` of the requests took at most (nearest rank), in seconds."""
        if not self.seconds:
            return 0.0
        ordered = sorted(self.seconds)
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def fuzz(app, document: dict, path: str, method: str, operation: dict, context: Context, *,
         examples: int, derandomize: bool = False, seed: int | None = None,
         max_seconds: float | None = None, shrink: bool = True,
         on_problem: Callable[[str], None] | None = None, report: Report | None = None,
         queries=None) -> Report:
    """Send `examples` generated requests for one operation and check every answer.

    AssertionError on the first answer `check` objects to (after hypothesis has shrunk
    the request; `on_problem` hears of it at once), or, once all are sent, when any took
    longer than `max_seconds` (timing is no property to shrink: it varies with the load).
    Shrinking a failing request can take minutes; `shrink=False` reports it as generated.
    Pass a `report` to keep what was seen even when it fails. `queries` is a strategy
    every q is drawn from (tests/hostile_queries.py), for operations that take a q.
    """
    missing = app.extensions["morgue.archive"].health()["status"] != "ok"
    budget = app.extensions["morgue.limits"].time_budget_ms
    client, check = app.test_client(), Checker(document, missing, budget)
    report = report if report is not None else Report()
    catcher = TracebackCatcher()

    def one_request(call: Call) -> None:
        catcher.records.clear()
        started = time.perf_counter()
        response = send(app, client, call)
        response.get_data()  # a streamed body read to its end: part of the answer's time
        seconds = time.perf_counter() - started
        problem = check(operation, call, response)
        payload = response.get_json(silent=True) if response.mimetype == "application/json" \
            else None
        report.add(call, response.status_code, seconds,
                   partial=isinstance(payload, dict) and payload.get("partial") is True)
        if problem:
            message = f"{call}\n-> {problem}\n" + "\n".join(catcher.records)
            if on_problem and not report.problems:
                on_problem(message)
            report.problems += 1
            raise AssertionError(message)

    phases = (Phase.explicit, Phase.generate) + ((Phase.shrink,) if shrink else ())
    run = settings(max_examples=examples, deadline=None, database=None, derandomize=derandomize,
                   phases=phases, suppress_health_check=list(HealthCheck), print_blob=True)(
        given(calls(document["servers"][0]["url"], path, method, operation, context, queries))(
            one_request))
    if seed is not None:
        run = with_seed(seed)(run)
    quieted = default_handler in app.logger.handlers  # the catcher shows each with its request
    app.logger.removeHandler(default_handler)
    app.logger.addHandler(catcher)
    try:
        with own_entropy_for_whoosh():
            run()
    finally:
        app.logger.removeHandler(catcher)
        if quieted:
            app.logger.addHandler(default_handler)
    slow = [(seconds, call) for seconds, call in report.slowest
            if max_seconds is not None and seconds > max_seconds]
    assert not slow, f"answers slower than {max_seconds} s, a cost not bounded:\n" + "\n".join(
        f"{seconds:.1f} s: {call}" for seconds, call in slow)
    return report


@contextmanager
def own_entropy_for_whoosh() -> Iterator[None]:
    """Give Whoosh's segment names their own randomness while hypothesis runs.

    Hypothesis seeds the global `random` the same way before every example, so that
    examples replay; Whoosh names each new segment from the global `random`, so the
    app's background applier thread would give two segments one name and fail its
    commit (an AssertionError in create_compound_file). A server never seeds it.
    """
    shared = whoosh.util.random
    whoosh.util.random = random.SystemRandom()
    try:
        yield
    finally:
        whoosh.util.random = shared
