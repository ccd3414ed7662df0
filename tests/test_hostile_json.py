"""Hostile bodies for POST /api/v1/articles: too large, too deep, odd numbers, odd text.

A body past MORGUE_MAX_POST_BYTES is a 413, whether it declares its length
or comes chunked without one (that needs a real server: only a WSGI server
that read the chunks can hand the app an unbounded stream). Nesting a
hundred thousand levels deep, a 10,000-digit number, text that is not UTF-8,
or a body that is not JSON at all is a 400 in the JSON error shape; never a
500 (a RecursionError or ValueError escaping json would be one). A body that
parses gets its 202 with a verdict per article: a lone surrogate (`"\\ud800"`,
valid JSON escaping but no character) rejects its article, since the journal
could not write it. NDJSON with one bad line is refused whole, journaling
nothing. Duplicate keys, 1e999999 and a JSON body sent as text/plain are read
as Python's json reads them; the tests say so.
"""
from __future__ import annotations

import io
import json
import shutil
import socket

import pytest

from index import posted
from tests.conftest import Server
from webui import create_app

TOKEN = "json-token-0123456789"
LIMIT = 1_000_000  # MORGUE_MAX_POST_BYTES of the app: the 100,000-deep bodies fit under it
SERVER_LIMIT = 300_000  # ... of the real server: smaller, so that a body past it is quick to send
AUTH = {"Authorization": f"Bearer {TOKEN}"}
DEEP = 100_000


@pytest.fixture(scope="module")
def index_copy(small_index, tmp_path_factory):
    copy = tmp_path_factory.mktemp("json") / "index"
    shutil.copytree(small_index, copy)
    return copy


@pytest.fixture(scope="module")
def app(index_copy):
    return create_app({"INDEX_DIR": str(index_copy), "API_TOKEN": TOKEN,
                       "MAX_POST_BYTES": LIMIT})


def post(app, data: bytes, content_type: str | None = "application/json", **options):
    headers = dict(AUTH)
    if content_type:
        headers["Content-Type"] = content_type
    return app.test_client().post("/api/v1/articles", data=data, headers=headers, **options)


def error_of(response) -> dict:
    body = response.get_json()
    assert isinstance(body["error"]["code"], str) and isinstance(body["error"]["message"], str)
    return body["error"]


def journaled(app) -> int:
    return sum(1 for _ in app.extensions["morgue.journal"].entries(0))


REFUSED = [
    ("a list 100,000 deep", b"[" * DEEP + b"]" * DEEP, "cannot be read"),
    ("an object 100,000 deep", b'{"a":' * DEEP + b"1" + b"}" * DEEP, "cannot be read"),
    ("a field 70 deep", b'{"title": "x", "tags": ' + b"[" * 70 + b'"t"' + b"]" * 70 + b"}",
     "more than 64 levels deep"),
    ("a field 500 deep (json reads it; the journal's json.dumps might not)",
     b'{"title": "x", "body": ' + b"[" * 500 + b'"t"' + b"]" * 500 + b"}",
     "more than 64 levels deep"),
    ("a 10,000-digit integer", b'{"title": "x", "body": ' + b"7" * 10_000 + b"}",
     "cannot be read: ValueError"),
    ("invalid UTF-8", b'{"title": "\xff\xfe caf\xe9"}', "not UTF-8"),
    ("UTF-16", '{"title": "x"}'.encode("utf-16"), "not UTF-8"),
    ("a form", b"title=x&body=y", "not valid JSON"),
    ("empty", b"", "empty"),
    ("only spaces", b"   \n ", "empty"),
    ("a string", b'"title"', "got str"),
    ("null", b"null", "got NoneType"),
    ("an empty array", b"[]", "no articles"),
    ("two objects, no newline", b'{"title": "a"}{"title": "b"}', "not valid JSON"),
    ("NaN alone", b"NaN", "got float"),
]


@pytest.mark.parametrize("data, reason", [(d, r) for _, d, r in REFUSED],
                         ids=[name for name, _, _ in REFUSED])
def test_unreadable_bodies_are_400_in_the_error_shape(app, data, reason):
    before = journaled(app)
    response = post(app, data)
    assert response.status_code == 400, response.data[:300]
    error = error_of(response)
    assert error["code"] == "bad_request" and error["param"] == "body"
    assert reason in error["message"]
    assert journaled(app) == before


def test_ndjson_with_one_bad_line_is_refused_whole(app):
    before = journaled(app)
    lines = b'{"title": "Good one", "body": "Cocoa."}\n{bad\n{"title": "Good two"}\n'
    for content_type in ("application/x-ndjson", None):  # by its type, and by its look
        response = post(app, lines, content_type)
        assert response.status_code == 400
        assert error_of(response)["message"].startswith("body line 2 is not valid JSON")
    assert journaled(app) == before


def test_a_lone_surrogate_rejects_its_article_only(app):
    data = (b'[{"title": "Fine \\u00e9t\\u00e9 story", "body": "Cocoa."},'
            b' {"title": "Broken \\ud800 story"}, {"title": "x", "people": ["\\udfff Smith"]}]')
    response = post(app, data)
    assert response.status_code == 202
    results = response.get_json()["results"]
    assert [r["status"] for r in results] == ["indexed", "rejected", "rejected"]
    assert all("lone surrogate" in r["reason"] for r in results[1:])
    ndjson = post(app, b'{"title": "\\udbff alone"}\n{"title": "Fine again"}\n',
                  "application/x-ndjson")
    assert [r["status"] for r in ndjson.get_json()["results"]] == ["rejected", "indexed"]


