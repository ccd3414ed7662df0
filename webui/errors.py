"""One place that turns any error into JSON (under /api/) or a friendly page (elsewhere).

Domain errors carry their own status and message; HTTP errors from routing
(404, 405) keep theirs; anything unexpected is logged with its traceback
and answered with a plain 500 that reveals nothing of the server.
"""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException

from index.errors import MorgueError


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _respond(status: int, body: dict, headers: Headers | dict | None = None):
    if _wants_json():
        response = jsonify({"error": body})
    else:
        response = render_template("error.html", status=status, error=body)
    return response, status, headers or {}


def init_app(app: Flask) -> None:
    @app.errorhandler(MorgueError)
    def domain_error(exc: MorgueError):
        return _respond(exc.status, exc.to_dict())

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = (exc.name or "error").lower().replace(" ", "_")
        headers = exc.get_response().headers  # a header may repeat (WWW-Authenticate)
        headers.remove("Content-Type")
        headers.remove("Content-Length")
        return _respond(exc.code or 500, {"code": code, "message": exc.description}, headers)

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        return _respond(500, {"code": "internal_error",
                              "message": "Something went wrong on our side; it has been logged."})
