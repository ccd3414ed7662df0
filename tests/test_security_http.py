"""HTTP security: headers on every answer, never debug mode, tokens kept out of logs and
messages, private archives (MORGUE_READ_TOKEN) and rate limits (MORGUE_RATE_LIMIT).

Real parts only: apps over the session's small index, real servers on 127.0.0.1
(scripts/serve.py, and the same gunicorn application with failing routes added,
for the 500s), a real SQLite file shared by three worker processes, and
Debian's Chromium answering a Basic challenge.
"""
from __future__ import annotations

import base64
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from email.message import Message
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from flask import Flask, request
from werkzeug.datastructures import MultiDict

from bench.server import free_port
from index.settings import Rate, load_settings
from tests.conftest import ROOT, Server
from webui import create_app, ratelimit, security
from webui.ratelimit import Limiter, client_key, expense

WRITE_TOKEN = "write-t0ken-5b9e17"
READ_TOKEN = "read-t0ken-c41d-\u00e9t\u00e9"  # not ASCII: Basic carries it as UTF-8
SECRET = "secret-detail-8d2f"  # the failing routes' exception text: never sent to a client
LEAKS = ("Traceback", "RuntimeError", SECRET, 'File "', "private-key-name")
EXPENSIVE = "/api/v1/search?q=cocoa&format=csv"
INTERNAL_ERROR = {"error": {"code": "internal_error",
                            "message": "Something went wrong on our side; it has been logged."}}


def latin1(text: str) -> str:
    """A header value as WSGI and http.client carry it: the UTF-8 bytes, read as latin-1."""
    return text.encode("utf-8").decode("latin-1")


def bearer(token: str) -> dict:
    return {"Authorization": latin1(f"Bearer {token}")}


def basic(token: str, user: str = "reader") -> dict:
    pair = base64.b64encode(f"{user}:{token}".encode("utf-8")).decode("ascii")
    return {"Authorization": f"Basic {pair}"}


def make_app(small_index: Path, tmp_path: Path, **config) -> Flask:
    return create_app({"INDEX_DIR": str(small_index),
                       "RATE_LIMIT_DB": str(tmp_path / "ratelimit.sqlite3"), **config})


def add_failing_routes(app: Flask) -> Flask:
    """Routes that fail the way a bug would: an exception with private detail in it, and a
    missing query argument (in debug mode Flask would name it in the 400)."""
    def boom():
        raise RuntimeError(f"{SECRET} in /srv/morgue/private/path")

    def missing_argument():
        return request.args["private-key-name"]

    app.add_url_rule("/api/v1/boom", "boom_api", boom)
    app.add_url_rule("/boom", "boom_page", boom)
    app.add_url_rule("/api/v1/key", "key_api", missing_argument)
    return app


def fetch(url: str, headers: dict | None = None, method: str = "GET",
          data: bytes | None = None) -> tuple[int, Message, bytes]:
    """One request on a fresh connection: status, headers, body."""
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=60) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def assert_security_headers(headers, where: str) -> None:
    for name, value in security.HEADERS.items():
        assert headers.get(name) == value, f"{where}: {name} is {headers.get(name)!r}"
    assert headers.get("X-Frame-Options") == "DENY", where
    assert "frame-ancestors 'none'" in headers.get("Content-Security-Policy", ""), where


# -- headers on every kind of answer ----------------------------------------------------------

