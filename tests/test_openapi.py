"""The API's documentation checked against the code: routes, parameters, shapes, examples.

The OpenAPI document must describe exactly the routes under /api/ and exactly
the parameters each endpoint accepts, validate as OpenAPI 3.1, and promise
only response shapes the server really gives; the guide page's and README's
curl examples must run against a real server.
"""
from __future__ import annotations

import csv
import html
import json
import os
import re
import shutil
import subprocess

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from search import facets, request as search_request, results
from tests.conftest import ROOT, Server
from tests.fuzzing import TOKEN, fuzz_app
from webui import create_app
from webui.openapi import FORMAT_MEDIA_TYPES, RESULT_PROPERTIES

IGNORED_METHODS = {"HEAD", "OPTIONS"}  # Flask answers these for every GET route by itself


@pytest.fixture(scope="module")
def document(app) -> dict:
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def operation(document: dict, path: str, method: str = "get") -> dict:
    return document["paths"][path][method]


def parameter_names(document: dict, path: str, method: str = "get") -> set[str]:
    return {p["name"] for p in operation(document, path, method).get("parameters", [])
            if p["in"] == "query"}


def test_document_is_valid_openapi_3_1(document):
    validate(document)  # raises with the offending part
    assert document["openapi"].startswith("3.1")


