"""Private archives: with MORGUE_READ_TOKEN set, every request needs the token.

Archives often hold licensed wire copy that must not be public, so the check
covers everything the app answers (pages, static files, the whole API, health
and the OpenAPI document included, and unknown URLs, which would otherwise
say which paths exist). It runs before any other request handler.

Programs send `Authorization: Bearer <token>`; a browser gets a Basic
challenge and asks its user (any user name, the token as password). The write
token (MORGUE_API_TOKEN) reads too. Tokens travel only in that header, never
in a query string, where they would end up in logs, histories and Referer
headers. Comparisons are constant-time (hmac.compare_digest) over the bytes
sent, and no message ever repeats what was sent.

Answers then say `Cache-Control: private`, so no shared cache keeps them.
CORS preflights (OPTIONS under /api/) pass without the token: browsers never
send credentials on a preflight, so requiring one would break every allowed
cross-origin page, and the answer holds no archive content (only which
methods and headers are allowed). The request that follows needs the token.
"""
from __future__ import annotations

import base64
import binascii
import hmac

from flask import Flask, Response, current_app, request
from werkzeug.datastructures import Headers
from werkzeug.exceptions import Unauthorized

REALM = "morgue"
BEARER_CHALLENGE = f'Bearer realm="{REALM}"'
BASIC_CHALLENGE = f'Basic realm="{REALM}", charset="UTF-8"'


class PrivateArchive(Unauthorized):
    """401 with its challenges written out exactly, one WWW-Authenticate header each: the
    form browsers read reliably (several challenges folded into one header, less so)."""

    def __init__(self, description: str, challenges: list[str]) -> None:
        super().__init__(description)
        self.challenges = challenges

    def get_headers(self, environ=None, scope=None) -> list[tuple[str, str]]:
        headers = Headers(super().get_headers(environ, scope))
        headers.extend(("WWW-Authenticate", challenge) for challenge in self.challenges)
        return list(headers.items())


def init_app(app: Flask) -> None:
    """Call before any other init_app: before-request handlers run in the order registered,
    so a refused request reaches none of the others (it costs no rate-limit allowance)."""
    app.before_request(require_read_token)
    app.after_request(keep_private)


def keep_private(response: Response) -> Response:
    """A private archive's answers are for the one client: `public` (webui/http.py) would let
    a shared cache on the way keep them, so it becomes `private`."""
    if current_app.config["MORGUE"]["READ_TOKEN"] and response.cache_control.public:
        response.cache_control.public = False
        response.cache_control.private = True
    return response


def require_read_token() -> None:
    """Nothing when reading is open or the request carries a valid token; else 401."""
    settings = current_app.config["MORGUE"]
    if not settings["READ_TOKEN"]:
        return
    if request.method == "OPTIONS" and _is_api():
        return
    sent = sent_token(request.headers.get("Authorization", ""))
    accepted = [token.encode("utf-8") for token in (settings["READ_TOKEN"],
                                                     settings["API_TOKEN"]) if token]
    # Compared with every accepted token, whichever matches first: the time says nothing.
    matches = [hmac.compare_digest(sent, token) for token in accepted]
    if not sent or not any(matches):
        raise _challenge()


def sent_token(header: str) -> bytes:
    """The token in an Authorization header, as bytes: Bearer's credentials, or the password of
    Basic's; empty when there is none."""
    scheme, _, credentials = header.strip().partition(" ")
    credentials = credentials.strip()
    # WSGI hands headers over as latin-1 text: encoding them back gives the bytes sent.
    if scheme.lower() == "bearer":
        return credentials.encode("latin-1", errors="replace")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials.encode("latin-1", errors="replace"),
                                       validate=True)
        except (binascii.Error, ValueError):
            return b""
        _user, colon, password = decoded.partition(b":")
        return password if colon else b""
    return b""


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _challenge() -> PrivateArchive:
    """401 with the challenges that fit the caller: Basic makes a browser ask for the token;
    under /api/ Bearer comes first, for programs, with Basic after it, so a browser that
    opens an API link (a results page's JSON twin) asks as well."""
    if _is_api():
        message = ("This archive is private: send the read token as "
                   "`Authorization: Bearer <token>`.")
        challenges = [BEARER_CHALLENGE, BASIC_CHALLENGE]
    else:
        message = ("This archive is private: sign in with the read token as the password "
                   "(any user name).")
        challenges = [BASIC_CHALLENGE]
    return PrivateArchive(message, challenges)
