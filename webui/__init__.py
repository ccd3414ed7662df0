"""Morgue's web app: the HTML pages and the JSON API over the same search function.

`create_app()` builds the app from the settings table (defaults, then
MORGUE_* environment variables, then the `config` given, e.g. by tests).
Nothing happens at import time; the index is opened on the first request.
Flask lives only here; Whoosh never does. The app never runs in Flask's debug
mode, whatever FLASK_DEBUG says: debug mode is for a developer's own machine,
and a server must not change behaviour with a stray environment variable.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from index.settings import load_settings
from search import Limits
from search.backends import open_archive
from webui import access, api, docs, errors, http, ratelimit, security, ui, writes


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.debug = False  # Flask reads FLASK_DEBUG from the environment; never for Morgue
    settings = load_settings(config)
    app.config.update(MORGUE=settings)
    app.json.sort_keys = False  # keep keys in the documented order
    app.json.ensure_ascii = False
    app.extensions["morgue.archive"] = open_archive(settings)
    app.extensions["morgue.limits"] = Limits(max_wildcard_terms=settings["MAX_WILDCARD_TERMS"],
                                             time_budget_ms=settings["SEARCH_TIME_BUDGET_MS"])
    access.init_app(app)  # first: a refused request reaches no other handler
    ratelimit.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(ui.bp)
    app.register_blueprint(docs.bp)
    errors.init_app(app)
    http.init_app(app)
    ui.init_app(app)
    security.init_app(app)
    writes.init_app(app)
    return app