def shape(path: str) -> str:
    """/api/v1/articles/<article_id> and /api/v1/articles/{id} both read /api/v1/articles/{}."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path)


def test_every_api_route_is_documented_and_nothing_else(app, document):
    served = {(shape(rule.rule), method) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/") for method in rule.methods - IGNORED_METHODS}
    base = document["servers"][0]["url"]
    documented = {(shape(base + path), method.upper())
                  for path, item in document["paths"].items() for method in item}
    assert served - documented == set(), "routes missing from the OpenAPI document"
    assert documented - served == set(), "documented operations the app does not serve"


@pytest.mark.parametrize("path, accepted", [
    ("/search", search_request.SEARCH_PARAMETERS),
    ("/articles/{id}", search_request.ARTICLE_PARAMETERS),
    ("/articles/{id}/related", search_request.RELATED_PARAMETERS),
    ("/suggest", search_request.SUGGEST_PARAMETERS),
    ("/health", search_request.HEALTH_PARAMETERS),
])
def test_documented_parameters_are_exactly_those_the_code_accepts(document, path, accepted):
    assert parameter_names(document, path) == set(accepted)


def test_choices_and_limits_are_read_from_the_code(document):
    schemas = {p["name"]: p["schema"] for p in operation(document, "/search")["parameters"]}
    assert schemas["sort"]["enum"] == list(search_request.SORTS)
    assert schemas["format"]["enum"] == list(search_request.FORMATS)
    assert schemas["collapse"]["enum"] == list(search_request.COLLAPSES)
    assert schemas["interval"]["enum"] == list(facets.INTERVALS)
    assert schemas["facets"]["items"]["enum"] == list(facets.FACETS)
    assert schemas["fields"]["items"]["enum"] == ["all", *results.RESULT_FIELDS]
    assert schemas["page_size"]["maximum"] == search_request.MAX_PAGE_SIZE
    assert schemas["q"]["maxLength"] == 1000 and schemas["q"]["minLength"] == 1
    assert set(results.RESULT_FIELDS) <= set(RESULT_PROPERTIES), "a result key is undocumented"


def test_every_format_has_its_media_type(document):
    assert set(search_request.FORMATS) <= set(FORMAT_MEDIA_TYPES)
    content = operation(document, "/search")["responses"]["200"]["content"]
    assert set(content) == {FORMAT_MEDIA_TYPES[name] for name in search_request.FORMATS}


def test_writes_need_the_token(document):
    for path, method in (("/articles", "post"), ("/articles/{id}", "delete")):
        documented = operation(document, path, method)
        assert documented["security"] == [{"bearerAuth": []}]
        assert {"401", "403"} <= set(documented["responses"])
    assert set(operation(document, "/articles", "post")["requestBody"]["content"]) == {
        "application/json", "application/x-ndjson"}
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_a_private_archive_and_rate_limits_are_documented(small_index, tmp_path):
    """The 429 a rate-limited search gets has the documented shape and Retry-After; with
    MORGUE_READ_TOKEN every operation needs it, and the document (read with it) says so."""
    app = create_app({"INDEX_DIR": str(small_index), "READ_TOKEN": "r3ad", "RATE_LIMIT": "1/hour",
                      "RATE_LIMIT_DB": str(tmp_path / "limits.sqlite3")})
    client, auth = app.test_client(), {"Authorization": "Bearer r3ad"}
    assert client.get("/api/v1/openapi.json").status_code == 401
    private = client.get("/api/v1/openapi.json", headers=auth).get_json()
    validate(private)
    assert private["security"] == [{"readToken": []}, {"readBasic": []}]
    schemes = private["components"]["securitySchemes"]
    assert (schemes["readToken"]["scheme"], schemes["readBasic"]["scheme"]) == ("bearer", "basic")
    deep = "/api/v1/search?q=cocoa&page=11"  # a deep page: an expensive request
    assert client.get(deep, headers=auth).status_code == 200
    limited = client.get(deep, headers=auth)
    assert limited.status_code == 429
    assert body_problem(private, "/search", "get", 429, limited.get_json()) is None
    documented = private["components"]["responses"]["TooManyRequests"]["headers"]
    assert "Retry-After" in documented and int(limited.headers["Retry-After"]) >= 1


def test_an_open_archive_documents_no_read_token(document):
    assert "security" not in document  # reading is open: only writes name a token


def body_problem(document: dict, path: str, method: str, status: int, payload) -> str | None:
    schema = operation(document, path, method)["responses"][str(status)]
    if "$ref" in schema:  # a shared response, such as the error shape
        schema = document["components"]["responses"][schema["$ref"].rsplit("/", 1)[1]]
    schema = schema["content"]["application/json"]["schema"]
    validator = Draft202012Validator({**schema, "components": document["components"]})
    error = next(iter(validator.iter_errors(payload)), None)
    return None if error is None else f"{list(error.absolute_path)}: {error.message}"


@pytest.mark.parametrize("url, path, status", [
    ("/api/v1/search?q=cocoa&facets=source,place,published&explain=true", "/search", 200),
    ("/api/v1/search?q=*&fields=all&collapse=none&page_size=3", "/search", 200),
    ("/api/v1/search?q=zzzqqq", "/search", 200),
    ("/api/v1/search?q=cocoa&page_size=500", "/search", 400),
    ("/api/v1/articles/reuters21578:1?q=cocoa", "/articles/{id}", 200),
    ("/api/v1/articles/no-such-story", "/articles/{id}", 404),
    ("/api/v1/articles/t-syn-1/related?limit=3", "/articles/{id}/related", 200),
    ("/api/v1/suggest?q=ivo", "/suggest", 200),
    ("/api/v1/suggest?q=ivo&limit=0", "/suggest", 400),
    ("/api/v1/health", "/health", 200),
])
def test_real_answers_have_the_documented_shape(client, document, url, path, status):
    response = client.get(url)
    assert response.status_code == status
    assert body_problem(document, path, "get", status, response.get_json()) is None


def test_the_guide_page(client, document):
    page = client.get("/api")
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    # The Content-Security-Policy runs no inline code: scripts only from files, no handlers.
    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", text))
    assert not re.search(r"<script[^>]*>[^<]", text) and not re.search(r"\son[a-z]+=", text)
    base = document["servers"][0]["url"]
    for path, item in document["paths"].items():  # the table lists every operation
        for method in item:
            assert f"{method.upper()} {base}{path}" in text
    assert "/api/v1/openapi.json" in text
    for needle in ("format=csv", "cursor=", "-X POST", "-X DELETE", "Bearer", "facets="):
        assert needle in html.unescape(text)
    for page_url in ("/help", "/"):
        assert 'href="/api"' in client.get(page_url).get_data(as_text=True)


def readme_api_section() -> str:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("### JSON API")
    return readme[start:readme.index("\n## ", start)]


def test_readme_points_to_the_guide_and_the_document():
    section = readme_api_section()
    assert "/api/v1/openapi.json" in section and "`/api`" in section
    assert len(re.findall(r"^curl ", section, re.MULTILINE)) >= 3


def shell_examples(text: str) -> list[str]:
    """The runnable commands of the guide page: every <pre><code> block that calls curl."""
    blocks = re.findall(r"<pre><code>(.*?)</code></pre>", text, re.DOTALL)
    return [html.unescape(block) for block in blocks if "curl " in block]


@pytest.fixture(scope="module")
def writable_server(small_index, tmp_path_factory):
    """scripts/serve.py with the token set, over a copy of the small index it may change."""
    index_dir = tmp_path_factory.mktemp("examples") / "index"
    shutil.copytree(small_index, index_dir)
    server = Server(index_dir, env={"MORGUE_API_TOKEN": TOKEN})
    yield server
    server.stop()


def run_example(command: str, server: Server, tmp_path) -> subprocess.CompletedProcess:
    # curl exits non-zero on an HTTP error, so a 4xx example fails the test.
    script = ("set -eo pipefail\ncurl() { command curl -sS --fail-with-body \"$@\"; }\n"
              + command.replace("http://127.0.0.1:5000", server.url)
                       .replace("http://localhost", server.url))
    return subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60, env={"PATH": os.environ["PATH"], "MORGUE_API_TOKEN": TOKEN})


def test_the_guide_examples_run_against_a_real_server(client, writable_server, tmp_path):
    examples = shell_examples(client.get("/api").get_data(as_text=True))
    assert len(examples) >= 6
    for command in examples:
        result = run_example(command, writable_server, tmp_path)
        assert result.returncode == 0, f"{command}\n{result.stdout[-500:]}{result.stderr[-500:]}"
        if "-o " not in command:
            last = result.stdout.strip().splitlines()[-1]
            assert json.loads(last), command  # each prints a JSON answer
    exported = list(csv.reader((tmp_path / "cocoa.csv").open(newline="")))
    assert "id" in exported[0] and len(exported) > 2


def test_the_readme_examples_run_against_a_real_server(writable_server, tmp_path):
    commands = re.findall(r"^curl .*$", readme_api_section(), re.MULTILINE)
    for command in commands:
        result = run_example(command, writable_server, tmp_path)
        assert result.returncode == 0, f"{command}\n{result.stdout[-500:]}{result.stderr[-500:]}"


def test_fuzz_app_has_writes_enabled(small_index, tmp_path):
    # The fuzz test relies on it: with the token set, POST without it is 401, not 403.
    index_dir = tmp_path / "index"
    shutil.copytree(small_index, index_dir)
    response = fuzz_app(index_dir).test_client().post("/api/v1/articles", json={"title": "x"})
    assert response.status_code == 401
