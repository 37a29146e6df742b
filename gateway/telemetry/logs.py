"""Log lines an operator can follow one message by: text by default, JSON objects with LOG_FORMAT=json.

Every line carries the request id (the webhook's X-Request-Id, or one made up) and the provider SID of the
message being handled, in the webhook and again in the job and the reply, so `grep SM…` finds a message's
whole path. The message text is masked before any formatter sees it (gateway.id_masking's record factory):
no line, in either format, carries a full ID number.
"""
from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import random
import re

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("declgate_request_id", default=None)
PROVIDER_SID: contextvars.ContextVar[str | None] = contextvars.ContextVar("declgate_provider_sid", default=None)
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_GOOD_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def request_id(header: str | None) -> str:
    """The id a proxy gave the request (X-Request-Id), if it is a plain token; a new one otherwise."""
    if header and _GOOD_ID.fullmatch(header):
        return header
    # 64 random bits tell requests apart; they need not be unguessable, and random's generator is reseeded
    # in every forked worker. uuid4 read the kernel's random source on every webhook.
    return f"{random.getrandbits(64):016x}"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, provider SID, traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"ts": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "msg": record.getMessage()}
        for key, var in (("request_id", REQUEST_ID), ("provider_sid", PROVIDER_SID)):
            value = getattr(record, key, None) or var.get()
            if value:
                line[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:  # already masked by the record factory when the record was made
            line["exc"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


def configure(log_format: str = "text", level: int = logging.INFO) -> None:
    """Set up the root logger once per process, in the format asked for; JSON replaces every root handler's
    formatter (gunicorn's access log is its own: see docs/deployment.md)."""
    logging.basicConfig(level=level, format=TEXT_FORMAT)
    if log_format == "json":
        for handler in logging.getLogger().handlers:
            handler.setFormatter(JsonFormatter())
