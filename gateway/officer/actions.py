"""What officers do to queue items, with the runtime at hand: new messages, queued jobs, replies.

Rules about state live in store.review; this module adds the parts that need
the queue or the SMS sender, and writes an audit entry for every action.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from gateway.pipeline import delivery, intake, policy, queue
from gateway.i18n.replies import reply_text
from gateway.runtime import Runtime
from gateway.pipeline.voice_commands import claimant_phone
from parsers import OutcomeStatus
from parsers.masking import restore_ids
from parsers.notices import render_followup
from store import agents, audit, claims, languages, review, staff
from store.enrolment import Enrolment, enrol
from store.models import InboundMessage, Property
from store.scope import NeedsSupervisor, Scope
from store.states import Channel, ReviewState

EDIT_SID_TRIES = 5


def _copy(rt: Runtime, officer_id: int, scope: Scope, inbound_id: int, body: str, action: str, **detail) -> int:
    """Store `body` as a new message from the same sender, close the original, queue the copy.

    The original row is never changed except for its review state: what the landlord
    really sent stays on record next to what the officer made of it. The copy starts in the
    original's primary precinct (an unclaimed original's copy in none), so it never shows in
    another precinct's view while it waits; the worker then gives it the precincts of what it says.
    """
    for _ in range(EDIT_SID_TRIES):
        with rt.sessions() as session:
            original = review.open_item(session, scope, inbound_id)
            if original.channel != Channel.SMS:
                raise review.ReviewError("not_sms")  # a call has no text to run through the SMS grammar
            sid = review.next_edit_sid(session, original)
            from_number, to_number, precinct_id = original.from_number, original.to_number, original.precinct_id
            channel = Channel(original.channel)
        # The copy keeps the channel the landlord used (the statistics count how people declare, not who
        # corrected a typo) and says which officer made it: its declarations record them (store.declarations).
        new_id, new = intake.store_sms(rt, sid=sid, from_number=from_number, to_number=to_number, body=body,
                                       channel=channel, edited_from_id=inbound_id, edited_by_id=officer_id,
                                       precinct_id=precinct_id)
        if new:
            break
    else:
        raise review.ReviewError("not_open")
    with rt.sessions.begin() as session:
        original = session.get(InboundMessage, inbound_id)
        review.close(session, original, ReviewState.RESOLVED, officer_id, action, copy=new_id, **detail)
    queue.enqueue(rt, new_id)
    return new_id


def edit_and_reprocess(rt: Runtime, officer_id: int, scope: Scope, inbound_id: int, body: str) -> int:
    """Process an officer's corrected text as a fresh message; returns the new item's id."""
    if not body.strip():
        raise review.ReviewError("empty")
    with rt.sessions() as session:
        item = review.open_item(session, scope, inbound_id)
        acting = agents.find_acting(session, item.from_number)
        reach = [p.precinct_id for p in (acting.properties if acting is not None else [])]
        reach += [fe.employer.precinct_id for fe in agents.for_employers(session, item.from_number)]
        if not all(scope.covers(p) for p in reach):
            raise NeedsSupervisor()  # the copy acts with all of the sender's rights, in every precinct
        original = item.body or ""
    # The form showed the text masked: the landlord's own numbers go back where the masks still stand.
    return _copy(rt, officer_id, scope, inbound_id, restore_ids(body, original), "edit")


def link_and_reprocess(rt: Runtime, officer_id: int, scope: Scope, inbound_id: int, *, name: str,
                       property_code: str, address: str, precinct: str, alias: str | None,
                       single_unit: bool) -> int:
    """Enrol the sender as a landlord with one property, then process the message again.

    EnrolmentError says what to fix; nothing is written then. Enrolling claims the
    message (and any other the number sent) for the property's precinct (store.item_precincts).
    """
    with rt.sessions.begin() as session:
        original = review.open_item(session, scope, inbound_id)
        prop = enrol(session, Enrolment(phone=original.from_number, name=name, property_code=property_code,
                                        address=address, precinct=precinct, alias=alias or None,
                                        single_unit=single_unit), rt.settings.default_region, scope)
        audit.record(session, officer_id, "enrol", review.target_of(inbound_id), property=prop.code,
                     landlord=prop.landlord.phone)
        body = original.body
    return _copy(rt, officer_id, scope, inbound_id, body, "link", property=property_code)


def reject(rt: Runtime, officer_id: int, scope: Scope, inbound_id: int, reason: str,
           template: str | None = None) -> None:
    """Reject an item, optionally with a templated reply queued and delivered at once."""
    with rt.sessions.begin() as session:
        inbound = review.open_item(session, scope, inbound_id)
        review.reject(session, scope, inbound, officer_id, reason)
        if template:
            language = policy.shown_parse(inbound).get("language") or "zh"
            delivery.queue_sms(session, inbound.from_number, reply_text(template, language), in_reply_to=inbound.id,
                           purpose="officer_reply")
            audit.record(session, officer_id, "reply", review.target_of(inbound_id), template=template)
    if template:
        delivery.deliver(inbound_id)


def mark_spam(rt: Runtime, officer_id: int, scope: Scope, inbound_id: int) -> None:
    with rt.sessions.begin() as session:
        review.close(session, review.open_item(session, scope, inbound_id), ReviewState.SPAM, officer_id, "spam")


@dataclass(frozen=True)
class Accepted:
    outcome: OutcomeStatus
    receipt: str  # of the active declaration
    missing: tuple[str, ...]  # what a no-document person still lacks (store.followup); the declarant was told


def accept(rt: Runtime, officer_id: int, scope: Scope, decl_id: int, name: str,
           hukou: str | None = None) -> Accepted:
    """Accept a pending declaration. A no-document person accepted with something missing is on the 补采 list,
    and whoever declared them (the agent, the caller, else the landlord) gets one SMS saying what to send."""
    with rt.sessions.begin() as session:
        decl = scope.get_declaration(session, decl_id)
        if decl is None:
            raise LookupError(f"declaration {decl_id} not found")
        caller = claimant_phone(decl)
        outcome, active, missing = review.accept(session, decl, name, officer_id, phone=caller, hukou=hukou)
        msg_id = None
        if missing:
            to = decl.declarant_phone or caller or decl.property.landlord.phone
            body = render_followup(name=decl.person.name or "", receipt=active.receipt, missing=missing,
                                   language=languages.remembered(session, to) or "zh")
            msg_id = delivery.queue_sms(session, to, body, in_reply_to=None, purpose="followup").id
        done = Accepted(outcome, active.receipt, missing)
    if msg_id is not None:
        delivery.send_notice(rt, msg_id)
    return done


def accept_staff(rt: Runtime, officer_id: int, scope: Scope, staff_id: int, name: str,
                 hukou: str | None = None) -> Accepted:
    """Accept an employer's no-document staff member as `accept` does a tenant: on the 补采 list with what is
    missing, and the employer's contact who declared them gets one SMS saying what to send."""
    with rt.sessions.begin() as session:
        decl = staff.get(session, scope, staff_id)
        if decl is None:
            raise LookupError(f"staff declaration {staff_id} not found")
        outcome, active, missing = staff.accept(session, decl, name, officer_id, hukou=hukou)
        msg_id = None
        if missing:
            to = decl.declarant_phone
            body = render_followup(name=decl.person.name or "", receipt=active.receipt, missing=missing,
                                   language=languages.remembered(session, to) or "zh")
            msg_id = delivery.queue_sms(session, to, body, in_reply_to=None, purpose="followup").id
        done = Accepted(outcome, active.receipt, missing)
    if msg_id is not None:
        delivery.send_notice(rt, msg_id)
    return done


