"""Changing an enrolled landlord or property, with the same validation as enrolment."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store import audit
from store.enrolment import Enrolment, EnrolmentError, Problem, alias_taken, validate
from store.models import Declaration, Landlord, Property
from store.scope import Scope
from store.states import DeclarationStatus


def rename_landlord(session: Session, scope: Scope, landlord: Landlord, name: str, officer_id: int) -> None:
    """Change a landlord's name; EnrolmentError says what is wrong. The phone is the identity and stays.

    The name shows on the pages of every precinct the landlord has a property in: NeedsSupervisor
    unless all of them are in `scope`.
    """
    scope.check_change(landlord)
    if not name.strip():
        raise EnrolmentError([Problem("name", "empty", "name is empty")])
    old, landlord.name = landlord.name, name.strip()
    audit.record(session, officer_id, "edit_landlord", f"landlord:{landlord.id}", old=old, new=landlord.name)


def update_property(session: Session, prop: Property, *, address: str, alias: str | None, single_unit: bool,
                    officer_id: int, region: str = "CN") -> None:
    """Change a property's address, alias or single-unit flag; the code (printed on notices) never changes."""
    alias = alias.strip() if alias and alias.strip() else None
    problems = validate(Enrolment(phone=prop.landlord.phone, name=prop.landlord.name, property_code=prop.code,
                                  address=address, precinct=prop.precinct.code, alias=alias,
                                  single_unit=single_unit), region)
    if alias and any((p.alias or "").casefold() == alias.casefold() for p in prop.landlord.properties
                     if p.id != prop.id):
        problems.append(alias_taken(alias, prop.landlord.phone))
    if problems:
        raise EnrolmentError(problems)
    before = {"address": prop.address, "alias": prop.alias, "single_unit": prop.single_unit}
    prop.address, prop.alias, prop.single_unit = address.strip(), alias, single_unit
    audit.record(session, officer_id, "edit_property", f"property:{prop.code}", before=before)


def active_counts(session: Session, property_ids: list[int]) -> dict[int, int]:
    """Active declarations per property."""
    if not property_ids:
        return {}
    rows = session.execute(select(Declaration.property_id, func.count()).where(
        Declaration.property_id.in_(property_ids), Declaration.status == DeclarationStatus.ACTIVE)
        .group_by(Declaration.property_id))
    return dict(rows.all())
