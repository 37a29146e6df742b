"""Enrolling employers (用工单位) and their sites, shared by `declgate employer add`, the CSV import and the pages.

An employer is found by its unified social credit code, so enrolling the same code again adds a site (and any
new contact phone) instead of a second employer. Site codes are typed on a keypad like property codes and live
in the same space: a code is a property's or a site's, never both (store.enrolment checks the other way).
Problems are collected and raised together (store.enrolment.EnrolmentError), as for landlords.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError

from parsers.phones import to_e164
from store.enrolment import PROPERTY_CODE, EnrolmentError, Problem, precinct
from store.models import Employer, EmployerContact, Property, Site
from store.scope import NeedsSupervisor, Scope

SITE_KINDS = ("workplace", "dormitory", "building_site")


@dataclass(frozen=True)
class EmployerEntry:
    credit_code: str
    name: str
    address: str
    precinct: str
    phones: Sequence[str]
    site_code: str
    site_kind: str = "workplace"
    site_address: str = ""  # empty: the employer's address
    site_alias: str | None = None
    capacity: int | None = None


def split_phones(text: str) -> list[str]:
    """Contact phones as a form or CSV cell holds them: separated by `;`, `,`, `、` or spaces."""
    for sep in ";,、":
        text = text.replace(sep, " ")
    return [part for part in text.split() if part]


def validate(entry: EmployerEntry, region: str = "CN", *, decided: bool = True) -> list[Problem]:
    """Everything wrong with one entry on its own (codes already taken are checked by `enrol`). An employer's own
    request (store.enrolment_requests) is not `decided`: the precinct and the site code are the officer's."""
    problems = []
    try:
        uscc.validate(entry.credit_code.strip())
    except ValidationError:
        problems.append(Problem("credit_code", "invalid", f"credit code {entry.credit_code!r} is not a valid "
                                                          "unified social credit code (18 characters, the last a "
                                                          "check character)"))
    for field_name in ("name", "address", "precinct")[:3 if decided else 2]:
        if not getattr(entry, field_name).strip():
            problems.append(Problem(field_name, "empty", f"{field_name} is empty"))
    if not entry.phones:
        problems.append(Problem("phones", "empty", "give at least one contact phone"))
    for phone in entry.phones:
        if to_e164(phone, region) is None:
            problems.append(Problem("phones", "invalid", f"phone {phone!r} is not a valid number "
                                                         "(write it as 13912345678 or +8613912345678)"))
    if decided and not PROPERTY_CODE.fullmatch(entry.site_code.strip()):
        problems.append(Problem("site_code", "invalid", f"site code {entry.site_code!r} must be 4 to 12 digits "
                                                        "(it is typed on a keypad)"))
    if entry.site_kind not in SITE_KINDS:
        problems.append(Problem("site_kind", "invalid", f"site kind {entry.site_kind!r} must be one of "
                                                        f"{', '.join(SITE_KINDS)}"))
    if entry.site_alias is not None and (entry.site_alias.isdigit() or not entry.site_alias.strip()):
        problems.append(Problem("site_alias", "invalid", f"alias {entry.site_alias!r} must not be empty or all "
                                                         "digits (digits are site codes)"))
    if entry.capacity is not None and entry.capacity < 0:
        problems.append(Problem("capacity", "invalid", "capacity must be 0 or more"))
    return problems


def enrol(session: Session, entry: EmployerEntry, region: str = "CN", scope: Scope | None = None) -> Site:
    """Create or extend an employer with one site. Raises EnrolmentError with every problem found, or
    NeedsSupervisor when an officer's `scope` does not cover the employer's precinct."""
    problems = validate(entry, region)
    code = entry.site_code.strip()
    prop = session.scalar(select(Property).where(Property.code == code))
    if prop is not None:
        problems.append(Problem("site_code", "taken", f"code {code} is already used by property {prop.code} "
                                                      f"({prop.address})"))
    elif session.scalar(select(Site.id).where(Site.code == code)) is not None:
        problems.append(Problem("site_code", "taken", f"site code {code} is already enrolled"))
    phones = [p for p in (to_e164(raw, region) for raw in entry.phones) if p]
    credit_code = entry.credit_code.strip().upper()
    employer = session.scalar(select(Employer).where(Employer.credit_code == credit_code))
    for contact in session.scalars(select(EmployerContact).where(EmployerContact.phone.in_(phones))):
        if employer is None or contact.employer_id != employer.id:
            problems.append(Problem("phones", "taken", f"phone {contact.phone} is already a contact of another "
                                                       "employer"))
    if employer is not None and entry.site_alias and any(
            (s.alias or "").casefold() == entry.site_alias.strip().casefold() for s in employer.sites):
        problems.append(Problem("site_alias", "taken", f"alias {entry.site_alias!r} is already used for another "
                                                       f"site of {credit_code}"))
    if problems:
        raise EnrolmentError(problems)
    where = precinct(session, entry.precinct.strip())
    scope = scope or Scope.everything()
    if not scope.covers(where.id) or (employer is not None and not scope.covers(employer.precinct_id)):
        raise NeedsSupervisor()
    if employer is None:
        employer = Employer(credit_code=credit_code, name=entry.name.strip(), address=entry.address.strip(),
                            precinct=where)
        session.add(employer)
        session.flush()
    known = set(session.scalars(select(EmployerContact.phone).where(EmployerContact.employer_id == employer.id)))
    session.add_all(EmployerContact(employer_id=employer.id, phone=p) for p in dict.fromkeys(phones) if p not in known)
    site = Site(code=code, employer_id=employer.id, kind=entry.site_kind,
                alias=entry.site_alias.strip() if entry.site_alias else None,
                address=(entry.site_address or entry.address).strip(), capacity=entry.capacity)
    session.add(site)
    session.flush()
    session.refresh(employer, ["sites"])
    return site


def by_contact(session: Session, phone: str) -> Employer | None:
    """The employer this phone declares for, with its sites; None for a phone that is no employer's contact."""
    return session.scalar(select(Employer).options(selectinload(Employer.sites))
                          .join(EmployerContact).where(EmployerContact.phone == phone))


def contacts(session: Session, employer_id: int) -> list[str]:
    return list(session.scalars(select(EmployerContact.phone).where(EmployerContact.employer_id == employer_id)
                                .order_by(EmployerContact.phone)))


def resolve_site(sites: Sequence[Site], selector: str | None) -> tuple[Site | None, str | None]:
    """The site a record means among these (an employer's, or those a phone may reach): `@code` or `@alias`, or
    the only one. Returns (site, error code)."""
    if selector:
        wanted = selector.strip().casefold()
        found = [s for s in sites if s.code == selector.strip() or (s.alias or "").casefold() == wanted]
        return (found[0], None) if found else (None, "unknown_property")
    if len(sites) == 1:
        return sites[0], None
    return None, "ambiguous_property" if sites else "unknown_property"


def in_scope(session: Session, scope: Scope) -> list[Employer]:
    query = select(Employer).options(selectinload(Employer.sites), selectinload(Employer.precinct))
    if not scope.all_precincts:
        query = query.where(Employer.precinct_id.in_(scope.ids))
    return list(session.scalars(query.order_by(Employer.name, Employer.id)))


def get(session: Session, scope: Scope, employer_id: int) -> Employer | None:
    """An employer in scope; one of another precinct is as good as missing (the page answers 404)."""
    found = session.get(Employer, employer_id)
    return found if found is not None and scope.covers(found.precinct_id) else None
