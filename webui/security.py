"""Response headers that keep a page safe even if some escaping were ever missed.

The Content-Security-Policy lets a page run only scripts and styles served by
Morgue itself: no inline script, no inline style attribute, nothing from other
hosts. A `javascript:` URL smuggled into an article cannot run either. No
other site may frame a page (clickjacking): CSP's frame-ancestors for today's
browsers, X-Frame-Options for older ones that ignore it. A view that needs
another policy sets its own header; it is kept. The headers go on every answer
the app gives, errors, 304s, static files and streamed exports included.
"""
from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",  # search terms in our URLs never leave for other sites
}


def init_app(app: Flask) -> None:
    @app.after_request
    def security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response
