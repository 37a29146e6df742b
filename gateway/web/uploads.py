"""How large a request body may be: a few KB everywhere, a CSV file's size on the import pages only.

A Twilio webhook is a few KB, and so is every officer form; refusing anything larger (413) before it
is parsed keeps a stranger from making the app read megabytes. The statistics imports take a file
of up to MAX_UPLOAD_BYTES, and only from someone logged in.
"""
from __future__ import annotations

from typing import Callable, TypeVar

from flask import Flask, current_app, request
from flask_login import current_user

MAX_REQUEST_BYTES = 64 * 1024
MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # a province's case list as CSV is well under this
MULTIPART_ALLOWANCE = 64 * 1024  # the form's other fields and boundaries around the file

View = TypeVar("View", bound=Callable)


def accepts_upload(view: View) -> View:
    """Mark a view (the function its route registers) as taking a file of up to MAX_UPLOAD_BYTES."""
    view.max_request_bytes = MAX_UPLOAD_BYTES + MULTIPART_ALLOWANCE  # type: ignore[attr-defined]
    return view


def init_app(app: Flask) -> None:
    """Call before anything that reads the form (the CSRF check): the limit must be set first.

    Everything else keeps the app's MAX_CONTENT_LENGTH (MAX_REQUEST_BYTES, set by the factory).
    """

    @app.before_request
    def upload_limit() -> None:
        view = current_app.view_functions.get(request.endpoint or "")
        limit = getattr(view, "max_request_bytes", None)
        if limit and current_user.is_authenticated:
            request.max_content_length = limit
