"""Enrolling landlords and their properties, shared by the CLI, the CSV import and the officer UI.

Validation returns error strings (never raises for bad input) so a CSV import can
report every bad row at once before writing anything.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from parsers.phones import to_e164
from store import item_precincts
from store.models import Landlord, Precinct, Property
from store.scope import NeedsSupervisor, Scope

PROPERTY_CODE = re.compile(r"\d{4,12}")


@dataclass(frozen=True)
class Enrolment:
    phone: str
    name: str
    property_code: str
    address: str
    precinct: str
    alias: str | None = None
    single_unit: bool = False


def validate(entry: Enrolment, region: str = "CN") -> list[str]:
    """Everything wrong with one enrolment, each as a sentence that says how to fix it."""
    errors = []
    if to_e164(entry.phone, region) is None:
        errors.append(f"phone {entry.phone!r} is not a valid number (write it as 13912345678 or +8613912345678)")
    if not entry.name.strip():
        errors.append("name is empty")
    if not PROPERTY_CODE.fullmatch(entry.property_code.strip()):
        errors.append(f"property code {entry.property_code!r} must be 4 to 12 digits (it is typed on a keypad)")
    if not entry.address.strip():
        errors.append("address is empty")
    if not entry.precinct.strip():
        errors.append("precinct is empty")
    if entry.alias is not None and (entry.alias.isdigit() or not entry.alias.strip()):
        errors.append(f"alias {entry.alias!r} must not be empty or all digits (digits are property codes)")
    return errors


def precinct(session: Session, code: str, name: str | None = None) -> Precinct:
    """The precinct with this code, created on first use."""
    found = session.scalar(select(Precinct).where(Precinct.code == code))
    if found is None:
        found = Precinct(code=code, name=name or code)
        session.add(found)
        session.flush()
    return found


def enrol(session: Session, entry: Enrolment, region: str = "CN", scope: Scope | None = None) -> Property:
    """Create or extend a landlord with one property. Raises ValueError with every problem found.

    With an officer's `scope`, the property must be in their precinct and an enrolled landlord must
    have all their properties there (NeedsSupervisor otherwise): a landlord shared with another
    precinct is a supervisor's to extend. Messages the number sent while unknown join the property's
    precinct (store.item_precincts.claim), whichever path enrols it.
    """
    errors = validate(entry, region)
    phone = to_e164(entry.phone, region)
    code = entry.property_code.strip()
    existing = session.scalar(select(Property).where(Property.code == code))
    if existing is not None:
        errors.append(f"property code {code} is already enrolled (to {existing.landlord.phone})")
    if errors:
        raise ValueError("; ".join(errors))
    landlord = session.scalar(select(Landlord).where(Landlord.phone == phone))
    scope = scope or Scope.everything()
    if landlord is not None:
        scope.check_change(landlord)
    where = precinct(session, entry.precinct.strip())
    if not scope.covers(where.id):
        raise NeedsSupervisor()
    if landlord is None:
        landlord = Landlord(phone=phone, name=entry.name.strip())
        session.add(landlord)
        session.flush()
    if entry.alias and any((p.alias or "").casefold() == entry.alias.casefold() for p in landlord.properties):
        raise ValueError(f"alias {entry.alias!r} is already used for another property of {phone}")
    prop = Property(code=code, landlord=landlord, precinct=where,
                    alias=entry.alias.strip() if entry.alias else None, address=entry.address.strip(),
                    single_unit=entry.single_unit)
    session.add(prop)
    session.flush()
    item_precincts.claim(session, landlord.phone, where.id)
    return prop
