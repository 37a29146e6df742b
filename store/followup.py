"""补采: what an accepted no-document person still lacks (a hukou address, a portrait), and who is on the list.

Nothing is stored for it: "missing" is read from the declarations and the portraits themselves, so the officer
who uploads the photo, the landlord's `照片 <receipt>` and the API upload, or an officer typing the address all
take the person off the list the moment they are stored, with no flag to forget to clear. An officer's accept
records what was missing at that moment in its audit entry.

An employer's staff member or lodger declared without a document is collected from the same way: their staff
declarations (scoped by the employer's precinct) count as a tenant's do, so one person is on one list whichever
kind of declaration put them there.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, and_, func, not_, or_, select
from sqlalchemy.orm import Session

from store import audit, media
from store.models import Declaration, Employer, MediaItem, Person, Property, StaffDeclaration
from store.scope import Scope
from store.states import DeclarationStatus

HUKOU, PORTRAIT = "hukou", "portrait"
MISSING = (HUKOU, PORTRAIT)  # in the order the declarant is told


def lacking(person: Person, *, hukou: str | None, has_portrait: bool) -> tuple[str, ...]:
    """What a person with no document still lacks, in MISSING's order, given the hukou address found for them
    and whether a portrait is stored: the one rule behind the reply, the accept's audit entry and the
    officers' badge (nothing for a person with a document)."""
    if person.document_type != "none":
        return ()
    return tuple(part for part, there in ((HUKOU, (hukou or "").strip()), (PORTRAIT, has_portrait)) if not there)


def missing(session: Session, decl: Declaration | StaffDeclaration) -> tuple[str, ...]:
    """What a no-document declaration's person still lacks (nothing for a person with a document); a staff
    declaration's the same way (its hukou address, the person's portrait)."""
    if decl.person.document_type != "none":
        return ()
    return lacking(decl.person, hukou=decl.hukou_address,
                   has_portrait=media.portrait_of(session, decl.person_id) is not None)


def _has_portrait() -> ColumnElement[bool]:
    return select(MediaItem.id).where(MediaItem.person_id == Person.id, MediaItem.status == media.STORED).exists()


def _filled(column) -> ColumnElement[bool]:
    return func.trim(func.coalesce(column, "")) != ""


def clause(scope: Scope) -> ColumnElement[bool]:
    """People on the precinct's 补采 list: an accepted (active) no-document declaration in scope, a tenant's or a
    staff one, with no hukou address on any of their declarations in scope, or no portrait. One still waiting
    for an officer is not on it: nobody has accepted what the declarant said yet."""
    accepted = or_(scope.declared(Declaration.status == DeclarationStatus.ACTIVE),
                   scope.employed(StaffDeclaration.status == DeclarationStatus.ACTIVE))
    with_hukou = or_(scope.declared(_filled(Declaration.hukou_address)),
                     scope.employed(_filled(StaffDeclaration.hukou_address)))
    return and_(Person.document_type == "none", accepted, not_(and_(with_hukou, _has_portrait())))


def set_hukou(session: Session, scope: Scope, officer_id: int, person: Person, address: str) -> int:
    """An officer types the hukou address found later: it goes on the person's current declarations in scope
    that have none, tenants' and staff ones (those with one keep what the declarant said). Returns how many;
    audited."""
    address = address.strip()
    if not address:
        return 0
    decls = list(session.scalars(scope.declarations(
        select(Declaration).join(Property).where(Declaration.person_id == person.id,
                                                 Declaration.status == DeclarationStatus.ACTIVE))))
    jobs = list(session.scalars(scope.staff(
        select(StaffDeclaration).join(Employer, StaffDeclaration.employer_id == Employer.id)
        .where(StaffDeclaration.person_id == person.id, StaffDeclaration.status == DeclarationStatus.ACTIVE))))
    filled = [d for d in decls if not (d.hukou_address or "").strip()]
    staffed = [d for d in jobs if not (d.hukou_address or "").strip()]
    for decl in (*filled, *staffed):
        decl.hukou_address = address[:400]
    if filled or staffed:
        audit.record(session, officer_id, "followup_hukou", f"person:{person.id}", declarations=len(filled),
                     **({"staff": len(staffed)} if staffed else {}))
    return len(filled) + len(staffed)
