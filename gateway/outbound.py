"""One small interface for sending SMS: Twilio in production, the phone simulator's carrier in the demo,
the local outbox otherwise.

The outbound row is written before anything is sent, so what a sender does is
always visible in `declgate outbox`, whichever implementation is active.
"""
from __future__ import annotations

import itertools
import threading
import uuid
from typing import Any, Protocol


class Sender(Protocol):
    """Delivers one SMS and returns the provider's id for it."""

    kind: str  # "twilio" | "simulator" | "outbox"
    reports_delivery: bool  # whether delivery receipts will come to /sms/status for what it sends

    def send(self, to: str, body: str, from_: str | None = None) -> str: ...


class OutboxSender:
    """Records instead of sending: the embedded default, demos and tests."""

    kind = "outbox"
    reports_delivery = False

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def send(self, to: str, body: str, from_: str | None = None) -> str:
        with self._lock:
            return f"LOCAL{next(self._ids):010d}"


def twilio_client(account_sid: str, auth_token: str, http_client: Any = None) -> Any:
    """Twilio's REST client. `http_client` is the HTTP layer it calls through: tests hand it a fake one, so no
    test ever reaches the network."""
    from twilio.rest import Client  # imported here: only real deployments need the REST client

    return Client(account_sid, auth_token, http_client=http_client or twilio_http_client())


def twilio_http_client() -> Any:
    """The HTTP layer of every Twilio client the gateway makes (None: twilio's own); tests replace it."""
    return None


class TwilioSender:
    """Sends through Twilio's REST API; used when TWILIO_ACCOUNT_SID is set.

    Every message asks for delivery receipts at `status_callback` (PUBLIC_BASE_URL + /sms/status), the signed
    webhook gateway.webhooks.receipts serves.
    """

    kind = "twilio"
    reports_delivery = True

    def __init__(self, account_sid: str, auth_token: str, default_from: str | None = None,
                 status_callback: str | None = None, http_client: Any = None) -> None:
        self._client = twilio_client(account_sid, auth_token, http_client)
        self._default_from = default_from
        self._status_callback = status_callback

    def send(self, to: str, body: str, from_: str | None = None) -> str:
        extra = {"status_callback": self._status_callback} if self._status_callback else {}
        message = self._client.messages.create(to=to, body=body, from_=from_ or self._default_from, **extra)
        return message.sid


class SimulatedCarrier:
    """The demo's Twilio: it takes a message and names it with a Twilio-shaped SID, and the phone simulator
    (gateway.webhooks.simulator) plays the handset, posting the signed receipts Twilio would once it shows
    the message. So a demo shows delivery states and their metrics move as a deployment does; nothing
    leaves the machine."""

    kind = "simulator"
    reports_delivery = True

    def send(self, to: str, body: str, from_: str | None = None) -> str:
        return "SM" + uuid.uuid4().hex
