"""Helpers for tests that talk to the gateway as Twilio and a phone would."""
from __future__ import annotations

from pathlib import Path

import uuid

from rq import SimpleWorker
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from gateway.runtime import Runtime
from store.models import InboundMessage, OutboundMessage
from tests.constants import GATEWAY_NUMBER, PUBLIC_BASE_URL, TENANT, TOKEN

# Twilio's TwiML schema, kept beside the project (never copied into it): every voice answer is checked against it.
TWIML_XSD = (Path(__file__).resolve().parents[1] / ".." / "shared" / "external" / "twiml-xsd"
             / "twiml_v20100401_twilioRealtimeCallSchema.xsd")


def signed_post(client, path: str, params: dict[str, str], *, token: str = TOKEN, base: str = PUBLIC_BASE_URL):
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


class PhoneCall:
    """A call placed through the real, signed voice webhooks, the way Twilio drives them.

    It follows the seq in each answer's action URLs, so a step can also be
    replayed (a Twilio retry) or sent to another app instance.
    """

    def __init__(self, client, caller: str = TENANT, *, call_sid: str | None = None,
                 schema=None) -> None:
        self.client, self.caller, self.schema = client, caller, schema
        self.sid = call_sid or "CA" + uuid.uuid4().hex
        self.twiml = ""
        self.answers: list[str] = []

    def _post(self, path: str, extra: dict[str, str], client=None) -> str:
        params = {"CallSid": self.sid, "AccountSid": "AC" + "1" * 32, "From": self.caller,
                  "To": GATEWAY_NUMBER, "CallStatus": "in-progress", **extra}
        response = signed_post(client or self.client, path, params)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.mimetype == "text/xml"
        self.twiml = response.get_data(as_text=True)
        if self.schema is not None:
            self.schema.validate(self.twiml)
        self.answers.append(self.twiml)
        return self.twiml

    def start(self, client=None) -> str:
        return self._post("/voice", {}, client)

    @property
    def step_path(self) -> str:
        import re

        found = re.findall(r"/voice/step\?seq=\d+", self.twiml)
        assert found, f"no step URL in {self.twiml}"
        return found[-1]

    def send(self, client=None, path: str | None = None, **fields: str) -> str:
        return self._post(path or self.step_path, fields, client)

    def press(self, digits: str, client=None) -> str:
        return self.send(client, Digits=digits)

    def speak(self, text: str, confidence: float = 0.9, client=None) -> str:
        return self.send(client, SpeechResult=text, Confidence=str(confidence))

    def record(self, url: str, client=None) -> str:
        return self.send(client, RecordingUrl=url, RecordingDuration="4", Digits="#")

    def silence(self, client=None) -> str:
        return self.send(client)

    @property
    def said(self) -> str:
        import xml.etree.ElementTree as ET

        return " ".join((el.text or "") for el in ET.fromstring(self.twiml).iter("Say"))
