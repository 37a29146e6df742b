"""Enrolling landlords and their properties, shared by the CLI, the CSV import and the officer UI.

Validation collects every problem instead of stopping at the first, so a form shows them all and a
CSV import can report every bad row at once before writing anything; `enrol` raises them together.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from parsers.phones import to_e164
from store import item_precincts
from store.models import Landlord, Precinct, Property, Site
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


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an enrolment: the field, a stable code, and a sentence that says how to fix it."""

    field: str  # an Enrolment field
    code: str  # empty | invalid | taken
    message: str


class EnrolmentError(ValueError):
    """An enrolment or property edit that cannot be stored; `problems` holds every reason at once."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(problem.message for problem in self.problems))


def validate(entry: Enrolment, region: str = "CN") -> list[Problem]:
    """Everything wrong with one enrolment, each with a sentence that says how to fix it."""
    problems = []
    if to_e164(entry.phone, region) is None:
        problems.append(Problem("phone", "invalid", f"phone {entry.phone!r} is not a valid number "
                                                    "(write it as 13912345678 or +8613912345678)"))
    if not entry.name.strip():
        problems.append(Problem("name", "empty", "name is empty"))
    if not PROPERTY_CODE.fullmatch(entry.property_code.strip()):
        problems.append(Problem("property_code", "invalid", f"property code {entry.property_code!r} must be "
                                                            "4 to 12 digits (it is typed on a keypad)"))
    if not entry.address.strip():
        problems.append(Problem("address", "empty", "address is empty"))
    if not entry.precinct.strip():
        problems.append(Problem("precinct", "empty", "precinct is empty"))
    if entry.alias is not None and (entry.alias.isdigit() or not entry.alias.strip()):
        problems.append(Problem("alias", "invalid", f"alias {entry.alias!r} must not be empty or all digits "
                                                    "(digits are property codes)"))
    return problems


def alias_taken(alias: str, phone: str) -> Problem:
    """An alias picks one of a landlord's properties (`@东街`), so it may name only one of them."""
    return Problem("alias", "taken", f"alias {alias!r} is already used for another property of {phone}")


def precinct(session: Session, code: str, name: str | None = None) -> Precinct:
    """The precinct with this code, created on first use."""
    found = session.scalar(select(Precinct).where(Precinct.code == code))
    if found is None:
        found = Precinct(code=code, name=name or code)
        session.add(found)
        session.flush()
    return found


def enrol(session: Session, entry: Enrolment, region: str = "CN", scope: Scope | None = None) -> Property:
    """Create or extend a landlord with one property. Raises EnrolmentError with every problem found.

    With an officer's `scope`, the property must be in their precinct and an enrolled landlord must
    have all their properties there (NeedsSupervisor otherwise): a landlord shared with another
    precinct is a supervisor's to extend. Messages the number sent while unknown join the property's
    precinct (store.item_precincts.claim), whichever path enrols it.
    """
    problems = validate(entry, region)
    phone = to_e164(entry.phone, region)
    code = entry.property_code.strip()
    existing = session.scalar(select(Property).where(Property.code == code))
    if existing is not None:
        problems.append(Problem("property_code", "taken",
                                f"property code {code} is already enrolled (to {existing.landlord.phone})"))
    elif session.scalar(select(Site.id).where(Site.code == code)) is not None:  # one code space (store.employers)
        problems.append(Problem("property_code", "taken", f"code {code} is already used by an employer's site"))
    if problems:
        raise EnrolmentError(problems)
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
        raise EnrolmentError([alias_taken(entry.alias, phone)])
    prop = Property(code=code, landlord=landlord, precinct=where,
                    alias=entry.alias.strip() if entry.alias else None, address=entry.address.strip(),
                    single_unit=entry.single_unit)
    session.add(prop)
    session.flush()
    item_precincts.claim(session, landlord.phone, where.id)
    return prop
