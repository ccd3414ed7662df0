"""Path traversal in ids and names: a clean 404/400, and the file system never consulted.

Every route that takes an id or a name in its path (the article page, the
API article and its related stories, DELETE with the token, the actor page,
the static files) gets ids such as `../../etc/passwd` in every encoding
(percent, double-percent, overlong UTF-8, backslashes, `....//`), absolute
paths, NUL bytes and very long ids. Answers under /api/ must be the JSON
error shape; none may be a 5xx. An audit hook (sys.addaudithook, event
"open" and the other file-system events) records every path the request
opens, in the test's own thread: none may hold the probe's target, and every
one must lie in the index directory, the app's templates and static files,
or Python's and the project's own modules. Audit hooks cannot be removed, so
the hook is installed once and records only inside `watching()`.
"""
from __future__ import annotations

import os
import shutil
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import ROOT
from webui import create_app

TOKEN = "paths-token-0123456789"
PROBES = (
    "../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%2e%2e/%2e%2e/etc/passwd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "%252e%252e%252fetc%252fpasswd", "/etc/passwd",
    "%2Fetc%2Fpasswd", "....//....//etc/passwd", "..\\..\\etc\\passwd",
    "..%5c..%5cetc%5cpasswd", "%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd", "..;/etc/passwd",
    "..%00/etc/passwd", "passwd%00.json", "%00", "..", ".", "~root", "file:%2F%2F%2Fetc%2Fpasswd",
    "a" * 10_000, "%2e%2e%2f" * 500 + "etc%2fpasswd",
)
TARGETS = ("passwd", "etc/")
# (method, route with {} for the id, statuses it may answer)
ROUTES = (
    ("GET", "/articles/{}", {400, 404}),
    ("GET", "/api/v1/articles/{}", {400, 404}),
    ("GET", "/api/v1/articles/{}/related", {400, 404}),
    ("DELETE", "/api/v1/articles/{}", {400, 404}),
    # `//etc/passwd`: Werkzeug merges the slashes and redirects, to a path of its own.
    ("GET", "/static/{}", {308, 400, 404}),
    # A name, not an id: any name is a filter value, so an unknown one is a page of no results.
    ("GET", "/actors/person/{}", {200, 308, 400, 404}),
)
FILE_EVENTS = frozenset({"open", "os.listdir", "os.scandir", "glob.glob", "os.chdir",
                         "os.remove", "os.rename", "os.mkdir", "os.rmdir", "os.symlink",
                         "os.link", "os.truncate", "os.utime", "os.chmod", "shutil.copyfile",
                         "shutil.rmtree"})
TWO_PATHS = frozenset({"os.rename", "os.link", "os.symlink", "shutil.copyfile"})

_opened: list[str] | None = None  # None: the hook records nothing
_thread: int | None = None
_installed = False


def _hook(event: str, args: tuple) -> None:
    if _opened is None or event not in FILE_EVENTS or threading.get_ident() != _thread:
        return
    for arg in args[:2] if event in TWO_PATHS else args[:1]:
        if isinstance(arg, (str, bytes, os.PathLike)):
            _opened.append(os.fsdecode(arg))


@contextmanager
def watching() -> Iterator[list[str]]:
    """Every path this thread opens (or lists, removes...) while inside."""
    global _opened, _thread, _installed
    if not _installed:
        sys.addaudithook(_hook)
        _installed = True
    _opened, _thread = [], threading.get_ident()
    try:
        yield _opened
    finally:
        _opened, _thread = None, None


@pytest.fixture(scope="module")
def app(small_index, tmp_path_factory):
    index_dir = tmp_path_factory.mktemp("paths") / "index"
    shutil.copytree(small_index, index_dir)
    return create_app({"INDEX_DIR": str(index_dir), "API_TOKEN": TOKEN})


def allowed_roots(app) -> list[Path]:
    roots = [Path(app.config["MORGUE"]["INDEX_DIR"]), Path(app.root_path),
             Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix)]
    roots += [ROOT / package for package in ("index", "search", "webui", "bench")]
    return [root.resolve() for root in roots]


def inside(path: str, roots: list[Path]) -> bool:
    resolved = Path(path).resolve()
    return any(resolved == root or root in resolved.parents for root in roots)


def test_the_hook_sees_what_a_request_opens(app):
    """The audit hook is what the other tests rely on: it must see a static file being read
    and the index being opened."""
    fresh = create_app({"INDEX_DIR": app.config["MORGUE"]["INDEX_DIR"]})
    with watching() as opened:
        assert fresh.test_client().get("/static/style.css").status_code == 200
        assert fresh.test_client().get("/api/v1/articles/t-cocoa-1").status_code == 200
    assert any(path.endswith("style.css") for path in opened)
    assert any(inside(path, [Path(app.config["MORGUE"]["INDEX_DIR"]).resolve()]) for path in opened)


@pytest.mark.parametrize("method, route, statuses", ROUTES, ids=[r for _, r, _ in ROUTES])
def test_traversal_never_reaches_the_file_system(app, method, route, statuses):
    client, roots = app.test_client(), allowed_roots(app)
    client.get("/api/v1/articles/t-cocoa-1")  # the index is open before watching starts
    headers = {"Authorization": f"Bearer {TOKEN}"}
    for probe in PROBES:
        with watching() as opened:
            response = client.open(route.format(probe), method=method, headers=headers)
        shown = f"{method} {route.format(probe)[:120]}"
        assert response.status_code in statuses, (shown, response.status_code)
        if response.status_code == 308:  # to the same route on this site, slashes merged
            assert response.location.split("localhost", 1)[-1].startswith(route[:-2]) \
                and ".." not in response.location, (shown, response.location)
        if route.startswith("/api/"):
            error = response.get_json()["error"]
            assert isinstance(error["code"], str) and isinstance(error["message"], str), shown
        touched = [path for path in opened if any(target in path for target in TARGETS)]
        assert touched == [], (shown, touched)
        outside = [path for path in opened if not inside(path, roots)]
        assert outside == [], (shown, outside)
