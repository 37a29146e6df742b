"""Security headers on every response: what a browser may load, frame, sniff, keep and send on.

The policy is the templates' own: scripts only from /static (no inline script, no handler
attributes), so an injected `<script>` or `onerror=` does not run even if escaping ever slipped.
Styles may be inline because the statistics charts are matplotlib SVG, inlined and kept in the
database, and carry `style` attributes and a `<style>` element of their own. Recordings officers
listen to are Twilio's. No page may be framed (clickjacking), and no officer page is kept by the
browser or a proxy: they show people's names, numbers and addresses.
"""
from __future__ import annotations

from flask import Flask, Response, request

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "media-src 'self' https://api.twilio.com",
    "connect-src 'self'",
    "font-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
])
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
HSTS = "max-age=31536000"


def init_app(app: Flask, *, https: bool) -> None:
    """`https`: the app is reached over HTTPS only (PUBLIC_BASE_URL), so browsers may be told to insist."""
    headers = {**HEADERS, **({"Strict-Transport-Security": HSTS} if https else {})}

    @app.after_request
    def security_headers(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        # A view's own no-store (the portraits' `private, no-store`, which also keeps shared caches away)
        # stays; anything looser is replaced.
        if request.endpoint != "static" and "no-store" not in response.headers.get("Cache-Control", ""):
            response.headers["Cache-Control"] = "no-store"
        return response
