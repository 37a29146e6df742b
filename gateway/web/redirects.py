"""Where a `next` parameter may send an officer: a path on this site, never another host."""
from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from flask import current_app, url_for
from werkzeug.urls import iri_to_uri

MAX_LENGTH = 2048


def local_path(target: str | None) -> str | None:
    """`target` as it would be sent in a Location header, if a browser following it stays on this host.

    Browsers (and Python's own urlsplit) drop tabs and newlines anywhere in a URL, trim control
    characters and spaces at its ends and read a backslash as a slash: `/\\t/evil.example` and
    `/\\\\evil.example` both end up as `//evil.example`, another host. Rather than copy one browser's
    normalisation, a target holding any control, format or space character or a backslash is
    refused; what is left must be a bare path with one leading slash, before and after Werkzeug
    encodes it for the header.
    """
    if not target or len(target) > MAX_LENGTH or "\\" in target:
        return None
    if any(unicodedata.category(ch)[0] in "CZ" for ch in target):
        return None
    if not _bare_path(target):
        return None
    try:
        location = iri_to_uri(target)
    except ValueError:  # e.g. a "port" that is not a number: nothing a local path would hold
        return None
    return location if _bare_path(location) else None


def _bare_path(candidate: str) -> bool:
    try:
        parts = urlsplit(candidate)
    except ValueError:  # an unbalanced "[" reads as a broken IPv6 host
        return False
    return not parts.scheme and not parts.netloc and candidate.startswith("/") and not candidate.startswith("//")


def safe_next(target: str | None) -> str:
    """`target` when it is a local path, else the officer's queue: an open redirect is a phishing link."""
    return local_path(target) or (url_for("review.queue") if "review.queue" in current_app.view_functions else "/")
