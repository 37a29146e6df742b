"""Query-string values of the officers' pages, checked before they reach a query or a link.

A value outside what the page can use is a 400 that says which value and why,
in the officer's language: never a 500 from a date Python cannot shift by a
day, an offset SQLite cannot hold, or a key that `url_for` takes for its own.
Links back to a page are built from the values read here, never from
`request.args`.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from flask import request
from werkzeug.exceptions import BadRequest

# The campaign's calendar: far enough either side, and every day in it can be shifted by a
# day and a time zone and stored by both databases.
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2999, 12, 31)
MAX_PAGE = 10_000
MAX_ID = 2**31 - 1  # the id columns are 32-bit on PostgreSQL
MAX_TEXT = 200


class BadQuery(BadRequest):
    """A query-string value the page cannot use; `key` names the UI string that says so (the app's error
    page translates it)."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__()
        self.key, self.values = key, values


def _raw(name: str) -> str:
    return request.args.get(name, "").strip()


def text_arg(name: str, choices: Iterable[str] | None = None) -> str | None:
    """A free value (a reason code, an action), or None when absent; refused when it could not be one."""
    value = _raw(name)
    if not value:
        return None
    if len(value) > MAX_TEXT or not value.isprintable():
        raise BadQuery("query_bad_text", name=name)
    if choices is not None and value not in choices:
        raise BadQuery("query_bad_choice", name=name)
    return value


def id_arg(name: str) -> int | None:
    """A row id (e.g. ?precinct=3), or None when absent."""
    value = _raw(name)
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or not 0 < int(value) <= MAX_ID:
        raise BadQuery("query_bad_number", name=name)
    return int(value)


def page_arg(name: str = "page") -> int:
    """A page number from 1 to MAX_PAGE; 1 when absent."""
    value = _raw(name)
    if not value:
        return 1
    if not (value.isascii() and value.isdigit()) or not 0 < int(value) <= MAX_PAGE:
        raise BadQuery("query_bad_page", max=MAX_PAGE)
    return int(value)


def date_arg(name: str) -> dt.date | None:
    """A day written YYYY-MM-DD within the campaign's calendar, or None when absent."""
    value = _raw(name)
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value) if value.isascii() and len(value) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise BadQuery("query_bad_date", name=name)
    if not EARLIEST <= day <= LATEST:
        raise BadQuery("query_date_range", name=name, earliest=EARLIEST, latest=LATEST)
    return day
