"""Applying a confirmed voice-line call: a claim for the landlord to confirm, then the SMS it triggers.

Whoever calls knows no more than an ID number and the property code on the notice in the building, so
a resident's call changes no registration by itself (see store.claims). The landlord is asked to confirm
(`Y <receipt>`) or dispute (`N <receipt>`); the caller gets an SMS copy when calling from a mobile,
which never tells them more than they said: not the name on record, not a stranger's receipt, and for a
move-out not even whether the ID lives there. A landlord's own call (menu 4 and 5, from their enrolled
number, about their own property) is their declaration, applied like their SMS and answered like it.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway import runtime
from gateway.pipeline.outcome import Handled
from gateway.pipeline.policy import today_for
from gateway.pipeline.staff_commands import handle_voice_staff
from parsers import Outcome, OutcomeStatus
from parsers.dates import check_move_in_date
from parsers.phones import is_mobile
from parsers.notices import render_landlord_move_out_request, render_landlord_request
from store import agents, claims, languages
from store import declarations as decls
from store.models import Declaration, InboundMessage, Property
from store.states import Channel


def handle_voice(session: Session, inbound: InboundMessage):

    payload = inbound.payload or {}
    handled = Handled()
    handled.reply = is_mobile(inbound.from_number, runtime.current().settings.default_region)
    if payload.get("kind") in STAFF_KINDS:  # an employer contact's call about staff: its code is a site's
        if payload.get("language"):
            languages.remember(session, inbound.from_number, payload["language"])
        return handle_voice_staff(session, inbound, handled)
    prop = session.scalar(select(Property).where(Property.code == payload.get("property_code")))
    if prop is None:  # the flow checked the code; it can only vanish if an officer removed the property
        handled.codes.append("unknown_property")
        handled.outcomes.append(Outcome(status=OutcomeStatus.REJECTED, codes=("unknown_property",)))
        return handled
    handled.precinct_id = prop.precinct_id
    if payload.get("language"):  # the caller chose it at the welcome: their later SMS replies follow it
        languages.remember(session, inbound.from_number, payload["language"])
    if payload.get("kind") in DECLARANT_KINDS:
        _declared(session, inbound, prop, handled)
    elif payload.get("kind") == "move_out":
        _claim_move_out(session, inbound, prop, handled)
    else:
        _claim_move_in(session, inbound, prop, handled)
    return handled


DECLARANT_KINDS = frozenset({"tenant_move_in", "tenant_move_out"})
STAFF_KINDS = frozenset({"staff_start", "staff_end"})  # an employer contact's call (menu 4 and 5 for staff)


def _declared(session: Session, inbound: InboundMessage, prop: Property, handled: Handled) -> None:
    """A landlord's call about a tenant: the same register, dedupe and move-out rules as their SMS.

    The flow offered only the caller's own properties; checked again here, since an officer may have
    moved the property to someone else between the call and this job.
    """
    payload = inbound.payload or {}
    acting = agents.find_acting(session, inbound.from_number)
    if acting is None or prop.id not in {p.id for p in acting.properties}:
        handled.codes.append("not_your_property")
        handled.outcomes.append(Outcome(status=OutcomeStatus.REJECTED, codes=("not_your_property",)))
        return
    handled.landlord_id = prop.landlord_id
    on_behalf = acting.on_behalf(prop)  # an agent's call: the landlord gets the reply copied, as for an SMS
    rt, today = runtime.current(), today_for(inbound.received_at)
    date = dt.date.fromisoformat(payload["date"])
    number = payload.get("document_number")
    if payload["kind"] == "tenant_move_out":
        found, code = decls.tenants_to_move_out(session, [prop], document_type="ric" if number else None,
                                                document_number=number, id_suffix=payload.get("id_suffix"),
                                                room=None)
        if code:
            handled.codes.append(code)
            handled.outcomes.append(Outcome(status=OutcomeStatus.REJECTED, codes=(code,), document_number=number))
            return
        claims.end_by_landlord(session, found, date)
        for decl in found:
            handled.outcomes.append(Outcome(status=OutcomeStatus.MOVED_OUT, name=decl.person.name,
                                            document_number=decl.person.document_number, receipt=decl.receipt,
                                            room=decl.room))
            if on_behalf:
                handled.copy_to(prop.landlord_id, prop.landlord.phone, handled.outcomes[-1])
        return
    check = check_move_in_date(date, today, rt.settings.deadline_days, campaign_start=rt.campaign_start(today, session))
    recorded = bool(payload.get("name_recording_url") or payload.get("address_recording_url"))
    status, decl = decls.register(
        session, prop=prop, document_type=payload.get("document_type") or "none", document_number=number,
        name=payload.get("name"), phone=None, room=payload.get("room"), move_in=date, late=check.late,
        channel=Channel.VOICE, inbound_id=inbound.id, pending_review=recorded,
        name_recording_url=payload.get("name_recording_url"),
        address_recording_url=payload.get("address_recording_url"), receipt=payload.get("receipt"),
        declarant_phone=inbound.from_number if on_behalf else None)
    if status == OutcomeStatus.PENDING_REVIEW:
        handled.codes.append("no_document" if not number else "low_confidence")
    warnings = ("backlog",) if check.backlog else ("late",) if check.late else ()
    handled.outcomes.append(Outcome(status=status, name=decl.person.name, document_number=number,
                                    receipt=decl.receipt, room=decl.room, codes=warnings))
    if on_behalf:
        handled.copy_to(prop.landlord_id, prop.landlord.phone, handled.outcomes[-1])


def _claim_move_out(session: Session, inbound: InboundMessage, prop: Property, handled) -> None:
    payload = inbound.payload or {}
    number = payload.get("document_number")
    # The same words whether or not the ID lives there: the caller proved no right to know.
    handled.told = [Outcome(status=OutcomeStatus.MOVE_OUT_REQUESTED, document_number=number)]
    found, code = decls.tenants_to_move_out(session, [prop], document_type="ric", document_number=number,
                                            id_suffix=None, room=None)
    if code:
        handled.codes.append(code)
        handled.outcomes.append(Outcome(status=OutcomeStatus.REJECTED, codes=(code,), document_number=number))
        return
    claimed = claims.claim_move_out(found, inbound)
    handled.outcomes.append(Outcome(status=OutcomeStatus.MOVE_OUT_REQUESTED, document_number=number))
    if not claimed:
        return  # a claim already waits on this tenant: the landlord was asked once
    handled.codes.append(claims.AWAITING_LANDLORD)
    decl = claimed[0]  # one active declaration per person and property
    body = render_landlord_move_out_request(
        name=decl.person.name, document_number=number, room=decl.room, address=prop.address,
        date=dt.date.fromisoformat(payload["date"]), receipt=decl.receipt,
        language=_prompt_language(session, prop.landlord.phone))
    handled.extra_sms.append(("landlord_confirm", prop.landlord.phone, body))


def _claim_move_in(session: Session, inbound: InboundMessage, prop: Property, handled) -> None:

    payload = inbound.payload or {}
    number, name = payload.get("document_number"), payload.get("name")
    date = dt.date.fromisoformat(payload["date"])
    needs_review = bool(payload.get("name_recording_url") or payload.get("address_recording_url"))
    rt, today = runtime.current(), today_for(inbound.received_at)
    late = check_move_in_date(date, today, rt.settings.deadline_days,
                              campaign_start=rt.campaign_start(today, session)).late
    status, claim = claims.claim_move_in(
        session, prop=prop, document_type=payload.get("document_type") or "none", document_number=number,
        name=name, room=payload.get("room"), move_in=date, late=late, inbound_id=inbound.id,
        needs_review=needs_review, name_recording_url=payload.get("name_recording_url"),
        address_recording_url=payload.get("address_recording_url"), receipt=payload.get("receipt"))
    if status == OutcomeStatus.PENDING_REVIEW:
        handled.codes.append("no_document" if payload.get("document_type") == "none" else "low_confidence")
    # The caller's own words and their claim's receipt: never the name or receipt of a registration on record.
    told = OutcomeStatus.PENDING_REVIEW if status == OutcomeStatus.PENDING_REVIEW else OutcomeStatus.CLAIMED
    handled.outcomes.append(Outcome(status=told,
                                    name=name, document_number=number, receipt=claim.receipt, room=claim.room))
    if status == OutcomeStatus.ALREADY_CLAIMED:
        return  # the same caller again: the landlord was asked already
    handled.codes.append(claims.AWAITING_LANDLORD)
    body = render_landlord_request(name=name, document_number=number, room=claim.room, address=prop.address,
                                   receipt=claim.receipt, language=_prompt_language(session, prop.landlord.phone))
    handled.extra_sms.append(("landlord_confirm", prop.landlord.phone, body))


def _prompt_language(session: Session, phone: str) -> str:
    """The landlord's language for a confirm request (Chinese for one never heard from), kept as the
    conversation's: their bare `Y <receipt>` is answered in the language they were asked in."""
    language = languages.remembered(session, phone) or "zh"
    languages.remember(session, phone, language)
    return language


def claimant_phone(decl: Declaration) -> str | None:
    """The mobile a self-declaring caller called from, to keep for the person once the claim is accepted."""
    call = decl.inbound
    if decl.channel != Channel.VOICE or call is None or call.channel != Channel.VOICE:
        return None
    return call.from_number if is_mobile(call.from_number, runtime.current().settings.default_region) else None
