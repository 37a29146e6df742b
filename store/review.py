"""The officers' review queue: what is open, and the decisions officers take on it.

Functions take a Session inside the caller's transaction and a Scope; an item
outside the scope is reported as missing (LookupError), never as forbidden.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from parsers.outcome import OutcomeStatus
from store import audit, declarations, followup
from store.models import Declaration, InboundMessage, Landlord, OutboundMessage, Property, StaffDeclaration, utcnow
from store.scope import NeedsSupervisor, Scope, inbound_in
from store.states import DeclarationStatus, ReviewState

REVIEWABLE = (DeclarationStatus.PENDING_REVIEW, DeclarationStatus.DISPUTED)  # declarations an officer can accept


class ReviewError(ValueError):
    """The action does not apply to this item in its current state; `code` says why (a UI string key)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Filters:
    reason: str | None = None
    channel: str | None = None
    precinct_id: int | None = None  # honoured only for a scope that spans every precinct
    since: dt.datetime | None = None  # UTC, inclusive
    until: dt.datetime | None = None  # UTC, exclusive


def _open(scope: Scope, filters: Filters, *, with_reason: bool = True):
    query = scope.inbound(select(InboundMessage).where(InboundMessage.review_state == ReviewState.OPEN))
    if with_reason and filters.reason:
        query = query.where(InboundMessage.review_reason == filters.reason)
    if filters.channel:
        query = query.where(InboundMessage.channel == filters.channel)
    if filters.precinct_id and scope.covers(filters.precinct_id) and scope.only is None:
        query = query.where(inbound_in(filters.precinct_id))
    if filters.since:
        query = query.where(InboundMessage.received_at >= filters.since)
    if filters.until:
        query = query.where(InboundMessage.received_at < filters.until)
    return query


def reason_counts(session: Session, scope: Scope, filters: Filters) -> list[tuple[str, int]]:
    """Open items per reason (the other filters applied), largest first."""
    sub = _open(scope, filters, with_reason=False).subquery()
    rows = session.execute(select(sub.c.review_reason, func.count()).group_by(sub.c.review_reason)
                           .order_by(func.count().desc(), sub.c.review_reason))
    return [(reason or "", count) for reason, count in rows]


def open_items(session: Session, scope: Scope, filters: Filters, *, page: int = 1,
               per_page: int = 25) -> tuple[list[InboundMessage], int]:
    """One page of open items, newest first, and how many there are in all."""
    query = _open(scope, filters)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
                           .offset((page - 1) * per_page).limit(per_page))
    return list(rows), total


def next_open(session: Session, scope: Scope, filters: Filters, after_id: int) -> int | None:
    """The open item an officer works on after `after_id` under the same filters: the next one down the
    queue (newest first), else the newest one left; None when the queue is empty."""
    query = _open(scope, filters).where(InboundMessage.id != after_id).with_only_columns(InboundMessage.id)
    newest_first = (InboundMessage.received_at.desc(), InboundMessage.id.desc())
    current = session.get(InboundMessage, after_id)
    if current is not None:
        below = query.where((InboundMessage.received_at < current.received_at)
                            | ((InboundMessage.received_at == current.received_at) & (InboundMessage.id < after_id)))
        found = session.scalar(below.order_by(*newest_first).limit(1))
        if found is not None:
            return found
    return session.scalar(query.order_by(*newest_first).limit(1))


def open_ids_with_reason(session: Session, scope: Scope, reason: str, phone: str | None = None) -> list[int]:
    """Open items with this reason, oldest first; only those `phone` sent, when given."""
    query = _open(scope, Filters(reason=reason)).with_only_columns(InboundMessage.id)
    if phone is not None:
        query = query.where(InboundMessage.from_number == phone)
    return list(session.scalars(query.order_by(InboundMessage.id)))


def item(session: Session, scope: Scope, inbound_id: int) -> InboundMessage:
    found = scope.get_inbound(session, inbound_id)
    if found is None:
        raise LookupError(f"inbound message {inbound_id} not found")
    return found


def open_item(session: Session, scope: Scope, inbound_id: int) -> InboundMessage:
    found = item(session, scope, inbound_id)
    if found.review_state != ReviewState.OPEN:
        raise ReviewError("not_open")
    return found


@dataclass
class History:
    """Everything around one inbound message that an officer needs to decide, within their scope."""

    landlord: Landlord | None
    properties: list[Property]  # the landlord's, in scope
    edited_from: InboundMessage | None
    edits: list[InboundMessage]
    replies: list[OutboundMessage]
    replies_withheld: bool  # they speak of precincts outside the reader's scope too
    declarations: list[Declaration]
    actions: list
    move_out_claims: list[Declaration]  # registrations this call says moved out (store.claims)


