"""The OpenAPI 3.1 description of /api/v1, built from the code it describes.

Enumerations, limits and defaults are read from the modules that enforce
them (search.request, search.facets, search.filters, the settings), so the
document cannot drift from what the server accepts; what cannot be read off
the code (descriptions, response shapes) is written here once. Tests check
the other direction: every route under /api/ and every name in
search.request.SEARCH_PARAMETERS is described here, and the whole document
validates as OpenAPI 3.1.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from search import facets, filters, request as search_request, results, service

API_VERSION = "1.0"
# The media type each `format` of a search answers with (a format missing here fails a test).
FORMAT_MEDIA_TYPES = {"json": "application/json", "atom": "application/atom+xml",
                      "csv": "text/csv", "jsonl": "application/x-ndjson"}
ARTICLE_KEYS = ("id", "url", "title", "body", "published", "source", "authors", "section",
                "tags", "language", "people", "organizations", "places")


def ref(name: str, kind: str = "schemas") -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def query(name: str, description: str, schema: dict, **extra: Any) -> dict:
    return {"name": name, "in": "query", "description": description, "schema": schema, **extra}


def comma_list(choices: tuple[str, ...], default: tuple[str, ...] | None = None) -> dict:
    schema: dict = {"type": "array", "items": {"type": "string", "enum": list(choices)}}
    if default is not None:
        schema["default"] = list(default)
    return schema


def search_parameters(settings: Mapping[str, Any]) -> list[dict]:
    """Every parameter of GET /search, its choices and limits taken from search.request."""
    r = search_request
    repeatable = {"style": "form", "explode": True}
    commas = {"style": "form", "explode": False}
    listed = [
        query("q", "The query, in the syntax of the help page (/help): words, \"phrases\", "
              "AND/OR/NOT, field:value, published:[A TO B], wildcards; `*` matches every "
              "article.", {"type": "string", "minLength": 1,
                           "maxLength": settings["MAX_QUERY_LENGTH"]},
              required=True, example="cocoa exports"),
        query("from", "Earliest `published`, inclusive: an ISO 8601 date or datetime (UTC).",
              {"type": "string"}, example="1987-03-01"),
        query("to", "Latest `published`, inclusive; a date-only value includes that whole day.",
              {"type": "string"}, example="1987-03-31T23:59:59Z"),
    ]
    listed += [query(name, f"Only articles whose {name} is exactly this value, as facets list "
                     "it (case-insensitive). Repeatable: the values are AND-ed.",
                     {"type": "array", "items": {"type": "string"}}, **repeatable)
               for name in filters.FILTERS]
    listed += [
        query("sort", "Result order; undated articles come last in date orders.",
              {"type": "string", "enum": list(r.SORTS), "default": "relevance"}),
        query("recency", "With sort=relevance: how much freshness counts, from 0 (relevance "
              "only) to 1.", {"type": "number", "minimum": 0, "maximum": 1, "default": 0}),
        query("page", f"1-based page; page * page_size is at most {r.MAX_RESULT_DEPTH:,} "
              "(follow next_cursor to go deeper).",
              {"type": "integer", "minimum": 1, "default": 1}),
        query("page_size", "Results per page.",
              {"type": "integer", "minimum": 1, "maximum": r.MAX_PAGE_SIZE, "default": 10}),
        query("facets", "Facets to count over all matches (empty for none).",
              comma_list(tuple(facets.FACETS), r.DEFAULT_FACETS), **commas),
        query("facet_size", "Values per facet, by count then name.",
              {"type": "integer", "minimum": 1, "maximum": r.MAX_FACET_SIZE, "default": 10}),
        query("interval", "Bucket of the `published` histogram; auto fits the span.",
              {"type": "string", "enum": list(facets.INTERVALS), "default": "auto"}),
        query("collapse", "`cluster`: syndicated copies of one story listed once; `none`: "
              "every copy.", {"type": "string", "enum": list(r.COLLAPSES), "default": "cluster"}),
        query("count", "What facets count (default: stories with collapse=cluster, else "
              "copies).", {"type": "string", "enum": list(r.COUNTS)}),
        query("fields", "Result keys to return; `all` adds `body`.",
              comma_list(("all",) + results.RESULT_FIELDS, results.DEFAULT_FIELDS), **commas),
        query("format", "Response format; each has its own media type.",
              {"type": "string", "enum": list(r.FORMATS), "default": "json"}),
        query("cursor", "`next_cursor` of the previous response: the next page, however deep. "
              "It only continues its own search on the same index state (else 400).",
              {"type": "string", "maxLength": r.MAX_CURSOR_LENGTH}),
        query("explain", "Add to each result the matched terms and fields and the score's "
              "parts (also accepts 1/0, yes/no).", {"type": "boolean", "default": False}),
    ]
    return listed


def errors(*statuses: int) -> dict:
    names = {304: "NotModified", 400: "BadRequest", 401: "Unauthorized", 403: "Forbidden",
             404: "NotFound", 413: "TooLarge", 429: "TooManyRequests",
             503: "IndexUnavailable", 507: "InsufficientStorage"}
    return {str(status): ref(names[status], "responses") for status in statuses}


IF_NONE_MATCH = {"name": "If-None-Match", "in": "header", "schema": {"type": "string"},
                 "description": "The ETag of an earlier answer: 304 while the index is "
                                "unchanged."}
ETAG = {"ETag": {"description": "Weak tag of this answer on the index as it is now: send it "
                                  "back as If-None-Match for a 304.",
                   "schema": {"type": "string"}}}


def ok(description: str, schema: dict, *, etag: bool = False) -> dict:
    """A 200 answer in JSON; `etag` for the conditional GETs (webui/http.py)."""
    answer = {"description": description, "content": {"application/json": {"schema": schema}}}
    return {"200": {**answer, "headers": ETAG} if etag else answer}


def search_content() -> dict:
    content = {}
    for name in search_request.FORMATS:
        media_type = FORMAT_MEDIA_TYPES.get(name, "application/octet-stream")
        schema = ref("SearchResponse") if name == "json" else {"type": "string"}
        content[media_type] = {"schema": schema}
    return content


def limit_parameter() -> dict:
    return query("limit", "How many to list.", {"type": "integer", "minimum": 1,
                                                 "maximum": service.MAX_LISTED, "default": 10})


ID_PARAMETER = {"name": "id", "in": "path", "required": True, "description": "An article id.",
                "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:~-]{1,200}$"},
                "example": "reuters21578:1"}
TOKEN = [{"bearerAuth": []}]


def paths(settings: Mapping[str, Any]) -> dict:
    return {
        "/search": {"get": {
            "operationId": "search", "summary": "Search the archive",
            "description": "One page of results with facets, a did-you-mean suggestion and, "
                           "for zero results, a diagnosis. Unknown parameters are refused.",
            "parameters": [*search_parameters(settings), IF_NONE_MATCH],
            "responses": {"200": {"description": "Results, in the format asked for: json and "
                                                 "atom one page, csv and jsonl every result.",
                                  "headers": ETAG, "content": search_content()},
                          **errors(304, 400, 429, 503)}}},
        "/articles": {"post": {
            "operationId": "postArticles", "summary": "Index articles",
            "description": "One article (an object), several (an array, or an object whose "
                           "`articles` is one) or NDJSON (one object a line), with the keys "
                           f"reindex.py reads; at most {settings['MAX_POST_BYTES']:,} bytes. "
                           "Each is indexed, updated (same id) or rejected with a reason; "
                           "accepted articles are searchable shortly after.",
            "security": TOKEN,
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": {"oneOf": [
                    ref("ArticleInput"), {"type": "array", "items": ref("ArticleInput")}]}},
                "application/x-ndjson": {"schema": {"type": "string"}}}},
            "responses": {"202": {"description": "Accepted: one result per article, in order; "
                                                 "the accepted ones are journaled.",
                                  "content": {"application/json": {"schema": ref("WriteResults")}}},
                          **errors(400, 401, 403, 413, 503, 507)}}},
        "/articles/{id}": {
            "get": {"operationId": "getArticle", "summary": "One whole article",
                    "parameters": [ID_PARAMETER, query(
                        "q", "A query whose words are marked in `title_html` and `body_html`.",
                        {"type": "string", "maxLength": settings["MAX_QUERY_LENGTH"]}),
                        IF_NONE_MATCH],
                    "responses": {**ok("The article.", ref("Article"), etag=True),
                                  **errors(304, 400, 404, 503)}},
            "delete": {"operationId": "deleteArticle", "summary": "Remove an article",
                       "security": TOKEN, "parameters": [ID_PARAMETER],
                       "responses": {"202": {"description": "Accepted: journaled, and gone "
                                                            "from searches shortly after.",
                                             "content": {"application/json": {
                                                 "schema": ref("Deleted")}}},
                                     **errors(401, 403, 404, 503, 507)}}},
        "/articles/{id}/related": {"get": {
            "operationId": "getRelated", "summary": "Stories most like this article",
            "parameters": [ID_PARAMETER, limit_parameter(), IF_NONE_MATCH],
            "responses": {**ok("Related stories, the article's own copies left out.",
                               ref("ResultList"), etag=True), **errors(304, 400, 404, 503)}}},
        "/suggest": {"get": {
            "operationId": "suggest", "summary": "Autocomplete",
            "parameters": [query("q", "The prefix typed so far.",
                                 {"type": "string", "maxLength": settings["MAX_QUERY_LENGTH"]}),
                           limit_parameter(), IF_NONE_MATCH],
            "responses": {**ok("People, organisations, places, sources and words starting "
                               "with the prefix.", ref("Suggestions"), etag=True),
                          **errors(304, 400, 503)}}},
        "/health": {"get": {
            "operationId": "health", "summary": "Is the index usable?",
            "responses": {**ok("The index is usable.", ref("Health")), **errors(400),
                          "503": {"description": "The index is missing or damaged; `message` "
                                                 "says how to build it.",
                                  "content": {"application/json": {"schema": ref("Health")}}}}}},
        "/openapi.json": {"get": {
            "operationId": "openapi", "summary": "This document",
            "responses": ok("OpenAPI 3.1.", {"type": "object"})}},
    }


def nullable(type_: str, **extra: Any) -> dict:
    return {"type": [type_, "null"], **extra}


STRINGS = {"type": "array", "items": {"type": "string"}}
DATE = nullable("string", format="date-time")
CLUSTER = {"type": "object", "required": ["id", "size"], "properties": {
    "id": {"type": "string"}, "size": {"type": "integer", "minimum": 1},
    "other_sources": STRINGS, "first_seen": DATE}}
RESULT_PROPERTIES = {
    "id": {"type": "string"}, "url": nullable("string"), "title": {"type": "string"},
    "title_html": nullable("string", description="HTML whose only markup is <mark>"),
    "title_derived": {"type": "boolean"}, "source": nullable("string"), "published": DATE,
    "indexed": nullable("string", format="date-time", description="when it entered the archive"),
    "authors": STRINGS, "people": STRINGS, "organizations": STRINGS, "places": STRINGS,
    "tags": STRINGS, "section": nullable("string"), "language": nullable("string"),
    "dateline": nullable("string"),
    "snippet": nullable("string", description="HTML whose only markup is <mark>"),
    "score": nullable("number"), "cluster": CLUSTER, "body": {"type": "string"}}


def components() -> dict:
    """The shapes of bodies: keys may be added to responses, never removed."""
    error = {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"], "properties": {
            "code": {"type": "string", "examples": ["bad_request"]},
            "message": {"type": "string"},
            "param": {"type": "string", "description": "the parameter at fault"},
            "position": {"type": "integer", "description": "where in q the problem is"},
            "hint": {"type": "string", "description": "what to do about it"}}}}}
    facet_value = {"type": "object", "required": ["value", "label", "count", "selected"],
                   "properties": {"value": {"type": "string"}, "label": {"type": "string"},
                                  "count": {"type": "integer"}, "selected": {"type": "boolean"},
                                  "from": {"type": "string"}, "to": {"type": "string"}}}
    result = {"type": "object", "properties": {
        **RESULT_PROPERTIES, "explain": {"type": "object", "description": "with explain=true: "
                                         "the matched terms and fields, the score's parts"}}}
    search = {"type": "object", "required": [
        "query", "total", "page", "page_size", "pages", "took_ms", "results", "facets",
        "suggestion", "next_cursor"], "properties": {
        "query": {"type": "object", "required": ["q", "parsed", "sort", "page", "page_size"]},
        "total": {"type": "integer"}, "total_copies": {"type": "integer"},
        "page": {"type": "integer"}, "page_size": {"type": "integer"},
        "pages": {"type": "integer"}, "took_ms": {"type": "number"},
        "results": {"type": "array", "items": result},
        "facets": {"type": "object", "additionalProperties": {
            "type": "array", "items": facet_value}},
        "suggestion": nullable("string"), "diagnosis": nullable("object"),
        "next_cursor": nullable("string"),
        "partial": {"type": "boolean", "description": "the time budget ran out"},
        "partial_parts": {"type": "array", "items": {"type": "string"},
                          "description": "what was cut short when partial"},
        "results_hash": {"type": "string", "description": "a digest of the ordered result ids, "
                                                         "to cite a search"},
        "index": {"type": "object", "properties": {"build_id": {"type": "string"},
                                                   "documents": {"type": "integer"}}}}}
    article = {"type": "object", "required": [
        "id", "url", "title", "title_derived", "source", "published", "authors", "body",
        "people", "organizations", "places", "quotes", "section", "tags", "language",
        "origin", "cluster"], "properties": {
        **RESULT_PROPERTIES, "origin": nullable("string"), "source_id": nullable("string"),
        "quotes": {"type": "array", "items": {
            "type": "object", "required": ["text"],
            "properties": {"text": {"type": "string"}, "speaker": nullable("string")}}},
        "body_html": {"type": "array", "items": {"type": "string"},
                      "description": "with ?q=: the body's paragraphs, matches marked"}}}
    article_input = {"type": "object", "additionalProperties": True,
                     "description": "Keys and aliases as reindex.py reads JSON (README).",
                     "properties": {name: {"type": ["string", "array"]} if name in (
                         "authors", "tags", "people", "organizations", "places")
                                    else {"type": "string"} for name in ARTICLE_KEYS}}
    write_results = {"type": "object", "required": ["results", "accepted", "rejected", "seq"],
                     "properties": {
        "results": {"type": "array", "items": {
            "type": "object", "required": ["index", "id", "status"], "properties": {
                "index": {"type": "integer", "description": "its place in the body, from 0"},
                "id": nullable("string"),
                "status": {"type": "string", "enum": ["indexed", "updated", "rejected"]},
                "reason": {"type": "string", "description": "why it was rejected"},
                "notes": STRINGS, "seq": {"type": "integer"}}}},
        "accepted": {"type": "integer"}, "rejected": {"type": "integer"},
        "seq": nullable("integer", description="journal position of the last accepted one")}}
    deleted = {"type": "object", "required": ["id", "status"], "properties": {
        "id": {"type": "string"}, "status": {"const": "deleted"}, "seq": {"type": "integer"}}}
    suggestions = {"type": "object", "required": ["suggestions"], "properties": {
        "suggestions": {"type": "array", "items": {
            "type": "object", "required": ["value", "kind"], "properties": {
                "value": {"type": "string"}, "kind": {"type": "string", "enum": [
                    "person", "organization", "place", "source", "term"]}}}}}}
    health = {"type": "object", "required": ["status", "documents", "index", "message"],
              "properties": {"status": {"type": "string", "enum": ["ok", "missing", "damaged"]},
                             "documents": {"type": "integer"}, "index": nullable("object"),
                             "message": nullable("string")}}

    def error_response(description: str) -> dict:
        return {"description": description,
                "content": {"application/json": {"schema": ref("Error")}}}

    return {
        "schemas": {"Error": error, "SearchResponse": search, "Result": result,
                    "ResultList": {"type": "object", "required": ["results"], "properties": {
                        "results": {"type": "array", "items": result}}},
                    "Article": article, "ArticleInput": article_input,
                    "WriteResults": write_results, "Deleted": deleted,
                    "Suggestions": suggestions,
                    "Health": health},
        "responses": {
            "NotModified": {"description": "Not modified since the ETag in If-None-Match.",
                            "headers": ETAG},
            "BadRequest": error_response("A parameter or the query cannot be used; `param` "
                                         "names it (and `position` points into q)."),
            "Unauthorized": error_response("No token, or not the right one."),
            "Forbidden": error_response("Writes are off: the server has no MORGUE_API_TOKEN."),
            "TooLarge": error_response("The body is larger than MORGUE_MAX_POST_BYTES."),
            "NotFound": error_response("No article with this id."),
            "IndexUnavailable": error_response("The index is missing or damaged; `hint` says "
                                               "how to build it."),
            "InsufficientStorage": error_response("The disk is full: nothing was journaled, "
                                                  "so nothing was accepted; try again later."),
            "TooManyRequests": {**error_response(
                "Over MORGUE_RATE_LIMIT (when set) for expensive searches: exports, deep "
                "pages, many facets, several wildcard or fuzzy words."), "headers": {
                "Retry-After": {"description": "Seconds until this client may ask again.",
                                "schema": {"type": "integer", "minimum": 1}}}}},
        "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer",
                           "description": "The server's MORGUE_API_TOKEN."},
            "readToken": {"type": "http", "scheme": "bearer",
                          "description": "A private archive's MORGUE_READ_TOKEN (the API "
                                         "token reads too); required by every operation "
                                         "when the server sets it."},
            "readBasic": {"type": "http", "scheme": "basic",
                          "description": "The same token as the password of HTTP Basic, any "
                                         "user name (what browsers send)."}},
    }


def build_document(settings: Mapping[str, Any]) -> dict:
    """The whole OpenAPI document for an app with these settings."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Morgue JSON API", "version": API_VERSION,
                 "description": "Full-text search over a news archive. A guide with curl "
                                "examples: /api. Every error is JSON, "
                                "{\"error\": {\"code\", \"message\", ...}}, 503 is only "
                                "for a missing or damaged index, and 507 only for a write "
                                "refused because the disk is full."},
        "servers": [{"url": "/api/v1"}],
        "paths": paths(settings),
        "components": components(),
        # A private archive: every read needs the read token (webui/access.py); the write
        # operations name their own requirement (the API token), which overrides this one.
        **({"security": [{"readToken": []}, {"readBasic": []}]} if settings["READ_TOKEN"]
           else {}),
    }
