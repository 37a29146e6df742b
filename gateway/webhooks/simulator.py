"""`/dev/phone`: a phone simulator for newcomers, only with `declgate serve --demo`.

Everything goes through the real webhooks with real signatures: the simulator
signs each request with the (demo) auth token exactly as Twilio would, so what
a newcomer sees here is what a landlord or caller would get.
"""
from __future__ import annotations

import time
import uuid
import xml.etree.ElementTree as ET

from flask import Blueprint, Flask, abort, current_app, jsonify, render_template, request
from sqlalchemy import select

from gateway.settings import DEMO_NUMBER
from parsers import mask_ids
from gateway.webhooks.signature import sign
from store.models import InboundMessage, Landlord, OutboundMessage
from store.states import Channel, InboundStatus, OutboundStatus

bp = Blueprint("simulator", __name__, url_prefix="/dev/phone")

REPLY_WAIT_SECONDS = 8.0


def _webhook(path: str, params: dict[str, str]):
    """POST to our own webhook through the whole WSGI stack, signed as Twilio signs."""
    rt = current_app.extensions["declgate"]
    base = (rt.settings.public_base_url or "http://localhost").rstrip("/")
    signature = sign(rt.settings.twilio_auth_token, base + path, params)
    with current_app.test_client() as client:
        return client.post(path, data=params, headers={"X-Twilio-Signature": signature},
                           base_url=base)


@bp.get("")
def phone():
    """Show the simulated phone: SMS on one side, a voice call on the other."""
    rt = current_app.extensions["declgate"]
    with rt.sessions() as session:
        landlords = [(l.phone, l.name) for l in session.scalars(select(Landlord).order_by(Landlord.id).limit(20))]
    return render_template("simulator/phone.html", landlords=landlords, gateway_number=DEMO_NUMBER)


@bp.post("/sms")
def send_sms():
    """Send one SMS as `from` and wait for the gateway's reply (the worker runs in this process)."""
    data = request.get_json(silent=True) or {}
    sender, body = str(data.get("from", "")).strip(), str(data.get("body", ""))
    if not sender:
        return jsonify(error="choose a sender number"), 400
    sid = "SM" + uuid.uuid4().hex
    response = _webhook("/sms", {"MessageSid": sid, "SmsSid": sid, "AccountSid": "AC" + "0" * 32,
                                 "From": sender, "To": DEMO_NUMBER, "Body": body, "NumMedia": "0"})
    if response.status_code != 200:
        return jsonify(sid=sid, status=response.status_code, reply=None,
                       error=response.get_data(as_text=True).strip()), 200
    return jsonify(sid=sid, status=200, reply=_wait_for_reply(sid))


def _wait_for_reply(sid: str) -> str | None:
    rt = current_app.extensions["declgate"]
    deadline = time.monotonic() + REPLY_WAIT_SECONDS
    while time.monotonic() < deadline:
        with rt.sessions() as session:
            inbound = session.scalar(select(InboundMessage).where(InboundMessage.provider_sid == sid))
            if inbound is not None and inbound.status != InboundStatus.RECEIVED:
                return session.scalar(select(OutboundMessage.body).where(
                    OutboundMessage.in_reply_to == inbound.id, OutboundMessage.purpose == "reply"))
        time.sleep(0.1)
    return None


THREAD_LENGTH = 50


@bp.get("/thread")
def thread():
    """Everything between the gateway and one simulated number, oldest first: what it texted and every SMS
    sent to it (replies, a landlord's confirm request, a caller's receipt), so a reload loses nothing."""
    number = request.args.get("number", "").strip()
    if not number:
        return jsonify(messages=[])
    rt = current_app.extensions["declgate"]
    with rt.sessions() as session:
        sent = session.scalars(select(InboundMessage).where(InboundMessage.from_number == number,
                                                            InboundMessage.channel == Channel.SMS)
                               .order_by(InboundMessage.id.desc()).limit(THREAD_LENGTH))
        received = session.scalars(select(OutboundMessage).where(OutboundMessage.to_number == number)
                                   .order_by(OutboundMessage.id.desc()).limit(THREAD_LENGTH))
        # Masked like every other screen: a thread is read over a shoulder too.
        messages = [{"at": m.received_at.isoformat(), "out": True, "body": mask_ids(m.body or "")} for m in sent]
        received = list(received)
        messages += [{"at": m.created_at.isoformat(), "out": False, "body": m.body, "purpose": m.purpose}
                     for m in received]
        arrived = [m.provider_sid for m in received if m.provider_sid and m.status in HANDED_OVER]
    for sid in arrived:
        _delivered(sid)
    messages.sort(key=lambda m: m["at"])
    return jsonify(messages=messages[-THREAD_LENGTH:])


# What the demo's carrier has taken and not yet reported (gateway.outbound.SimulatedCarrier).
HANDED_OVER = (OutboundStatus.QUEUED, OutboundStatus.SENT)


def _delivered(sid: str) -> None:
    """The handset shows the message: post the receipts Twilio would, signed, to the real receipt webhook."""
    for status in ("sent", "delivered"):
        _webhook("/sms/status", {"MessageSid": sid, "SmsSid": sid, "AccountSid": "AC" + "0" * 32,
                                 "MessageStatus": status, "To": request.args.get("number", ""),
                                 "From": DEMO_NUMBER})


@bp.post("/voice")
def voice_step():
    """Place or continue a call: post to /voice or the step URL the last TwiML named, return what is said."""
    data = request.get_json(silent=True) or {}
    call_sid = str(data.get("call_sid") or "CA" + uuid.uuid4().hex)
    path = str(data.get("path") or "/voice")
    if not (path == "/voice" or path.startswith("/voice/step?")):
        abort(400)
    params = {"CallSid": call_sid, "AccountSid": "AC" + "0" * 32, "From": str(data.get("from", "")),
              "To": DEMO_NUMBER, "CallStatus": "in-progress"}
    for key, field in (("digits", "Digits"), ("speech", "SpeechResult"), ("recording_url", "RecordingUrl")):
        if data.get(key):
            params[field] = str(data[key])
    if data.get("speech"):
        params["Confidence"] = str(data.get("confidence", "0.9"))
    response = _webhook(path, params)
    if response.status_code != 200:
        return jsonify(error=response.get_data(as_text=True).strip(), status=response.status_code), 200
    return jsonify(call_sid=call_sid, **describe(response.get_data(as_text=True)))


def describe(twiml: str) -> dict[str, object]:
    """What a caller would hear and what the call waits for next, read from the TwiML."""
    root = ET.fromstring(twiml)
    said = [el.text or "" for el in root.iter("Say")]
    waits, next_path = "hangup", None
    for el in root:
        if el.tag == "Gather":
            waits = "speech" if "speech" in (el.get("input") or "") else "keys"
            next_path = el.get("action")
            break
        if el.tag == "Record":
            waits, next_path = "record", el.get("action")
            break
        if el.tag == "Redirect":
            waits, next_path = "redirect", el.text
    silence_path = next((el.text for el in root if el.tag == "Redirect"), None)
    if root.find("Hangup") is not None and waits == "hangup":
        next_path = None
    return {"said": said, "waits": waits, "next_path": next_path, "silence_path": silence_path, "twiml": twiml}


def init_app(app: Flask) -> None:
    """Mount the simulator only in demo mode: it signs requests with the demo token."""
    if current_demo(app):
        app.register_blueprint(bp)


def current_demo(app: Flask) -> bool:
    return bool(app.extensions["declgate"].settings.demo)