def test_every_kind_of_answer_carries_the_security_headers(small_index, tmp_path, client):
    app = add_failing_routes(make_app(small_index, tmp_path, API_TOKEN=WRITE_TOKEN,
                                      RATE_LIMIT="1/hour", MAX_POST_BYTES=100))
    web = app.test_client()
    private = make_app(small_index, tmp_path, READ_TOKEN=READ_TOKEN).test_client()
    etag = web.get("/api/v1/search?q=cocoa").headers["ETag"]
    article = {"title": "Headers", "body": "Body."}
    answers = {  # name: (response, expected status); in this order (the 429 follows the CSV)
        "HTML page": (web.get("/search?q=cocoa"), 200),
        "API JSON": (web.get("/api/v1/search?q=cocoa"), 200),
        "HEAD": (web.head("/api/v1/search?q=cocoa"), 200),
        "304": (web.get("/api/v1/search?q=cocoa", headers={"If-None-Match": etag}), 304),
        "static file": (web.get("/static/style.css"), 200),
        "OpenAPI": (web.get("/api/v1/openapi.json"), 200),
        "API guide": (web.get("/api"), 200),
        "400 API": (web.get("/api/v1/search?q=cocoa&page_size=1000"), 400),
        "400 page": (web.get("/search?q=*ocoa"), 400),
        "404 page": (web.get("/no/such/page"), 404),
        "404 API": (web.get("/api/v1/articles/no-such-id"), 404),
        "405": (web.post("/api/v1/search"), 405),
        "413": (web.post("/api/v1/articles", headers=bearer(WRITE_TOKEN), data=b"[" + b" " * 200,
                         content_type="application/json"), 413),
        "401 write": (web.post("/api/v1/articles", headers=bearer("wrong"), json=article), 401),
        "403 write": (client.post("/api/v1/articles", json=article), 403),
        "CSV export": (web.get(EXPENSIVE), 200),
        "429": (web.get(EXPENSIVE), 429),
        "401 private API": (private.get("/api/v1/health"), 401),
        "401 private page": (private.get("/"), 401),
        "500 API": (web.get("/api/v1/boom"), 500),
        "500 page": (web.get("/boom"), 500),
    }
    for name, (response, status) in answers.items():
        assert response.status_code == status, name
        response.get_data()  # a streamed export is complete, its headers final
        assert_security_headers(response.headers, name)
    for name in ("500 API", "500 page"):
        body = answers[name][0].get_data(as_text=True)
        assert not [leak for leak in LEAKS if leak in body], body
    assert answers["500 API"][0].get_json() == INTERNAL_ERROR


def test_a_real_server_sends_them_too(live_server):
    for path, status in (("/search?q=cocoa", 200), ("/api/v1/articles/no-such-id", 404),
                         ("/static/morgue.js", 200), ("/api/v1/search?q=cocoa&page=0", 400)):
        answer_status, headers, _ = fetch(live_server.url + path)
        assert answer_status == status, path
        assert_security_headers(headers, path)


# -- never debug mode ---------------------------------------------------------------------------

