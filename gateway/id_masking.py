"""Where the gateway applies parsers.masking: every value a template prints, every log record.

A template prints whatever a view hands it, and free text (an SMS, an edited
copy, a reply, an officer's note, a landlord's address) can hold an ID in any
shape. Rather than trusting each template to remember a filter, the Jinja
environment masks every printed value (`finalize`). Only a `Revealed` value,
made by a view after it wrote the audit entry, is printed as it is; markup the
app itself built (the charts) and `Public` text (the forms' CSRF token, an
employer's credit code through the `credit_code` filter) are left alone.

Log records are masked when they are made, traceback included, so no handler
(gunicorn's, RQ's, pytest's) ever sees a full number. A request line holds the
address as the browser sent it, and a GET form sends what was typed percent- or
plus-encoded (`?q=350102+19900101+1238`): a line that decoding turns into one
with an ID is logged decoded and masked.
"""
from __future__ import annotations

import logging
import re
import traceback
import urllib.parse
from typing import Any

from flask import Flask
from stdnum.cn import uscc

from parsers import contains_id, mask_ids


class Revealed(str):
    """Text shown in full: the view that made it has recorded who looked."""


class Public(str):
    """Text that is no one's personal data, printed as it is, though it may look like an ID number.

    A form's CSRF token is random letters and digits, and about one in 1,500 holds an ID-like
    stretch (`…-PPe2nW9EE5-…`): masked, it no longer matched and the form was refused. An
    employer's unified social credit code is a public registration with an ID's shape.
    """


def finalize(value: Any) -> Any:
    """The Jinja `finalize` hook: what `{{ value }}` prints."""
    if value is None or isinstance(value, (Revealed, Public, int, float)) or hasattr(value, "__html__"):
        return value
    return mask_ids(value if isinstance(value, str) else str(value))


def credit_code(value: object) -> str:
    """The `credit_code` filter: an employer's 统一社会信用代码 in full. Only a valid code is let through;
    anything else printed with it is masked like every other value."""
    text = "" if value is None else str(value)
    return Public(text) if uscc.is_valid(text) else text


_ENCODED = re.compile(r"%[0-9A-Fa-f]{2}|\d\+\d")  # a percent escape, or digits joined by a form's `+`


def masked_line(message: str) -> str:
    """A log line as it may be written: every ID masked, those a URL carries encoded too. Only a line with an
    escape or digits joined by `+` is decoded: an access line's `+0800` alone costs a webhook nothing more."""
    masked = mask_ids(message)
    if _ENCODED.search(masked):
        decoded = urllib.parse.unquote_plus(masked, errors="replace")
        if decoded != masked and contains_id(decoded):
            return mask_ids(decoded)
    return masked


def _masking_factory(make_record):
    def make(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: logging reports it when the record is formatted
            return record
        masked = masked_line(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = mask_ids("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
        if record.stack_info:
            record.stack_info = mask_ids(record.stack_info)
        return record

    make.masks_ids = True  # type: ignore[attr-defined]
    return make


def mask_log_records() -> None:
    """Mask IDs in every log record this process makes from now on (idempotent)."""
    current = logging.getLogRecordFactory()
    if not getattr(current, "masks_ids", False):
        logging.setLogRecordFactory(_masking_factory(current))


def init_app(app: Flask) -> None:
    """Mask every printed template value and every log record (call before any template renders)."""
    app.jinja_env.finalize = finalize
    app.jinja_env.filters["credit_code"] = credit_code
    mask_log_records()