def test_numbers_and_keys_are_read_as_json_reads_them(app):
    # 1e999999 overflows to infinity: a number as a body is text, so the body is "inf".
    huge = post(app, b'{"title": "Huge number story", "body": 1e999999}')
    assert huge.status_code == 202 and huge.get_json()["accepted"] == 1
    assert posted.check(0, posted.parse_body(b'{"title": "x", "body": 1e999999}')[0]) \
        .article.body == "inf"
    # Duplicate keys: the last one wins, as in every JSON reader that does not refuse them.
    assert posted.parse_body(b'{"title": "first", "title": "second"}') == [{"title": "second"}]
    twice = post(app, b'{"title": "Duplicate key one", "title": "Duplicate key two"}')
    assert twice.status_code == 202 and twice.get_json()["accepted"] == 1


def test_the_content_type_does_not_decide_what_json_is(app):
    """The contract takes an object, an array or NDJSON, told apart by content: JSON sent
    as text/plain is read, as is JSON with a byte-order mark."""
    for content_type in ("text/plain", None, "application/json; charset=latin-1"):
        response = post(app, b'{"title": "Typed story", "body": "Cocoa rose."}', content_type)
        assert response.status_code == 202, content_type
    assert post(app, b'\xef\xbb\xbf{"title": "BOM story"}').status_code == 202


def test_a_declared_length_past_the_limit_is_413_unread(app):
    before = journaled(app)
    body = json.dumps({"title": "big", "body": "word " * (LIMIT // 5)}).encode()
    response = post(app, body)
    assert response.status_code == 413
    assert error_of(response)["code"] == "request_entity_too_large"
    # No length declared (as a server hands over a chunked body): read up to the limit only.
    lying = app.test_client().post(
        "/api/v1/articles", headers={**AUTH, "Content-Type": "application/json"},
        input_stream=io.BytesIO(body), environ_overrides={"wsgi.input_terminated": True})
    assert lying.status_code == 413
    assert journaled(app) == before


def test_the_token_is_checked_before_the_body_is_read(app):
    response = app.test_client().post("/api/v1/articles", data=b"[" * DEEP,
                                      headers={"Content-Type": "application/json"})
    assert response.status_code == 401


# -- a real server: chunked bodies ------------------------------------------------------------

@pytest.fixture(scope="module")
def server(small_index, tmp_path_factory):
    copy = tmp_path_factory.mktemp("json-server") / "index"
    shutil.copytree(small_index, copy)
    running = Server(copy, env={"MORGUE_API_TOKEN": TOKEN,
                                "MORGUE_MAX_POST_BYTES": str(SERVER_LIMIT)})
    yield running
    running.stop()


def send(server, head: bytes, body_parts: list[bytes]) -> tuple[int, dict]:
    with socket.create_connection(("127.0.0.1", server.port), timeout=60) as connection:
        try:
            connection.sendall(head)
            for part in body_parts:
                connection.sendall(part)
        except (BrokenPipeError, ConnectionResetError):
            pass  # answered and closed before the whole body: read the answer
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    status = int(answer.split(b" ", 2)[1])
    payload = answer.partition(b"\r\n\r\n")[2]
    if b"transfer-encoding: chunked" in answer.partition(b"\r\n\r\n")[0].lower():
        payload = payload.split(b"\r\n", 1)[1].rsplit(b"\r\n0\r\n", 1)[0]
    return status, json.loads(payload)


def head(extra: bytes) -> bytes:
    return (b"POST /api/v1/articles HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            b"Content-Type: application/json\r\nAuthorization: Bearer " + TOKEN.encode()
            + b"\r\n" + extra + b"\r\n")


def chunks(data: bytes, size: int = 16_384) -> list[bytes]:
    parts = [b"%x\r\n%s\r\n" % (len(data[i:i + size]), data[i:i + size])
             for i in range(0, len(data), size)]
    return parts + [b"0\r\n\r\n"]


def test_chunked_bodies_past_the_limit_are_413_on_a_real_server(server):
    big = json.dumps({"title": "big", "body": "word " * (SERVER_LIMIT // 4)}).encode()
    status, payload = send(server, head(b"Transfer-Encoding: chunked\r\n"), chunks(big))
    assert status == 413 and payload["error"]["code"] == "request_entity_too_large"
    status, payload = send(server, head(b"Content-Length: %d\r\n" % len(big)), [big])
    assert status == 413 and payload["error"]["code"] == "request_entity_too_large"
    small = json.dumps({"title": "Chunked story", "body": "Cocoa rose."}).encode()
    status, payload = send(server, head(b"Transfer-Encoding: chunked\r\n"), chunks(small, 7))
    assert status == 202 and payload["accepted"] == 1


def test_deep_bodies_are_400_on_a_real_server(server):
    for deep in (b"[" * DEEP + b"]" * DEEP, b'{"title": "x", "body": ' + b"[" * 978 + b"1"
                 + b"]" * 978 + b"}"):  # 978: json.loads read it in a worker, the journal not
        status, payload = send(server, head(b"Content-Length: %d\r\n" % len(deep)), [deep])
        assert status == 400 and payload["error"]["param"] == "body"