def test_flask_debug_in_the_environment_changes_nothing(small_index, tmp_path, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    monkeypatch.setenv("FLASK_ENV", "development")
    assert Flask("probe").debug  # what these variables do to a bare Flask app
    app = add_failing_routes(make_app(small_index, tmp_path))
    assert app.debug is False and app.config["DEBUG"] is False
    web = app.test_client()
    failed = web.get("/api/v1/boom")
    assert failed.status_code == 500
    assert failed.get_json() == INTERNAL_ERROR
    missing = web.get("/api/v1/key")  # debug mode would name the missing argument
    assert missing.status_code == 400
    assert not [leak for leak in LEAKS
                if leak in failed.get_data(as_text=True) + missing.get_data(as_text=True)]


FAILING_SERVER = """
import sys
sys.path[:0] = [sys.argv[1], sys.argv[1] + "/scripts"]
import serve
from index.settings import load_settings
from tests.test_security_http import add_failing_routes

class FailingServer(serve.MorgueServer):
    def load(self):
        return add_failing_routes(super().load())

FailingServer(load_settings({"INDEX_DIR": sys.argv[2], "HOST": "127.0.0.1",
                             "PORT": int(sys.argv[3]), "WORKERS": 1})).run()
"""


class FailingServer(Server):
    """scripts/serve.py's gunicorn application with add_failing_routes(), in a child process,
    started with FLASK_DEBUG=1 and FLASK_ENV=development in its environment."""

    def __init__(self, index_dir: Path, env: dict) -> None:  # Server's own runs serve.py
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile("w+")
        clean = {k: v for k, v in os.environ.items() if not k.startswith("MORGUE_")}
        self.process = subprocess.Popen(
            [sys.executable, "-c", FAILING_SERVER, str(ROOT), str(index_dir), str(self.port)],
            cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT, text=True,
            env={**clean, "FLASK_DEBUG": "1", "FLASK_ENV": "development", **env})
        deadline = time.monotonic() + 60
        while fetch_or_none(self.url + "/api/v1/health") is None:
            assert self.process.poll() is None, self.output()[-2000:]
            assert time.monotonic() < deadline, "the failing server did not start"
            time.sleep(0.2)


def fetch_or_none(url: str):
    try:
        return fetch(url)
    except OSError:
        return None


@pytest.fixture(scope="module")
def failing_server(small_index, tmp_path_factory):
    index_dir = tmp_path_factory.mktemp("security-failing") / "index"
    shutil.copytree(small_index, index_dir)  # it takes a write
    server = FailingServer(index_dir, {"MORGUE_API_TOKEN": WRITE_TOKEN,
                                       "MORGUE_READ_TOKEN": READ_TOKEN})
    yield server
    server.stop()


def test_a_real_server_never_debugs_and_never_sends_a_traceback(failing_server):
    url = failing_server.url
    status, headers, body = fetch(url + "/api/v1/boom", bearer(READ_TOKEN))
    assert status == 500 and headers["Content-Type"] == "application/json"
    assert json.loads(body) == INTERNAL_ERROR
    assert_security_headers(headers, "500 over HTTP")
    status, _, page = fetch(url + "/boom", basic(READ_TOKEN))
    assert status == 500 and b"Something went wrong" in page
    status, _, missing = fetch(url + "/api/v1/key", bearer(READ_TOKEN))
    assert status == 400
    sent = (body + page + missing).decode("utf-8")
    assert not [leak for leak in LEAKS if leak in sent], sent
    log = failing_server.output()
    assert "Traceback" in log and SECRET in log  # kept on the server, where it belongs


def test_tokens_never_reach_the_log_or_a_message(failing_server):
    url = failing_server.url
    wrong = [READ_TOKEN + "x", "x" + WRITE_TOKEN, WRITE_TOKEN[:-1], READ_TOKEN.upper()]
    article = json.dumps({"id": "sec-token-1", "title": "Tokens", "body": "Body."}).encode()
    answers = [fetch(url + "/api/v1/search?q=cocoa", bearer(READ_TOKEN)),
               fetch(url + "/search?q=cocoa", basic(READ_TOKEN)),
               fetch(url + "/api/v1/boom", bearer(WRITE_TOKEN)),  # logs a traceback
               fetch(url + "/boom", basic(READ_TOKEN, user=WRITE_TOKEN)),
               fetch(url + "/api/v1/articles", bearer(READ_TOKEN), "POST", article),
               fetch(url + "/api/v1/articles", bearer(WRITE_TOKEN), "POST", article)]
    for token in wrong:
        answers += [fetch(url + "/api/v1/search?q=cocoa", bearer(token)),
                    fetch(url + "/search?q=cocoa", basic(token)),
                    fetch(url + "/api/v1/articles", bearer(token), "POST", article),
                    fetch(url + "/api/v1/articles/sec-token-1", bearer(token), "DELETE")]
    statuses = [status for status, _, _ in answers]
    assert statuses[:6] == [200, 200, 500, 500, 401, 202]
    assert set(statuses[6:]) == {401}
    secrets = [READ_TOKEN, WRITE_TOKEN, latin1(READ_TOKEN), *wrong,
               basic(READ_TOKEN)["Authorization"].split()[1]]
    log = failing_server.output()
    assert "Traceback" in log  # the log is live: a token logged with an error would be here
    for secret in secrets:
        assert secret not in log
        for _, headers, body in answers:
            assert secret not in body.decode("utf-8", "replace")
            assert secret not in str(headers)


# -- private archives: MORGUE_READ_TOKEN ------------------------------------------------------

@pytest.fixture(scope="module")
def private_client(small_index, tmp_path_factory):
    app = make_app(small_index, tmp_path_factory.mktemp("private"), READ_TOKEN=READ_TOKEN,
                   API_TOKEN=WRITE_TOKEN, CORS_ORIGINS="https://news.example")
    return app.test_client()


ANY_PATH = ["/", "/search?q=cocoa", "/help", "/articles/t-cocoa-1", "/static/style.css",
            "/api", "/api/v1/search?q=cocoa", "/api/v1/articles/t-cocoa-1",
            "/api/v1/suggest?q=coc", "/api/v1/health", "/api/v1/openapi.json", "/no/such/page"]


@pytest.mark.parametrize("path", ANY_PATH)
@pytest.mark.parametrize("headers", [
    {}, bearer("wrong"), basic("wrong"), bearer(READ_TOKEN[:-1]), basic(READ_TOKEN + " "),
    {"Authorization": READ_TOKEN}, {"Authorization": "Basic not-base64!"},
    {"Authorization": "Basic " + base64.b64encode(READ_TOKEN.encode()).decode()},  # no colon
], ids=["none", "wrong-bearer", "wrong-basic", "short", "trailing-space", "no-scheme",
        "bad-base64", "no-colon"])
def test_every_read_needs_the_token(private_client, path, headers):
    response = private_client.get(path, headers=headers)
    assert response.status_code == 401
    challenges = response.headers.getlist("WWW-Authenticate")
    if path.startswith("/api/"):
        assert challenges == ['Bearer realm="morgue"', 'Basic realm="morgue", charset="UTF-8"']
        assert response.get_json()["error"]["code"] == "unauthorized"
    else:
        assert challenges == ['Basic realm="morgue", charset="UTF-8"']
        assert "This archive is private" in response.get_data(as_text=True)
    assert READ_TOKEN not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ANY_PATH[:-1])