def history(session: Session, scope: Scope, inbound: InboundMessage) -> History:
    """The item's surroundings; a message shared by two precincts shows each only its own part of them."""
    landlord = session.scalar(select(Landlord).where(Landlord.phone == inbound.from_number))
    whole = scope.holds_wholly(session, inbound)
    return History(
        landlord=landlord,
        properties=scope.properties_of(landlord) if landlord is not None else [],
        edited_from=scope.get_inbound(session, inbound.edited_from_id) if inbound.edited_from_id else None,
        edits=list(session.scalars(scope.inbound(select(InboundMessage)
                                                 .where(InboundMessage.edited_from_id == inbound.id))
                                   .order_by(InboundMessage.id))),
        replies=list(session.scalars(select(OutboundMessage).where(OutboundMessage.in_reply_to == inbound.id)
                                     .order_by(OutboundMessage.id))) if whole else [],
        replies_withheld=not whole,
        declarations=list(session.scalars(scope.declarations(
            select(Declaration).join(Property).where(Declaration.inbound_id == inbound.id))
            .order_by(Declaration.id))),
        actions=audit.about(session, target_of(inbound.id)),
        move_out_claims=list(session.scalars(scope.declarations(
            select(Declaration).join(Property).where(Declaration.move_out_claim_id == inbound.id))
            .order_by(Declaration.id))),
    )


def target_of(inbound_id: int) -> str:
    return f"inbound:{inbound_id}"


def next_edit_sid(session: Session, inbound: InboundMessage) -> str:
    """`EDIT-<id>-<n>`: the provider SID of the n-th officer copy of a message (unique like any SID)."""
    count = session.scalar(select(func.count()).select_from(InboundMessage)
                           .where(InboundMessage.edited_from_id == inbound.id)) or 0
    return f"EDIT-{inbound.id}-{count + 1}"


def close(session: Session, inbound: InboundMessage, state: ReviewState, officer_id: int | None, action: str,
          **detail) -> None:
    """Close an open item (resolved | rejected | spam) and record who did it (None: a landlord's SMS)."""
    if inbound.review_state != ReviewState.OPEN:
        raise ReviewError("not_open")
    inbound.review_state = state
    audit.record(session, officer_id, action, target_of(inbound.id), reason=inbound.review_reason, **detail)


def reject(session: Session, scope: Scope, inbound: InboundMessage, officer_id: int,
           reason: str) -> list[Declaration]:
    """Reject an item: declarations from it still waiting for an officer are cancelled. Returns them.

    Cancelling another precinct's waiting declaration is that precinct's decision: an item that has
    one (a message about properties in two precincts) is a supervisor's to reject (NeedsSupervisor).
    """
    if inbound.review_state != ReviewState.OPEN:
        raise ReviewError("not_open")
    waiting = [d for d in session.scalars(select(Declaration).where(Declaration.inbound_id == inbound.id))
               if d.status in REVIEWABLE]
    if not all(scope.covers(d.property.precinct_id) for d in waiting):
        raise NeedsSupervisor("reject_needs_supervisor")
    close(session, inbound, ReviewState.REJECTED, officer_id, "reject", note=reason)
    # An employer's no-document staff member waiting on it goes too (the message is the employer's precinct's).
    staff_waiting = session.scalars(select(StaffDeclaration).where(
        StaffDeclaration.inbound_id == inbound.id, StaffDeclaration.status == DeclarationStatus.PENDING_REVIEW))
    for decl in (*waiting, *staff_waiting):
        decl.status, decl.ended_at = DeclarationStatus.CANCELLED, utcnow()
    return waiting


def accept(session: Session, decl: Declaration, name: str, officer_id: int, phone: str | None = None,
           hukou: str | None = None) -> tuple[OutcomeStatus, Declaration, tuple[str, ...]]:
    """Make a pending (or disputed) declaration active with the name typed from the recording.

    Returns (registered | superseded | already_registered, the active declaration, what a no-document person
    still lacks), as `declarations.activate` plus store.followup.missing. A no-document person is accepted even
    so (an officer may have seen them at the door), but what is missing goes in the audit entry and puts them
    on the precinct's 补采 list until it is stored. `hukou` is the address as the officer corrected it (an empty
    one keeps the declared). `phone` (a self-declaring caller's) is kept only where none is on record.
    """
    name = name.strip()
    if not name:
        raise ReviewError("name_required")
    if decl.status not in REVIEWABLE:
        raise ReviewError("not_open")
    decl.person.name = name
    if hukou is not None and hukou.strip() and decl.person.document_type == "none":
        decl.hukou_address = hukou.strip()[:400]
    if phone and not decl.person.phone:
        decl.person.phone = phone
    outcome, result = declarations.activate(session, decl)
    lacks = followup.missing(session, decl)
    detail = {"missing": list(lacks)} if lacks else {}
    audit.record(session, officer_id, "accept", target_of(decl.inbound_id) if decl.inbound_id else f"declaration:{decl.id}",
                 declaration=decl.id, outcome=outcome, receipt=result.receipt, **detail)
    resolve_when_done(session, decl, officer_id)
    return outcome, result, lacks


def resolve_when_done(session: Session, decl: Declaration | StaffDeclaration, officer_id: int | None,
                      action: str = "resolve") -> None:
    """The item closes once none of its declarations (tenants' or staff) waits for an officer."""
    inbound = session.get(InboundMessage, decl.inbound_id) if decl.inbound_id is not None else None
    if inbound is None or inbound.review_state != ReviewState.OPEN:
        return
    waiting = session.scalar(select(func.count()).select_from(Declaration).where(
        Declaration.inbound_id == inbound.id, Declaration.status.in_(REVIEWABLE)))
    waiting += session.scalar(select(func.count()).select_from(StaffDeclaration).where(
        StaffDeclaration.inbound_id == inbound.id, StaffDeclaration.status == DeclarationStatus.PENDING_REVIEW))
    if not waiting:
        close(session, inbound, ReviewState.RESOLVED, officer_id, action)
