"""Helpers for tests that talk to the gateway as Twilio and a phone would."""
from __future__ import annotations

import uuid

from rq import SimpleWorker
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from gateway.runtime import Runtime
from store.models import InboundMessage, OutboundMessage

TOKEN = "test-auth-token"
GATEWAY_NUMBER = "+8610690000"


def signed_post(client, path: str, params: dict[str, str], *, token: str = TOKEN, base: str = "http://localhost"):
    """POST form params with the signature Twilio would compute for them (twilio's own RequestValidator)."""
    signature = RequestValidator(token).compute_signature(base + path, params)
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature})


def sms(client, body: str, sender: str, *, sid: str | None = None):
    sid = sid or "SM" + uuid.uuid4().hex
    params = {"MessageSid": sid, "SmsSid": sid, "AccountSid": "AC" + "1" * 32, "From": sender,
              "To": GATEWAY_NUMBER, "Body": body, "NumMedia": "0"}
    response = signed_post(client, "/sms", params)
    response.sid = sid
    return response


def drain(rt: Runtime) -> None:
    """Run every queued job with RQ's own non-forking worker, as `declgate worker` would."""
    SimpleWorker([rt.queue], connection=rt.redis).work(burst=True, logging_level="WARNING")


def reply_to(rt: Runtime, sid: str) -> list[str]:
    """Bodies of the replies sent for the inbound message with this SID."""
    with rt.sessions() as session:
        inbound = session.scalar(select(InboundMessage).where(InboundMessage.provider_sid == sid))
        assert inbound is not None, f"no inbound message stored for {sid}"
        return list(session.scalars(select(OutboundMessage.body).where(
            OutboundMessage.in_reply_to == inbound.id, OutboundMessage.purpose == "reply")))


def inbound(rt: Runtime, sid: str) -> InboundMessage:
    with rt.sessions() as session:
        return session.scalar(select(InboundMessage).where(InboundMessage.provider_sid == sid))
