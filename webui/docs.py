"""The API's documentation: the OpenAPI document for programs, a guide page for people.

Both come from webui.openapi: the guide lists the same operations and
parameters the document describes, so neither can forget an endpoint.
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request

from webui.openapi import build_document

bp = Blueprint("docs", __name__)
METHODS = ("get", "post", "delete")


def openapi_document() -> dict:
    """The document for this app, built once (it depends only on the settings)."""
    extensions = current_app.extensions
    if "morgue.openapi" not in extensions:
        extensions["morgue.openapi"] = build_document(current_app.config["MORGUE"])
    return extensions["morgue.openapi"]


def operations(document: dict) -> list[dict]:
    """Each operation as the guide lists it: method, full path, summary, parameter names."""
    base = document["servers"][0]["url"]
    listed = []
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                operation = item[method]
                listed.append({"method": method.upper(), "path": base + path,
                               "summary": operation.get("summary", ""),
                               "token": "security" in operation,
                               "parameters": [p["name"] for p in operation.get("parameters", [])
                                              if p["in"] == "query"]})
    return listed


@bp.get("/api/v1/openapi.json")
def openapi_json():
    return jsonify(openapi_document())


@bp.get("/api")
def guide():
    document = openapi_document()
    return render_template("api.html", operations=operations(document),
                           base_url=request.host_url.rstrip("/"),
                           version=document["info"]["version"])
