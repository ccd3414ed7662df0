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
"""
from __future__ import annotations

import shutil
import socket

import pytest

from index.settings import load_settings
from tests.fuzzing import discover, fuzz, fuzz_app, operations
from webui.openapi import build_document

EXAMPLES = 200
WITHOUT_INDEX = 25  # every request fails fast there: a few show the 503s are JSON
# The fuzzed app's search time budget is 1 s; an answer ten times slower is a cost unbounded.
MAX_SECONDS = 10.0
# Parametrised from the document itself, so a newly documented operation is fuzzed at once.
OPERATIONS = operations(build_document(load_settings(environ={})))
IDS = [f"{method.upper()} {path}" for path, method, _ in OPERATIONS]


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
