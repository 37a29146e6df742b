"""The Twilio Voice webhooks: signature check, call state from Redis, one flow step, TwiML out."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Blueprint, Response, abort, current_app, request

from gateway.pipeline.outage import call_again_on_outage
from gateway.webhooks.callstate import CallBusy, CallStore
from gateway.runtime import Runtime
from gateway.webhooks.signature import signed
from gateway.webhooks.voice_port import DatabasePort
from ivr_flows import CallInput, advance, start_call
from ivr_flows.call import NOT_XML
from ivr_flows.render import farewell

bp = Blueprint("voice", __name__)

# A confirmed call is stored as `<CallSid>:<kind>` in inbound_messages.provider_sid (64 characters), the
# longest kind being `no_document`; Twilio's own CallSids are 34 characters.
MAX_CALL_SID = 64 - len(":no_document")
MAX_NUMBER = 32  # inbound_messages.from_number / to_number


def _xml(twiml: str) -> Response:
    return Response(twiml, status=200, mimetype="text/xml")


def _today() -> dt.date:
    rt = current_app.extensions["declgate"]
    return dt.datetime.now(rt.tz).date()


def goodbye_twiml() -> str:
    """Both languages' goodbye and a hang-up: for a step whose call state is gone."""
    return farewell("goodbye")


def usable_call_sid(sid: str) -> bool:
    """Whether a CallSid can key the call state and the stored message: printable ASCII, not too long."""
    return 0 < len(sid) <= MAX_CALL_SID and sid.isascii() and sid.isprintable()


def _call_sid() -> str:
    sid = request.form.get("CallSid", "")
    if not usable_call_sid(sid):
        abort(400, "CallSid is required")
    return sid


def _number(field: str) -> str:
    """From or To as it can be stored and read out: no NUL or control characters, at most 32 characters."""
    return NOT_XML.sub("", request.form.get(field, "")).strip()[:MAX_NUMBER]


@bp.errorhandler(CallBusy)
def call_busy(_exc: CallBusy) -> Response:
    """Another request of this call held its lock too long: a 5xx makes Twilio retry or use its fallback."""
    return Response("call busy, retry\n", status=503, mimetype="text/plain")


@contextmanager
def _call() -> Iterator[tuple[Runtime, CallStore, str, dict | None]]:
    """This request's call under its lock: (runtime, call store, CallSid, stored state or None)."""
    sid = _call_sid()
    rt = current_app.extensions["declgate"]
    calls = CallStore(rt.redis, rt.key("call", ""), rt.keyring)
    with calls.locked(sid):
        yield rt, calls, sid, calls.get(sid)


@bp.post("/voice")
@signed
@call_again_on_outage
def incoming_call() -> Response:
    """Answer a new call with the welcome menu (a retried first request gets the same answer)."""
    with _call() as (_rt, calls, sid, state):
        if state is None:
            state = start_call(sid, _number("From"), today=_today()).state
            calls.put(sid, state)
        return _xml(state["twiml"])


@bp.post("/voice/step")
@signed
@call_again_on_outage
def call_step() -> Response:
    """Apply the caller's keys, speech or recording to the call and answer with the next prompt."""
    with _call() as (rt, calls, sid, state):
        if state is None:
            # Expired or never started here: end politely rather than guess where the caller was.
            return _xml(goodbye_twiml())
        port = DatabasePort(rt, to_number=_number("To"), language=state.get("language", "zh"))
        turn = advance(state, CallInput.from_form(request.form, request.args.get("seq")), port, today=_today())
        if turn.state != state:
            calls.put(sid, turn.state)
        return _xml(turn.twiml)
