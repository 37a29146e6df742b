"""Dedupe and lifecycle rules for declarations.

Each function takes a Session inside the caller's transaction and returns what
happened as a plain status string; the database's unique constraints are the
last word when two workers race (the caller retries on IntegrityError).
"""
from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from parsers.outcome import OutcomeStatus
from parsers.receipts import receipt_from_serial
from store import lookups
from store.sealed import document_hash
from store.models import Declaration, Landlord, Person, Property, StaffDeclaration, utcnow
from store.states import DeclarationStatus, LandlordResponse


class HasProperties(Protocol):
    """A landlord, or anyone acting at a set of properties (store.agents.Acting)."""

    @property
    def properties(self) -> Sequence[Property]: ...


def new_receipt(session: Session) -> str:
    """A fresh, unused receipt: random so receipts leak nothing about volumes; the unique index is the backstop."""
    batch = lookups.current(session)
    if batch is not None and batch.receipts:
        return batch.receipts.pop()
    while True:
        receipt = receipt_from_serial(secrets.randbelow(lookups.RECEIPT_SERIALS))
        # On the connection, without an autoflush: register flushes every declaration it adds, so the
        # receipts this transaction took are already visible; the unique index is the backstop.
        taken = (select(Declaration.id).where(Declaration.receipt == receipt)
                 .union_all(select(StaffDeclaration.id).where(StaffDeclaration.receipt == receipt)))  # store.staff
        if session.connection().scalar(taken) is None:
            return receipt


def find_landlord(session: Session, phone: str) -> Landlord | None:
    """The landlord texting from `phone`, with their properties (every SMS needs them) in the same query."""
    batch = lookups.current(session)
    if batch is not None and phone in batch.landlords:
        return batch.landlords[phone]
    return session.scalars(select(Landlord).options(joinedload(Landlord.properties))
                           .where(Landlord.phone == phone)).unique().one_or_none()


def resolve_property(landlord: Landlord | HasProperties, selector: str | None) -> tuple[Property | None, str | None]:
    """The property a record means: by `@code` or `@alias`, or the landlord's only one. Returns (property, error code)."""
    props = landlord.properties
    if selector:
        wanted = selector.strip().casefold()
        for prop in props:
            if prop.code == selector.strip():
                return prop, None
        # Aliases are unique per landlord; an agent of two landlords may reach two properties with one alias.
        named = [prop for prop in props if prop.alias and prop.alias.casefold() == wanted]
        if len(named) > 1:
            return None, "ambiguous_property"
        return (named[0], None) if named else (None, "unknown_property")
    if len(props) == 1:
        return props[0], None
    if not props:
        return None, "unknown_property"
    return None, "ambiguous_property"


def find_person(session: Session, document_type: str, number: str) -> Person | None:
    return session.scalar(select(Person).where(Person.document_type == document_type,
                                               Person.document_hash == document_hash(session, document_type, number)))


def person_and_active(session: Session, document_type: str, number: str) -> tuple[Person | None, list[Declaration]]:
    """The person with this document and their active declarations, in one query (dedupe's hot path)."""
    batch = lookups.current(session)
    known = batch.person((document_type, number)) if batch is not None else None
    if known is not None:
        return known
    rows = session.execute(lookups.people_with_active()
                           .where(Person.document_type == document_type,
                                  Person.document_hash == document_hash(session, document_type, number))).all()
    person = rows[0][0] if rows else None
    active = [decl for _, decl in rows if decl is not None]
    if batch is not None:  # a message the preload did not foresee (a voice call): later ones must see this too
        batch.people[(document_type, number)] = (person, list(active))
    return person, active


def register(session: Session, *, prop: Property, document_type: str, document_number: str | None,
             name: str | None, phone: str | None, room: str | None, move_in: dt.date, late: bool,
             channel: str, inbound_id: int | None, pending_review: bool = False,
             name_recording_url: str | None = None, address_recording_url: str | None = None,
             receipt: str | None = None, hukou_address: str | None = None,
             declarant_phone: str | None = None, officer_id: int | None = None,
             ) -> tuple[OutcomeStatus, Declaration]:
    """Declare a person at a property.

    Returns (registered | already_registered | superseded | pending_review, declaration).
    A person already active elsewhere is ended there (`superseded`): people live in one place.
    `declarant_phone` is an agent's who declared for the property's landlord (store.agents); `officer_id` the
    officer's who entered it at the door (store.visits) or whose edit of a message made it.
    """
    person, active = None, []
    if document_type != "none" and document_number:
        person, active = person_and_active(session, document_type, document_number)
    if person is None:
        # Inserted with the declaration at the flush below; someone new has no declaration to end.
        person = Person(document_type=document_type, document_number=document_number, name=name, phone=phone)
        session.add(person)
    else:
        person.name = name or person.name
        person.phone = phone or person.phone

    for decl in active:
        # A declaration this batch made is not flushed yet: it has its property but no property_id.
        if decl.property_id == prop.id or (decl.property_id is None and decl.property is prop):
            return OutcomeStatus.ALREADY_REGISTERED, decl

    waits = pending_review or document_type == "none"  # an officer confirms a person with no document
    status = DeclarationStatus.PENDING_REVIEW if waits else DeclarationStatus.ACTIVE
    outcome = OutcomeStatus.PENDING_REVIEW if waits else OutcomeStatus.REGISTERED
    if status == DeclarationStatus.ACTIVE:
        for decl in active:
            decl.status = DeclarationStatus.SUPERSEDED
            decl.move_out = move_in
            decl.ended_at = utcnow()
            outcome = OutcomeStatus.SUPERSEDED
    decl = Declaration(person=person, property=prop, room=room, move_in=move_in, status=status,
                       receipt=receipt or new_receipt(session), channel=channel, late=late, inbound_id=inbound_id,
                       name_recording_url=name_recording_url, address_recording_url=address_recording_url,
                       hukou_address=hukou_address, declarant_phone=declarant_phone,
                       officer_id=officer_id)
    session.add(decl)
    batch = lookups.current(session)
    if batch is None:
        session.flush()  # the caller may want its id; the next receipt look-up must see this one
    elif document_type != "none" and document_number:
        batch.declared((document_type, document_number), person, decl)  # flushed with the whole batch
    return outcome, decl