def apply_move_out(rt: Runtime, officer_id: int, scope: Scope, decl_id: int) -> tuple[dt.date, str]:
    """Apply a caller's move-out claim on a registration; returns (move-out date, its receipt)."""
    with rt.sessions.begin() as session:
        decl = scope.get_declaration(session, decl_id)
        if decl is None:
            raise LookupError(f"declaration {decl_id} not found")
        return claims.apply_move_out(session, decl, officer_id), decl.receipt


def reprocess_reason(rt: Runtime, officer_id: int | None, scope: Scope, reason: str,
                     phone: str | None = None) -> int:
    """Reprocess every open item with this reason (e.g. after enrolling a landlord), only those `phone` sent
    when given; returns how many."""
    with rt.sessions() as session:
        ids = review.open_ids_with_reason(session, scope, reason, phone)
    done = 0
    for inbound_id in ids:
        with rt.sessions() as session:
            body = review.item(session, scope, inbound_id).body
        try:
            _copy(rt, officer_id, scope, inbound_id, body, "reprocess", bulk=True)
        except review.ReviewError:
            continue  # closed meanwhile by someone else, or a call (no text to run again)
        done += 1
    return done


def reject_many(rt: Runtime, officer_id: int, scope: Scope, ids: list[int], reason: str) -> int:
    done = 0
    for inbound_id in ids:
        try:
            reject(rt, officer_id, scope, inbound_id, reason)
        except (LookupError, review.ReviewError, NeedsSupervisor):
            continue
        done += 1
    return done


def property_choices(rt: Runtime, scope: Scope) -> list[Property]:
    with rt.sessions() as session:
        return list(session.scalars(scope.properties(select(Property)).order_by(Property.code)))
