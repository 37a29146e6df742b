"""One small interface for sending SMS: Twilio in production, the local outbox otherwise.

The outbound row is written before anything is sent, so what a sender does is
always visible in `declgate outbox`, whichever implementation is active.
"""
from __future__ import annotations

import itertools
import threading
from typing import Protocol


class Sender(Protocol):
    """Delivers one SMS and returns the provider's id for it."""

    kind: str  # "twilio" | "outbox"

    def send(self, to: str, body: str, from_: str | None = None) -> str: ...


class OutboxSender:
    """Records instead of sending: the embedded default, demos and tests."""

    kind = "outbox"

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def send(self, to: str, body: str, from_: str | None = None) -> str:
        with self._lock:
            return f"LOCAL{next(self._ids):010d}"


class TwilioSender:
    """Sends through Twilio's REST API; used when TWILIO_ACCOUNT_SID is set."""

    kind = "twilio"

    def __init__(self, account_sid: str, auth_token: str, default_from: str | None = None) -> None:
        from twilio.rest import Client  # imported here: only real deployments need the REST client

        self._client = Client(account_sid, auth_token)
        self._default_from = default_from

    def send(self, to: str, body: str, from_: str | None = None) -> str:
        message = self._client.messages.create(to=to, body=body, from_=from_ or self._default_from)
        return message.sid
