"""No endpoint answers 500 to anything a client can send: generated requests, and server limits.

Every operation of the served OpenAPI document gets 200 generated requests
(tests/fuzz_requests.py: values the schema allows, near misses, hostile
strings, repeated and unknown parameters, odd headers and bodies, with and
without the token; each answer checked by tests/fuzzing.py) through the real
app on a private copy of the small index, so writes cannot disturb other
tests. The examples are fixed (derandomized) and a failing one is shown as
generated, unshrunk, so CI is repeatable and quick; scripts/fuzz_api.py
explores further with fresh ones and shrinks what fails. The request-size
limits are the server's, so they are tested on a real scripts/serve.py.

The query language gets its own 500 or so: every operation with a q gets
generated expressions (tests/hostile_queries.py: every construct, nested and
broken, in many scripts) mixed with generated values for the other
parameters, and the search gets more of them with a 1 ms time budget, where
nearly every answer is cut short and must say so (`"partial": true`).
"""
from __future__ import annotations

import shutil
import socket

import pytest

from index.settings import load_settings
from tests.fuzzing import discover, fuzz, fuzz_app, operations
from tests.hostile_queries import query_language
from webui.openapi import build_document

EXAMPLES = 200
WITHOUT_INDEX = 25  # every request fails fast there: a few show the 503s are JSON
# The fuzzed app's search time budget is 1 s; an answer ten times slower is a cost unbounded.
MAX_SECONDS = 10.0
# Parametrised from the document itself, so a newly documented operation is fuzzed at once.
OPERATIONS = operations(build_document(load_settings(environ={})))
IDS = [f"{method.upper()} {path}" for path, method, _ in OPERATIONS]
# Query-language requests per operation that takes a q (about 500 in all, with the 1 ms run).
QUERY_EXAMPLES = {"GET /search": 200}
QUERY_EXAMPLES_OTHERWISE = 75
# Operations whose q only marks words (an article's page): a query it cannot read marks
# nothing, by design, so a 400 there comes only from a chance draw (a q over the length limit).
MARKING_ONLY = {"GET /articles/{id}"}
TINY_BUDGET_MS, TINY_BUDGET_EXAMPLES = 1, 150
WITH_Q = [(p, m) for p, m, op in OPERATIONS
          if any(parameter.get("name") == "q" for parameter in op.get("parameters", []))]


@pytest.fixture(scope="module")
def fuzzed(small_index, tmp_path_factory):
    """The real app, writes enabled, on its own copy of the small index; its document; what
    the fuzzer knows of the index."""
    index_dir = tmp_path_factory.mktemp("fuzz") / "index"
    shutil.copytree(small_index, index_dir)
    app = fuzz_app(index_dir)
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    return app, document, discover(app)


def served_operation(document: dict, path: str, method: str) -> dict:
    return next(op for p, m, op in operations(document) if (p, m) == (path, method))


@pytest.mark.parametrize("path, method", [(p, m) for p, m, _ in OPERATIONS], ids=IDS)
def test_no_server_errors_and_one_error_shape(fuzzed, path, method):
    app, document, context = fuzzed
    report = fuzz(app, document, path, method, served_operation(document, path, method),
                  context, examples=EXAMPLES, derandomize=True, max_seconds=MAX_SECONDS,
                  shrink=False)
    assert report.requests >= EXAMPLES
    assert not any(status >= 500 for status in report.statuses), report.statuses
    assert any(200 <= status < 300 for status in report.statuses), report.statuses  # not only 4xx


@pytest.mark.parametrize("path, method", WITH_Q, ids=[f"{m.upper()} {p}" for p, m in WITH_Q])
def test_the_query_language_never_breaks_an_operation(fuzzed, path, method):
    app, document, context = fuzzed
    examples = QUERY_EXAMPLES.get(f"{method.upper()} {path}", QUERY_EXAMPLES_OTHERWISE)
    report = fuzz(app, document, path, method, served_operation(document, path, method),
                  context, examples=examples, derandomize=True, max_seconds=MAX_SECONDS,
                  shrink=False, queries=query_language())
    assert report.requests >= examples
    assert any(200 <= status < 300 for status in report.statuses), report.statuses
    if f"{method.upper()} {path}" not in MARKING_ONLY:
        assert report.statuses[400] > 0, report.statuses  # broken queries are refused, not run


def test_a_spent_budget_is_always_said(fuzzed):
    """With a 1 ms budget every stage runs out: each answer must say which parts were cut,
    consistently (fuzzing.Checker.budget_problem), and never be a 5xx."""
    app, document, context = fuzzed
    tiny = fuzz_app(app.config["MORGUE"]["INDEX_DIR"], budget_ms=TINY_BUDGET_MS)
    report = fuzz(tiny, document, "/search", "get", served_operation(document, "/search", "get"),
                  context, examples=TINY_BUDGET_EXAMPLES, derandomize=True,
                  max_seconds=MAX_SECONDS, shrink=False, queries=query_language())
    assert report.requests >= TINY_BUDGET_EXAMPLES
    assert report.partial > 0, report.statuses  # the budget was spent, and said so


@pytest.mark.parametrize("path, method", [(p, m) for p, m, _ in OPERATIONS], ids=IDS)
def test_without_an_index_only_json_503s(tmp_path, path, method):
    app = fuzz_app(tmp_path / "missing")
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    report = fuzz(app, document, path, method, served_operation(document, path, method),
                  discover(app), examples=WITHOUT_INDEX, derandomize=True, shrink=False)
    assert report.requests >= WITHOUT_INDEX


def raw_http(server, request: bytes) -> bytes:
    """Send bytes as they are (no client library would send these) and read the answer."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


@pytest.mark.parametrize("request_bytes, status", [
    (b"GET /api/v1/search?q=" + b"a" * 8200 + b" HTTP/1.1\r\nHost: x\r\n\r\n", b"414"),
    (b"GET /api/v1/search?q=cocoa HTTP/1.1\r\nHost: x\r\n"
     + b"".join(b"X-%d: y\r\n" % n for n in range(150)) + b"\r\n", b"431"),
    (b"GET /api/v1/search?q=cocoa HTTP/1.1\r\nHost: x\r\nX-Big: " + b"y" * 9000 + b"\r\n\r\n",
     b"431"),
], ids=["long request line", "too many headers", "huge header"])
def test_oversized_requests_are_refused_by_the_server(live_server, request_bytes, status):
    answer = raw_http(live_server, request_bytes)
    assert answer.split(b"\r\n", 1)[0].split(b" ")[1] == status, answer[:200]


def test_a_long_but_acceptable_query_gets_through(live_server):
    # A 1,000-character query of accented letters is 6,000 bytes percent-encoded: it fits.
    line = "GET /api/v1/search?q=" + "%C3%A9" * 1000 + " HTTP/1.1"
    answer = raw_http(live_server, f"{line}\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    assert answer.split(b" ")[1] in (b"200", b"400"), answer[:200]  # the app answered it
    assert b'"error"' in answer or b'"results"' in answer
