"""A resident's self-declaration is a claim: it changes no registration until the landlord or an officer agrees.

Anyone can call the voice line with an ID number and the property code printed on the notice in the
building, so what a caller declares is a request to the property's landlord, never a change by itself.
The exported statuses stay the six of states.DeclarationStatus; a claim is told apart like this:

- A **move-in claim** is a Declaration in `pending_review` with `landlord_response` None (awaiting the
  landlord). It supersedes nothing and writes no stored name or phone (a person it creates gets the
  caller's name, never a phone). The landlord's `Y <receipt>` or an officer's accept activates it
  (`declarations.activate`: only then is the person ended elsewhere; blanks are filled from the claim);
  `N <receipt>` makes it `disputed` for the officers. A claim whose name or address is a recording
  stays with the officers after the landlord's `Y`: somebody must still transcribe it.
- A **move-out claim** leaves the tenant's declaration `active` and points at the call that made it
  (`move_out_claim_id`). The call's InboundMessage is the claim: its payload has the date, and it stays
  open in the officers' queue (reason `awaiting_landlord`) while it waits. The landlord's `Y <receipt>`
  (the tenant's receipt, which the landlord is sent) ends the declaration on that date; `N` turns the
  item's reason to `disputed`; officers may apply it or reject the item (the declaration then stands).

A claim's call is itself an open review item with the reason `awaiting_landlord` (or the reason an
officer must act for, such as `no_document`), closed when the landlord confirms.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from parsers.outcome import OutcomeStatus
from store import declarations as decls
from store import lookups
from store.models import Declaration, InboundMessage, Person, Property
from store.review import ReviewError, close, resolve_when_done
from store.states import Channel, DeclarationStatus, LandlordResponse, ReviewState

AWAITING_LANDLORD = "awaiting_landlord"  # the review reason (and inbound code) of a claim's call


def claim_move_in(session: Session, *, prop: Property, document_type: str, document_number: str | None,
                  name: str | None, room: str | None, move_in: dt.date, late: bool, inbound_id: int,
                  needs_review: bool = False, name_recording_url: str | None = None,
                  address_recording_url: str | None = None,
                  receipt: str | None = None) -> tuple[OutcomeStatus, Declaration]:
    """Store a caller's move-in as a claim. Returns (claimed | pending_review | already_claimed, claim).

    `receipt` is the one the caller already heard; if it is their own open claim's (they called again,
    see `own_open_claim`), that claim is returned and nothing new is stored.
    """
    person = None
    if document_type != "none" and document_number:
        person, _active = decls.person_and_active(session, document_type, document_number)
    if receipt is not None:
        earlier = session.scalar(select(Declaration).where(Declaration.receipt == receipt))
        if earlier is not None:
            if person is not None and earlier.person_id == person.id and earlier.property_id == prop.id:
                return OutcomeStatus.ALREADY_CLAIMED, earlier
            receipt = None  # someone else's (a race for a fresh receipt): never hand it to this caller
    if person is None:
        person = Person(document_type=document_type, document_number=document_number, name=name, phone=None)
        session.add(person)
        batch = lookups.current(session)
        if batch is not None and document_type != "none" and document_number:
            batch.people[(document_type, document_number)] = (person, [])
    claim = Declaration(person=person, property=prop, room=room, move_in=move_in,
                        status=DeclarationStatus.PENDING_REVIEW, receipt=receipt or decls.new_receipt(session),
                        channel=Channel.VOICE, late=late,
                        inbound_id=inbound_id, name_recording_url=name_recording_url,
                        address_recording_url=address_recording_url)
    session.add(claim)
    session.flush()
    return (OutcomeStatus.PENDING_REVIEW if needs_review else OutcomeStatus.CLAIMED), claim


def own_open_claim(session: Session, person: Person, prop: Property, caller: str) -> Declaration | None:
    """This caller's move-in claim for this person and property that still waits, if any."""
    return session.scalar(
        select(Declaration).join(InboundMessage, Declaration.inbound_id == InboundMessage.id)
        .where(Declaration.person_id == person.id, Declaration.property_id == prop.id,
               Declaration.channel == Channel.VOICE, Declaration.status == DeclarationStatus.PENDING_REVIEW,
               Declaration.landlord_response.is_(None), InboundMessage.from_number == caller)
        .order_by(Declaration.id.desc()).limit(1))


