"""Staff declarations (用工/离职): who works for an employer, and which of them lodge at its sites.

Kept apart from tenants' declarations on purpose: a person may rent a flat and work (even lodge) elsewhere at
once, so a staff declaration never ends, supersedes or dedupes against a tenant's, and the reverse. Dedupe is
one active staff declaration per person and employer (a partial unique index is its last word); people are
the same rows as tenants' (store.declarations finds them, so one document is one person everywhere).
Receipts come from the declarations' space (store.declarations.new_receipt checks both tables).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from parsers.outcome import OutcomeStatus
from store import audit, followup, lookups, review
from store import declarations as decls
from store.models import Employer, Person, Site, StaffDeclaration, utcnow
from store.scope import Scope
from store.states import DeclarationStatus


def declare(session: Session, *, employer: Employer, site: Site, document_type: str, document_number: str | None,
            name: str | None, phone: str | None, room: str | None, lodger: bool, start: dt.date, channel: str,
            inbound_id: int | None, declarant_phone: str, receipt: str | None = None, late: bool = False,
            hukou: str | None = None,
            ) -> tuple[OutcomeStatus, StaffDeclaration]:
    """Declare a person as the employer's staff at a site. Returns (registered | already_registered |
    pending_review, the staff declaration); someone with no document waits for an officer, as a tenant does.
    `receipt`: one drawn already (a call reads it out before this runs), else a new one. `late`: the start was
    more than the deadline back (the grammar's warning, as for a tenant's move-in)."""
    person = None
    if document_type != "none" and document_number:
        person, _tenancies = decls.person_and_active(session, document_type, document_number)  # left alone
    if person is None:
        person = Person(document_type=document_type, document_number=document_number, name=name, phone=phone)
        session.add(person)
        batch = lookups.current(session)
        if batch is not None and document_type != "none" and document_number:
            batch.people[(document_type, document_number)] = (person, [])  # a later tenant record finds this one
    else:
        person.name = name or person.name
        person.phone = phone or person.phone
        session.flush()
        same = session.scalar(select(StaffDeclaration).where(StaffDeclaration.person_id == person.id,
                                                             StaffDeclaration.employer_id == employer.id,
                                                             StaffDeclaration.status == DeclarationStatus.ACTIVE))
        if same is not None:
            return OutcomeStatus.ALREADY_REGISTERED, same
    waits = document_type == "none" or not document_number
    decl = StaffDeclaration(person=person, employer_id=employer.id, site=site, room=room, lodger=lodger,
                            hukou_address=(hukou or "").strip()[:400] or None if document_type == "none" else None,
                            start=start, receipt=receipt or decls.new_receipt(session), channel=channel,
                            inbound_id=inbound_id, declarant_phone=declarant_phone, late=late,
                            status=DeclarationStatus.PENDING_REVIEW if waits else DeclarationStatus.ACTIVE)
    session.add(decl)
    session.flush()  # the next record of the message must find this one (dedupe) and its receipt taken
    return (OutcomeStatus.PENDING_REVIEW if waits else OutcomeStatus.REGISTERED), decl


def active(session: Session, employer_id: int, sites: Sequence[Site] | None = None) -> list[StaffDeclaration]:
    """The employer's current staff (at these sites only, if given), by site, room, then name."""
    query = (select(StaffDeclaration).join(Person).options(selectinload(StaffDeclaration.site))
             .where(StaffDeclaration.employer_id == employer_id, StaffDeclaration.status == DeclarationStatus.ACTIVE))
    if sites is not None:
        query = query.where(StaffDeclaration.site_id.in_([s.id for s in sites]))
    return list(session.scalars(query.order_by(StaffDeclaration.site_id, StaffDeclaration.room, Person.name)))