def activate(session: Session, decl: Declaration) -> tuple[OutcomeStatus, Declaration]:
    """Make a waiting declaration (a claim, a pending or disputed one) the person's registration.

    Returns (registered | superseded | already_registered, the active declaration). Only now
    is the person ended elsewhere (people live in one place). One active declaration per person and
    property is a partial unique index: when the person is already active there, this one is
    cancelled as a duplicate instead.
    """
    active = list(session.scalars(select(Declaration).where(Declaration.person_id == decl.person_id,
                                                            Declaration.status == DeclarationStatus.ACTIVE)))
    same = next((d for d in active if d.property_id == decl.property_id), None)
    outcome, before = OutcomeStatus.REGISTERED, decl.status
    if same is None:
        for other in active:
            other.status, other.move_out, other.ended_at = DeclarationStatus.SUPERSEDED, decl.move_in, utcnow()
            outcome = OutcomeStatus.SUPERSEDED
        try:
            with session.begin_nested():
                decl.status = DeclarationStatus.ACTIVE
                session.flush()
        except IntegrityError:
            # Another officer or worker activated the same person there a moment ago.
            decl.status = before
            same = session.scalar(select(Declaration).where(Declaration.person_id == decl.person_id,
                                                            Declaration.property_id == decl.property_id,
                                                            Declaration.status == DeclarationStatus.ACTIVE))
    if same is not None:
        decl.status, decl.ended_at = DeclarationStatus.CANCELLED, utcnow()
        return OutcomeStatus.ALREADY_REGISTERED, same
    batch = lookups.current(session)
    person = decl.person
    if batch is not None and person.document_type != "none" and person.document_number:
        batch.declared((person.document_type, person.document_number), person, decl)  # later messages see it
    return outcome, decl


def active_at(session: Session, props: Sequence[Property]) -> list[Declaration]:
    """Active tenants of these properties, by room then name."""
    if not props:
        return []
    return list(session.scalars(
        select(Declaration).join(Person).where(Declaration.property_id.in_([p.id for p in props]),
                                               Declaration.status == DeclarationStatus.ACTIVE)
        .order_by(Declaration.room, Person.name)))


def tenants_to_move_out(session: Session, props: Sequence[Property], *, document_type: str | None,
                        document_number: str | None, id_suffix: str | None, room: str | None,
                        ) -> tuple[list[Declaration], str | None]:
    """Which active declarations a move-out record means. Returns (declarations, error code).

    An ID (or its last digits) is looked for across all the given properties; a room alone
    only makes sense within one property.
    """
    if room and not (document_number or id_suffix) and len(props) > 1:
        return [], "ambiguous_property"
    tenants = active_at(session, props)
    if document_number:
        found = [d for d in tenants if d.person.document_number == document_number
                 and (document_type is None or d.person.document_type == document_type)]
    elif id_suffix:
        found = [d for d in tenants if (d.person.document_number or "").upper().endswith(id_suffix.upper())]
        if room:
            found = [d for d in found if d.room == room]
        if len(found) > 1:
            return found, "ambiguous_tenant"
    elif room:
        found = [d for d in tenants if d.room == room]
    else:
        found = []
    return (found, None) if found else ([], "no_matching_tenant")


def end(decls: Sequence[Declaration], move_out: dt.date) -> None:
    for decl in decls:
        decl.status = DeclarationStatus.ENDED
        decl.move_out = move_out
        decl.ended_at = utcnow()


def by_receipt(session: Session, landlord: Landlord, receipt: str) -> Declaration | None:
    """A declaration at one of this landlord's properties; another landlord's receipt is as good as unknown."""
    return session.scalar(select(Declaration).join(Property).where(Declaration.receipt == receipt,
                                                                   Property.landlord_id == landlord.id))


def cancel(decl: Declaration) -> OutcomeStatus:
    """Withdraw a declaration made by mistake; only one still standing can be withdrawn."""
    if decl.status != DeclarationStatus.CANCELLED:
        decl.status = DeclarationStatus.CANCELLED
        decl.ended_at = utcnow()
    return OutcomeStatus.CANCELLED


def landlord_answer(decl: Declaration, answer: LandlordResponse) -> LandlordResponse:
    """The landlord confirms or disputes a tenant's self-declaration; a dispute goes to the officers."""
    decl.landlord_response = answer
    if answer == LandlordResponse.DISPUTED and decl.status in (DeclarationStatus.ACTIVE,
                                                                DeclarationStatus.PENDING_REVIEW):
        decl.status = DeclarationStatus.DISPUTED
    return answer
