"""Twilio webhook signatures, checked on every webhook: Twilio's algorithm, then twilio's own RequestValidator.

A signature is HMAC-SHA1, under the auth token, of the URL followed by every form field's name and
value in name order (twilio.request_validator.compute_signature). A genuine request is checked with
one HMAC over exactly that string and a constant-time compare; only one that fails it goes on to
RequestValidator.validate, which also tries the URL with and without its default port. The verdict is
the library's for every request, at a third of its cost for the ones Twilio really sent.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from functools import wraps
from typing import Callable

from flask import Response, current_app, request
from twilio.request_validator import RequestValidator


def public_url() -> str | None:
    """The URL Twilio signed: PUBLIC_BASE_URL, then the path and the query string exactly as sent.

    Never the request's Host header: a request Twilio signed for another app on the same account
    (same auth token) would otherwise verify here too. Werkzeug's `request.url` is rebuilt with
    some escapes decoded (`%2F`, `%3A`…), which would fail a correct signature; the raw query
    string is what Twilio hashed.
    """
    base = current_app.extensions["declgate"].settings.public_base_url
    if not base:
        return None  # only a demo app built without `declgate serve` can get here: nothing verifies
    url = base.rstrip("/") + request.script_root + request.path
    if request.query_string:
        url += "?" + request.query_string.decode("latin-1")
    return url


def signed(view: Callable) -> Callable:
    """Reject (403) any request whose X-Twilio-Signature does not match; nothing is stored for it."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        token = current_app.extensions["declgate"].settings.twilio_auth_token
        signature = request.headers.get("X-Twilio-Signature", "")
        url = public_url()
        if not token or not signature or not url or not verified(token, url, request.form, signature):
            current_app.logger.warning("rejected webhook with a bad signature from %s", request.remote_addr)
            return Response("invalid signature\n", status=403, mimetype="text/plain")
        return view(*args, **kwargs)

    return wrapper


def verified(token: str, url: str, form, signature: str) -> bool:
    """Whether `signature` is Twilio's for this URL and form (a werkzeug MultiDict: repeated fields count)."""
    signed_text = url + "".join(name + value for name in sorted(form) for value in sorted(set(form.getlist(name))))
    digest = hmac.new(token.encode(), signed_text.encode(), hashlib.sha1).digest()
    if hmac.compare_digest(base64.b64encode(digest), signature.encode("utf-8", "surrogateescape")):
        return True
    return RequestValidator(token).validate(url, form, signature)


def sign(token: str, url: str, params: dict[str, str]) -> str:
    """The X-Twilio-Signature Twilio would send: for the CLI's `sms send`, the simulator and tests."""
    return RequestValidator(token).compute_signature(url, params)