def to_end(session: Session, employer_id: int, sites: Sequence[Site] | None, *, document_type: str | None,
           document_number: str | None, id_suffix: str | None, room: str | None,
           ) -> tuple[list[StaffDeclaration], str | None]:
    """Which active staff declarations a `离职` record means, as store.declarations.tenants_to_move_out reads a
    `退租` one. Returns (staff declarations, error code)."""
    if room and not (document_number or id_suffix) and sites is None:
        return [], "ambiguous_property"
    staff = active(session, employer_id, sites)
    if document_number:
        found = [d for d in staff if d.person.document_number == document_number
                 and (document_type is None or d.person.document_type == document_type)]
    elif id_suffix:
        found = [d for d in staff if (d.person.document_number or "").upper().endswith(id_suffix.upper())]
        if room:
            found = [d for d in found if d.room == room]
        if len(found) > 1:
            return found, "ambiguous_tenant"
    elif room:
        found = [d for d in staff if d.room == room]
    else:
        found = []
    return (found, None) if found else ([], "no_matching_tenant")


def end(found: Sequence[StaffDeclaration], day: dt.date) -> None:
    for decl in found:
        decl.status, decl.end, decl.ended_at = DeclarationStatus.ENDED, day, utcnow()


def by_receipt(session: Session, employer_id: int, receipt: str) -> StaffDeclaration | None:
    """A staff declaration of this employer; another employer's receipt is as good as unknown."""
    return session.scalar(select(StaffDeclaration).where(StaffDeclaration.receipt == receipt,
                                                         StaffDeclaration.employer_id == employer_id))


def cancel(decl: StaffDeclaration) -> None:
    """Withdraw a declaration made by mistake (it frees the person for a correct one at the same employer)."""
    if decl.status != DeclarationStatus.CANCELLED:
        decl.status, decl.ended_at = DeclarationStatus.CANCELLED, utcnow()


def waiting(session: Session, scope: Scope, inbound_id: int) -> list[StaffDeclaration]:
    """The staff declarations of a message waiting for an officer (a no-document person), in scope."""
    query = scope.staff(select(StaffDeclaration).join(Employer, StaffDeclaration.employer_id == Employer.id)
                        .where(StaffDeclaration.inbound_id == inbound_id,
                               StaffDeclaration.status == DeclarationStatus.PENDING_REVIEW))
    return list(session.scalars(query.order_by(StaffDeclaration.id)))


def get(session: Session, scope: Scope, staff_id: int) -> StaffDeclaration | None:
    """A staff declaration of an employer in scope; another precinct's is as good as missing."""
    found = session.get(StaffDeclaration, staff_id)
    employer = session.get(Employer, found.employer_id) if found is not None else None
    return found if employer is not None and scope.covers(employer.precinct_id) else None


def accept(session: Session, decl: StaffDeclaration, name: str, officer_id: int,
           hukou: str | None = None) -> tuple[OutcomeStatus, StaffDeclaration, tuple[str, ...]]:
    """Accept a no-document staff member waiting for an officer, as store.review.accept does a tenant: with the
    name (and the hukou address) as the officer read them. Returns (registered | already_registered, the active
    staff declaration, what the person still lacks: store.followup, the 补采 the employer is asked for)."""
    name = name.strip()
    if not name:
        raise review.ReviewError("name_required")
    if decl.status != DeclarationStatus.PENDING_REVIEW:
        raise review.ReviewError("not_open")
    decl.person.name = name
    if hukou is not None and hukou.strip():
        decl.hukou_address = hukou.strip()[:400]
    same = session.scalar(select(StaffDeclaration).where(StaffDeclaration.person_id == decl.person_id,
                                                         StaffDeclaration.employer_id == decl.employer_id,
                                                         StaffDeclaration.status == DeclarationStatus.ACTIVE))
    if same is not None:  # accepted from another message already: this one is the duplicate
        cancel(decl)
        outcome, result = OutcomeStatus.ALREADY_REGISTERED, same
    else:
        decl.status = DeclarationStatus.ACTIVE
        outcome, result = OutcomeStatus.REGISTERED, decl
    lacks = followup.missing(session, result)
    audit.record(session, officer_id, "accept", review.target_of(decl.inbound_id) if decl.inbound_id
                 else f"staff:{decl.id}", staff=decl.id, outcome=outcome, receipt=result.receipt,
                 **({"missing": list(lacks)} if lacks else {}))
    review.resolve_when_done(session, decl, officer_id)
    return outcome, result, lacks
