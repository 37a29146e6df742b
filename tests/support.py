"""Helpers for tests that talk to the gateway as Twilio, a phone or an officer's browser would, and read back
what it stored."""
from __future__ import annotations

import re
import uuid

from rq import SimpleWorker
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from gateway.pipeline import intake, queue
from gateway.runtime import Runtime
from store import declarations as decls
from store.models import AuditEntry, InboundMessage, OutboundMessage, Property
from tests.constants import GATEWAY_NUMBER, ID_A, PASSWORD, PUBLIC_BASE_URL, REPO, STRANGER, TENANT, TOKEN

# Twilio's TwiML schema, kept beside the project (never copied into it): every voice answer is checked against it.
TWIML_XSD = (REPO / ".." / "shared" / "external" / "twiml-xsd"
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


def move_in_until_summary(call: PhoneCall, number: str = ID_A, client=None) -> None:
    """Walk a Mandarin move-in call at property 100001, room 301, name 张三, up to the summary it reads back."""
    call.start(client)
    call.press("1", client)  # Mandarin
    call.press("1", client)  # declare a move-in
    call.press(number.replace("X", "*") + "#", client)
    call.press("1", client)  # the read-back is right
    call.press("100001#", client)
    assert "东街12号" in call.said
    call.press("1", client)  # the address is right
    call.press("301#", client)
    call.press("1", client)  # moving in today
    call.speak("张三", 0.92, client)
    assert "张三" in call.said
    call.press("1", client)  # the name is right


# Officers: the login form, and items put in their queue.

def login(client, username: str, password: str = PASSWORD):
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token(client)})


def officer_clients(settings, rt):
    """A factory of test clients, each logged in as the officer named (CSRF checks off: for tests about scope)."""
    from gateway.app import create_app

    app = create_app(settings, rt=rt, test_config={"TESTING": True, "WTF_CSRF_ENABLED": False})

    def client_for(username: str):
        client = app.test_client()
        response = client.post("/login", data={"username": username, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client
    return client_for


def token(client) -> str:
    """The CSRF token of the client's session, read from the login form as a browser would."""
    html = client.get("/login").get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    return found.group(1) if found else ""


def texted(client, rt, body: str, sender: str) -> int:
    """Send an SMS through the signed webhook, run the worker, and return the stored item's id."""
    response = sms(client, body, sender)
    assert response.status_code == 200
    drain(rt)
    with rt.sessions() as session:
        return session.scalar(select(InboundMessage.id).where(InboundMessage.provider_sid == response.sid))


def stored(rt, body: str, sender: str, sid: str) -> int:
    """Store and process an SMS without the webhook (for many items at once)."""
    inbound_id, _ = intake.store_sms(rt, sid=sid, from_number=sender, to_number=GATEWAY_NUMBER, body=body)
    queue.enqueue(rt, inbound_id)
    return inbound_id


def pending_declaration(rt) -> tuple[int, int]:
    """An open no_document item with one pending declaration at 100001 room 301 (as the voice line stores it)."""
    inbound_id, _ = intake.store_sms(rt, sid="CAPENDING", from_number=STRANGER, to_number=GATEWAY_NUMBER, body="",
                                     channel="voice")
    with rt.sessions.begin() as session:
        inbound = session.get(InboundMessage, inbound_id)
        prop = session.scalar(select(Property).where(Property.code == "100001"))
        inbound.status, inbound.review_state, inbound.review_reason = "processed", "open", "no_document"
        inbound.precinct_id = prop.precinct_id
        _, decl = decls.register(session, prop=prop, document_type="none", document_number=None, name=None,
                                 phone=STRANGER, room="301", move_in=inbound.received_at.date(), late=False,
                                 channel="voice", inbound_id=inbound_id, pending_review=True,
                                 name_recording_url="https://api.twilio.com/rec/name.mp3",
                                 address_recording_url="https://api.twilio.com/rec/address.mp3")
        return inbound_id, decl.id


def audit_actions(rt, action: str | None = None) -> list[AuditEntry]:
    with rt.sessions() as session:
        query = select(AuditEntry).order_by(AuditEntry.id)
        if action:
            query = query.where(AuditEntry.action == action)
        entries = list(session.scalars(query))
        for entry in entries:
            entry.officer  # loaded while the session is open
        return entries


def row(rt, model, ident):
    with rt.sessions() as session:
        return session.get(model, ident)