def claim_move_out(found: Sequence[Declaration], call: InboundMessage) -> list[Declaration]:
    """Attach a caller's move-out to these active declarations; returns those newly claimed.

    A declaration that already has a claim waiting keeps it: the landlord is asked once, not per call.
    """
    claimed = []
    for decl in found:
        if pending_move_out(decl) is None:
            decl.move_out_claim = call
            claimed.append(decl)
    return claimed


def pending_move_out(decl: Declaration) -> InboundMessage | None:
    """The call whose move-out claim on this declaration still waits for a decision, if any."""
    claim = decl.move_out_claim
    if decl.status == DeclarationStatus.ACTIVE and claim is not None and claim.review_state == ReviewState.OPEN:
        return claim
    return None


def claimed_date(claim: InboundMessage) -> dt.date:
    return dt.date.fromisoformat((claim.payload or {})["date"])


def is_move_in_claim(decl: Declaration) -> bool:
    """A caller's self-declaration that the landlord has not yet confirmed (disputed ones included)."""
    return (decl.channel == Channel.VOICE
            and decl.status in (DeclarationStatus.PENDING_REVIEW, DeclarationStatus.DISPUTED)
            and decl.landlord_response != LandlordResponse.CONFIRMED)


def stated_name(decl: Declaration) -> str | None:
    """The name to show the landlord for this declaration: a caller's claim shows what the caller said.

    A claim may be about a person already on record; their stored name is not the claimant's to reveal,
    not even to the landlord the claim names (who may answer N: "not my tenant").
    """
    call = decl.inbound
    if decl.channel == Channel.VOICE and call is not None and call.channel == Channel.VOICE:
        return (call.payload or {}).get("name")
    return decl.person.name


def _needs_transcription(decl: Declaration) -> bool:
    return bool(decl.name_recording_url or decl.address_recording_url)


def confirm(session: Session, decl: Declaration, *, phone: str | None = None) -> OutcomeStatus:
    """The landlord's `Y <receipt>`. Returns the outcome: moved_out or confirmed.

    A move-out claim waiting on the declaration is applied; a move-in claim becomes active (unless an
    officer must still transcribe it), with the claim's `phone` kept only where none is on record.
    """
    claim = pending_move_out(decl)
    if claim is not None:
        decls.end([decl], claimed_date(claim))
        close(session, claim, ReviewState.RESOLVED, None, "landlord_confirm", declaration=decl.id)
        return OutcomeStatus.MOVED_OUT
    if is_move_in_claim(decl):
        decl.landlord_response = LandlordResponse.CONFIRMED
        if _needs_transcription(decl):
            decl.status = DeclarationStatus.PENDING_REVIEW
            return OutcomeStatus.CONFIRMED
        if phone and not decl.person.phone:
            decl.person.phone = phone
        decls.activate(session, decl)
        resolve_when_done(session, decl, None, "landlord_confirm")
        return OutcomeStatus.CONFIRMED
    decl.landlord_response = LandlordResponse.CONFIRMED
    return OutcomeStatus.CONFIRMED


def dispute(decl: Declaration) -> OutcomeStatus:
    """The landlord's `N <receipt>`: the claim goes to the officers with the reason `disputed`."""
    claim = pending_move_out(decl)
    if claim is not None:
        claim.review_reason = "disputed"
        return OutcomeStatus.DISPUTED
    decls.landlord_answer(decl, LandlordResponse.DISPUTED)
    if decl.status == DeclarationStatus.DISPUTED and decl.inbound is not None:
        # The tenant's declaration goes back to the officers, with the landlord's word attached.
        decl.inbound.review_state, decl.inbound.review_reason = ReviewState.OPEN, "disputed"
    return OutcomeStatus.DISPUTED


def end_by_landlord(session: Session, found: Sequence[Declaration], move_out: dt.date) -> None:
    """The landlord's own move-out: end these declarations, and close any caller's claim waiting on them."""
    waiting = [claim for claim in map(pending_move_out, found) if claim is not None]
    decls.end(found, move_out)
    for claim in waiting:
        close(session, claim, ReviewState.RESOLVED, None, "landlord_move_out")


def apply_move_out(session: Session, decl: Declaration, officer_id: int) -> dt.date:
    """An officer applies the move-out claim waiting on this declaration; returns the move-out date."""
    claim = pending_move_out(decl)
    if claim is None:
        raise ReviewError("not_open")
    date = claimed_date(claim)
    decls.end([decl], date)
    close(session, claim, ReviewState.RESOLVED, officer_id, "apply_move_out", declaration=decl.id, receipt=decl.receipt)
    return date