@pytest.mark.parametrize("headers", [bearer(READ_TOKEN), basic(READ_TOKEN), basic(READ_TOKEN, ""),
                                     bearer(WRITE_TOKEN), basic(WRITE_TOKEN)],
                         ids=["bearer", "basic", "basic-no-user", "write-bearer", "write-basic"])
def test_the_read_or_the_write_token_opens_every_read(private_client, path, headers):
    response = private_client.get(path, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert "public" not in response.headers.get("Cache-Control", "")  # no shared cache keeps it


def test_the_private_answers_are_marked_private(private_client):
    response = private_client.get("/api/v1/search?q=cocoa", headers=bearer(READ_TOKEN))
    assert response.headers["Cache-Control"] == "max-age=0, must-revalidate, private"
    tag = response.headers["ETag"]
    again = private_client.get("/api/v1/search?q=cocoa", headers={
        **bearer(READ_TOKEN), "If-None-Match": tag})
    assert again.status_code == 304 and "public" not in again.headers["Cache-Control"]
    assert private_client.get("/api/v1/search?q=cocoa",
                              headers={"If-None-Match": tag}).status_code == 401


def test_a_token_in_the_query_string_is_not_a_token(private_client):
    for name in ("token", "access_token", "read_token", "password"):
        response = private_client.get(f"/api/v1/search?q=cocoa&{name}={READ_TOKEN}")
        assert response.status_code == 401, name


def test_writes_still_need_the_write_token(private_client):
    article = {"title": "Private", "body": "Body."}
    only_read = private_client.post("/api/v1/articles", headers=bearer(READ_TOKEN), json=article)
    assert only_read.status_code == 401
    assert only_read.headers["WWW-Authenticate"].startswith("Bearer")
    unparsable = private_client.post("/api/v1/articles", headers=bearer(WRITE_TOKEN), data=b"{",
                                     content_type="application/json")
    assert unparsable.status_code == 400  # past both checks, and nothing journaled


def test_cors_preflight_passes_and_the_read_that_follows_needs_the_token(private_client):
    origin = {"Origin": "https://news.example"}
    preflight = private_client.options("/api/v1/search", headers={
        **origin, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization"})
    assert preflight.status_code == 200  # browsers send no credentials on a preflight
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://news.example"
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    assert preflight.get_data() == b""  # nothing of the archive
    refused = private_client.get("/api/v1/search?q=cocoa", headers=origin)
    assert refused.status_code == 401  # readable by the page (CORS headers), so it can ask
    assert refused.headers["Access-Control-Allow-Origin"] == "https://news.example"
    allowed = private_client.get("/api/v1/search?q=cocoa", headers={**origin,
                                                                     **bearer(READ_TOKEN)})
    assert allowed.status_code == 200
    assert private_client.options("/search").status_code == 401  # pages have no preflight


def test_reading_is_open_without_the_setting(client):
    assert client.get("/api/v1/health").status_code == 200
    assert client.get("/search?q=cocoa").headers.get("WWW-Authenticate") is None


@pytest.fixture(scope="module")
def private_server(small_index):
    server = Server(small_index, workers=1, env={"MORGUE_READ_TOKEN": READ_TOKEN},
                    require_index=False)  # its health check needs the token too
    yield server
    server.stop()


def test_a_private_server_over_http(private_server):
    url = private_server.url
    assert fetch(url + "/api/v1/health")[0] == 401
    assert fetch(url + "/static/style.css")[0] == 401
    status, _, body = fetch(url + "/api/v1/health", bearer(READ_TOKEN))
    assert status == 200 and json.loads(body)["status"] == "ok"
    assert fetch(url + "/static/style.css", basic(READ_TOKEN))[0] == 200
    assert READ_TOKEN not in private_server.output()


@pytest.mark.browser
def test_a_browser_asks_for_the_token_and_then_reads(private_server):
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    from tests.test_browser import CHROMIUM_FLAGS

    url = private_server.url + "/search?q=cocoa"

    def visit(credentials: dict | None):
        context = browser.new_context(http_credentials=credentials)
        page = context.new_page()
        page.statuses = []
        page.on("response", lambda answer: page.statuses.append((answer.status, answer.url)))
        return context, page

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"),
                                             args=CHROMIUM_FLAGS)
        try:
            context, page = visit(None)  # Playwright cancels the prompt: the load fails
            with pytest.raises(PlaywrightError, match="ERR_INVALID_AUTH_CREDENTIALS"):
                page.goto(url)
            assert page.statuses == [(401, url)]
            context.close()
            context, page = visit({"username": "reader", "password": "wrong"})
            assert page.goto(url).status == 401
            assert "This archive is private" in page.locator("main").inner_text()
            context.close()
            context, page = visit({"username": "reader", "password": READ_TOKEN})
            assert page.goto(url).status == 200
            assert page.locator("ol.hits li.hit").count() == 6
            assert page.evaluate("getComputedStyle(document.body).margin") == "0px"  # style.css
            assert {status for status, _ in page.statuses} == {200}  # page, style, script
            assert {link.rsplit("/", 1)[1] for _, link in page.statuses} >= {
                "style.css", "morgue.js"}
            twin = page.get_by_role("link", name="JSON", exact=True).get_attribute("href")
            answer = page.goto(private_server.url + twin)  # /api/ offers Basic after Bearer
            assert answer.status == 200 and answer.json()["total"] == 6
            context.close()
        finally:
            browser.close()


# -- rate limits: MORGUE_RATE_LIMIT ---------------------------------------------------------------

@pytest.mark.parametrize("path, query, reason", [
    ("/api/v1/search", "q=cocoa&format=csv", "export"),
    ("/api/v1/search", "q=cocoa&format=jsonl", "export"),
    ("/api/v1/search", "q=cocoa&page=11", "deep page"),
    ("/api/v1/search", "q=cocoa&page=6&page_size=200", "deep page"),  # a 400, counted still
    ("/search", "q=cocoa&page=11", "deep page"),
    ("/actors/person/Maria Lopez", "page=12", "deep page"),
    ("/api/v1/search", "q=cocoa&facets=source,person,place", "facets"),
    ("/search", "q=cocoa&facets=person,place,tag,source", "facets"),
    ("/api/v1/search", "q=cocoa&facet_size=26", "facets"),
    ("/actors/place/Brazil", "facet_size=100", "facets"),
    ("/api/v1/search", "q=coc* futur*", "wildcards"),
    ("/api/v1/search", "q=volcker~1 gree?span", "wildcards"),
    # cheap: what a reader's pages and an ordinary program ask
    ("/api/v1/search", "q=cocoa", None),
    ("/api/v1/search", "q=*&format=atom", None),
    ("/api/v1/search", "q=cocoa&page=10", None),
    ("/api/v1/search", "q=cocoa&page=10&page_size=100", None),
    ("/api/v1/search", "q=cocoa&page=2&page_size=100", None),
    ("/api/v1/search", "q=cocoa&cursor=abc", None),
    ("/api/v1/search", "q=cocoa&facets=source,published&facet_size=25", None),
    ("/api/v1/search", "q=cocoa&facets=source,source,source", None),
    ("/api/v1/search", "q=volck* published:[* TO 1987]", None),
    ("/api/v1/search", 'q="rates cut"~5 cocoa', None),
    ("/api/v1/search", "q=cocoa&page=lots", None),  # a 400 from the search itself
    ("/search", "q=cocoa", None),  # the sidebar's six facets are the page's own
    ("/actors/person/Maria Lopez", "", None),
    ("/api/v1/articles/t-cocoa-1", "q=a* b* c*", None),
    ("/api/v1/suggest", "q=coc", None),
    ("/api/v1/export", "format=csv", None),
])
def test_what_counts_as_expensive(path, query, reason):
    assert expense(path, MultiDict(parse_qsl(query))) == reason


def test_clients_by_address():
    assert client_key("203.0.113.7") == "203.0.113.7"
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:bbbb::9") \
        == "2001:db8:1:2::/64"
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")
    assert client_key("::ffff:203.0.113.7") == "203.0.113.7"
    assert client_key(None) == "unknown"


@pytest.mark.parametrize("raw, rate", [
    ("30/minute", Rate(30, 60)), ("5/second", Rate(5, 1)), ("500/hour", Rate(500, 3600)),
    (" 7 / Minute ", Rate(7, 60)), ("10/15s", Rate(10, 15)), ("3/0.5s", Rate(3, 0.5)),
    ("", None),
])
def test_rate_limit_setting(raw, rate):
    assert load_settings(environ={"MORGUE_RATE_LIMIT": raw})["RATE_LIMIT"] == rate
    if rate:
        assert load_settings(environ={"MORGUE_RATE_LIMIT": str(rate)})["RATE_LIMIT"] == rate


@pytest.mark.parametrize("raw", ["30", "30/fortnight", "0/minute", "-1/minute", "30/0s",
                                 "thirty/minute", "30/minute,5/second", "30 per minute"])
def test_a_bad_rate_limit_stops_the_start_with_a_hint(raw):
    with pytest.raises(SystemExit, match=r"MORGUE_RATE_LIMIT=.*(30/minute|more than 0)"):
        load_settings(environ={"MORGUE_RATE_LIMIT": raw})


def test_trusted_proxies_setting():
    assert load_settings(environ={})["TRUSTED_PROXIES"] == 0
    assert load_settings(environ={"MORGUE_TRUSTED_PROXIES": "2"})["TRUSTED_PROXIES"] == 2
    with pytest.raises(SystemExit, match="MORGUE_TRUSTED_PROXIES"):
        load_settings(environ={"MORGUE_TRUSTED_PROXIES": "-1"})


def test_gcra_lets_a_burst_through_then_one_per_interval(tmp_path):
    limiter = Limiter(Rate(3, 60), tmp_path / "rl.sqlite3")
    assert [limiter.hit("a", now=1000.0) for _ in range(3)] == [0, 0, 0]
    assert limiter.hit("a", now=1000.0) == pytest.approx(20.0)
    assert limiter.hit("a", now=1015.0) == pytest.approx(5.0)  # refused hits cost nothing
    assert limiter.hit("a", now=1020.0) == 0
    assert limiter.hit("a", now=1020.0) == pytest.approx(20.0)
    assert limiter.hit("b", now=1020.0) == 0  # each client has its own allowance
    assert [limiter.hit("a", now=1080.0) for _ in range(3)] == [0, 0, 0]  # idle: all back
    assert limiter.hit("a", now=1080.0) > 0


def test_settled_rows_are_deleted(tmp_path):
    path = tmp_path / "rl.sqlite3"
    limiter = Limiter(Rate(1000, 60), path)
    for number in range(10):
        limiter.hit(f"gone-{number}", now=0.0)
    for _ in range(ratelimit.PRUNE_EVERY - 10):
        limiter.hit("here", now=10_000.0)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT client FROM allowance").fetchall() == [("here",)]


def test_the_limit_per_client(small_index, tmp_path):
    app = make_app(small_index, tmp_path, RATE_LIMIT="3/hour")
    web = app.test_client()
    for url in (EXPENSIVE, "/api/v1/search?q=cocoa&page=11", "/search?q=cocoa&facet_size=50"):
        assert web.get(url).status_code in (200, 400), url  # page 11 of 6 results is a 400
    refused = web.get("/api/v1/search?q=cocoa&format=jsonl")
    assert refused.status_code == 429
    assert 1190 <= int(refused.headers["Retry-After"]) <= 1200  # one more every 20 minutes
    assert refused.headers["Cache-Control"] == "no-store"
    error = refused.get_json()["error"]
    assert error["code"] == "rate_limited" and "3/hour" in error["message"]
    page = web.get("/search?q=cocoa&page=11")
    assert page.status_code == 429 and page.headers["Retry-After"].isdigit()
    assert "A deep page is an expensive request" in page.get_data(as_text=True)
    for cheap in ("/api/v1/search?q=cocoa", "/search?q=cocoa", "/api/v1/search?q=*&page=2",
                  "/api/v1/search?q=cocoa&format=atom", "/actors/place/Brazil",
                  "/api/v1/articles/t-cocoa-1", "/api/v1/suggest?q=coc", "/api/v1/health"):
        assert web.get(cheap).status_code == 200, cheap
    other = {"REMOTE_ADDR": "198.51.100.4"}
    assert web.get(EXPENSIVE, environ_base=other).status_code == 200
    spoofed = web.get(EXPENSIVE, headers={"X-Forwarded-For": "198.51.100.99"})
    assert spoofed.status_code == 429  # X-Forwarded-For is nobody's word by default


def test_behind_a_trusted_proxy_the_forwarded_address_counts(small_index, tmp_path):
    web = make_app(small_index, tmp_path, RATE_LIMIT="1/hour", TRUSTED_PROXIES="1").test_client()
    first = {"X-Forwarded-For": "198.51.100.1"}
    assert web.get(EXPENSIVE, headers=first).status_code == 200
    assert web.get(EXPENSIVE, headers=first).status_code == 429
    assert web.get(EXPENSIVE, headers={"X-Forwarded-For": "198.51.100.2"}).status_code == 200
    spoofed = {"X-Forwarded-For": "198.51.100.3, 198.51.100.1"}  # only the last hop is trusted
    assert web.get(EXPENSIVE, headers=spoofed).status_code == 429


def test_refused_readers_spend_no_allowance(small_index, tmp_path):
    web = make_app(small_index, tmp_path, RATE_LIMIT="1/hour",
                   READ_TOKEN=READ_TOKEN).test_client()
    assert [web.get(EXPENSIVE).status_code for _ in range(3)] == [401, 401, 401]
    assert web.get(EXPENSIVE, headers=bearer(READ_TOKEN)).status_code == 200
    assert web.get(EXPENSIVE, headers=bearer(READ_TOKEN)).status_code == 429


def test_no_limit_by_default(small_index, tmp_path, app):
    assert app.extensions["morgue.ratelimit"] is None
    web = make_app(small_index, tmp_path).test_client()
    assert [web.get(EXPENSIVE).status_code for _ in range(5)] == [200] * 5
    assert not (tmp_path / "ratelimit.sqlite3").exists()


def test_the_file_is_beside_the_index_by_default(tmp_path):
    settings = load_settings({"INDEX_DIR": str(tmp_path / "instance" / "index")})
    assert ratelimit.database_path(settings) == tmp_path / "instance" / "ratelimit.sqlite3"


def test_an_unusable_file_fails_open_and_is_logged_once(small_index, tmp_path, caplog):
    (tmp_path / "a-file").write_text("not a directory")
    web = make_app(small_index, tmp_path, RATE_LIMIT="1/hour",
                   RATE_LIMIT_DB=str(tmp_path / "a-file" / "rl.sqlite3")).test_client()
    with caplog.at_level(logging.WARNING, logger="morgue.ratelimit"):
        assert [web.get(EXPENSIVE).status_code for _ in range(3)] == [200] * 3
    warnings = [r for r in caplog.records if r.name == "morgue.ratelimit"]
    assert len(warnings) == 1 and "rate limits are not applied" in warnings[0].getMessage()


def test_a_file_locked_past_the_timeout_fails_open(tmp_path, caplog):
    path = tmp_path / "rl.sqlite3"
    limiter = Limiter(Rate(1, 3600), path)
    assert limiter.hit("a") == 0
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with caplog.at_level(logging.WARNING, logger="morgue.ratelimit"):
            assert limiter.hit("a") == 0  # refused if it were counted; waved through instead
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert len([r for r in caplog.records if r.name == "morgue.ratelimit"]) == 1
    assert limiter.hit("a") > 0  # counting again once the lock is gone


@pytest.fixture(scope="module")
def limited_server(small_index, tmp_path_factory):
    database = tmp_path_factory.mktemp("limited") / "ratelimit.sqlite3"
    server = Server(small_index, workers=3, env={"MORGUE_RATE_LIMIT": "5/hour",
                                                 "MORGUE_RATE_LIMIT_DB": str(database)})
    server.database = database
    yield server
    server.stop()


def workers_holding(server: Server, path: Path) -> int:
    """How many worker processes have the rate-limit file open (each opens it on its first
    counted request)."""
    pid = server.process.pid
    holding = 0
    for worker in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        links = []
        for fd in Path(f"/proc/{worker}/fd").iterdir():
            try:
                links.append(os.readlink(fd))
            except OSError:
                pass
        holding += str(path.resolve()) in links
    return holding


def test_the_limit_holds_across_worker_processes(limited_server):
    url = limited_server.url + EXPENSIVE

    def burst(count: int) -> list[tuple[int, dict]]:
        with ThreadPoolExecutor(count) as pool:  # each request on its own fresh connection
            return [(status, headers) for status, headers, _ in pool.map(
                lambda _: fetch(url), range(count))]

    answers = burst(12)
    assert sorted(status for status, _ in answers) == [200] * 5 + [429] * 7
    assert all(int(headers["Retry-After"]) > 0 for status, headers in answers if status == 429)
    # Make sure the count was shared, not just kept by one busy worker: keep asking (each
    # answer must be a 429) until at least two workers have counted requests.
    for _ in range(30):
        if workers_holding(limited_server, limited_server.database) >= 2:
            break
        assert {status for status, _ in burst(6)} == {429}
    assert workers_holding(limited_server, limited_server.database) >= 2
