"""Applying a confirmed voice-line call: the same dedupe as SMS, then the SMS it triggers.

The caller gets an SMS copy of the receipt when calling from a mobile; the
landlord is asked to confirm (`Y <receipt>`) or dispute (`N <receipt>`).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway import runtime
from gateway.voice_port import is_mobile
from parsers import Outcome
from parsers.dates import check_move_in_date
from parsers.notices import render_landlord_request
from store import declarations as decls
from store.models import InboundMessage, Property


def handle_voice(session: Session, inbound: InboundMessage):
    from gateway.jobs import Handled, today_for

    payload = inbound.payload or {}
    handled = Handled()
    handled.reply = is_mobile(inbound.from_number, runtime.current().settings.default_region)
    prop = session.scalar(select(Property).where(Property.code == payload.get("property_code")))
    if prop is None:  # the flow checked the code; it can only vanish if an officer removed the property
        handled.codes.append("unknown_property")
        handled.outcomes.append(Outcome(status="rejected", codes=("unknown_property",)))
        return handled
    handled.precinct_id = prop.precinct_id
    date = dt.date.fromisoformat(payload["date"])
    number = payload.get("document_number")
    if payload.get("kind") == "move_out":
        found, code = decls.tenants_to_move_out(session, [prop], document_type="ric", document_number=number,
                                                id_suffix=None, room=None)
        if code:
            handled.codes.append(code)
            handled.outcomes.append(Outcome(status="rejected", codes=(code,), document_number=number))
            return handled
        decls.end(found, date)
        for decl in found:
            handled.outcomes.append(Outcome(status="moved_out", name=decl.person.name, document_number=number,
                                            receipt=decl.receipt, room=decl.room))
        return handled

    needs_review = bool(payload.get("name_recording_url") or payload.get("address_recording_url"))
    _problem, late = check_move_in_date(date, today_for(inbound.received_at), runtime.current().settings.deadline_days)
    status, decl = decls.register(
        session, prop=prop, document_type=payload.get("document_type") or "none", document_number=number,
        name=payload.get("name"), phone=inbound.from_number if handled.reply else None,
        room=payload.get("room"), move_in=date, late=late, channel="voice",
        inbound_id=inbound.id, pending_review=needs_review,
        name_recording_url=payload.get("name_recording_url"),
        address_recording_url=payload.get("address_recording_url"), receipt=payload.get("receipt"))
    if status == "pending_review":
        handled.codes.append("no_document" if payload.get("document_type") == "none" else "low_confidence")
    handled.outcomes.append(Outcome(status=status, name=decl.person.name, document_number=number,
                                    receipt=decl.receipt, room=decl.room))
    if status != "already_registered":
        body = render_landlord_request(name=decl.person.name, document_number=number, room=decl.room,
                                       address=prop.address, receipt=decl.receipt, language="zh")
        handled.extra_sms.append(("landlord_confirm", prop.landlord.phone, body))
    return handled
