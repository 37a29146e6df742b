"""Finding people by ID number, name, phone or address, within an officer's scope."""
from __future__ import annotations

import re

from sqlalchemy import or_, select, tuple_
from sqlalchemy.orm import Session, joinedload

from parsers.documents import convert_legacy_ric
from parsers.masking import contains_id, mask_ids
from parsers.phones import to_e164
from store.models import Declaration, Employer, Person, Property, StaffDeclaration
from store.scope import Scope
from store.sealed import document_hash

MIN_QUERY = 2
LIMIT = 50
_ID_LIKE = re.compile(r"[0-9]{4,}[0-9Xx]?")
_DOCUMENT_LIKE = re.compile(r"[0-9A-Za-z]{5,20}")  # a whole document number of any type
DOCUMENT_TYPES = ("ric", "passport", "hkmo_permit", "tw_permit")


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _documents(session: Session, compact: str) -> list[tuple[str, str]]:
    """(type, blind index) of `compact` as a number of every document type (a 15-digit ID also as its 18-digit form)."""
    numbers = [compact.upper()]
    if len(compact) == 15 and compact.isdigit():
        numbers.append(convert_legacy_ric(compact))
    return [(kind, document_hash(session, kind, number)) for kind in DOCUMENT_TYPES for number in numbers]


def audited_query(query: str) -> str:
    """The query as the audit log keeps it: a number `people` reads whole (spaces and dashes dropped) is
    masked whole, however it was cut."""
    compact = re.sub(r"[\s-]", "", query)
    return mask_ids(compact) if contains_id(compact) else mask_ids(query)


def people(session: Session, scope: Scope, query: str, region: str = "CN") -> list[Person]:
    """People whose ID number, name or phone matches, or who were declared at a matching address."""
    query = query.strip()
    if len(query) < MIN_QUERY:
        return []
    pattern = _like(query)
    # Addresses and codes in scope only: a match on where someone lived in another precinct would tell
    # the officer that precinct's data about them.
    lived_at = scope.properties(select(Declaration.id).where(
        Declaration.person_id == Person.id, Declaration.property_id == Property.id,
        or_(Property.address.ilike(pattern, escape="\\"), Property.code == query)))
    # A name holds no digits, so a query with digits can only match one that wrongly holds an ID
    # number (typed at accept time): matching its parts would spell the number out a digit at a time.
    names = [] if any(c.isdigit() for c in query) else [Person.name.ilike(pattern, escape="\\")]
    clauses = [*names, lived_at.exists()]
    compact = re.sub(r"[\s-]", "", query)
    if _DOCUMENT_LIKE.fullmatch(compact):
        # ID numbers are sealed: only a whole number finds a person, through the blind index.
        clauses.append(tuple_(Person.document_type, Person.document_hash).in_(_documents(session, compact)))
    if _ID_LIKE.fullmatch(compact):
        clauses.append(Person.phone.ilike(_like(compact), escape="\\"))
    phone = to_e164(query, region) if any(c.isdigit() for c in query) else None
    if phone:
        clauses.append(Person.phone == phone)
    return list(session.scalars(scope.people(select(Person).where(or_(*clauses)))
                                .order_by(Person.name, Person.id).limit(LIMIT)))


def declarations_of(session: Session, scope: Scope, person: Person) -> list[Declaration]:
    """The person's declarations in scope, newest first: where they lived over time."""
    return list(session.scalars(scope.declarations(
        select(Declaration).join(Property).where(Declaration.person_id == person.id))
        .order_by(Declaration.move_in.desc(), Declaration.id.desc())))


def staff_of(session: Session, scope: Scope, *people: Person) -> list[StaffDeclaration]:
    """The people's staff declarations of employers in scope, newest first (site and employer loaded): where
    they worked (and lodged). One query for any number of people (the register's page passes fifty)."""
    return list(session.scalars(scope.staff(
        select(StaffDeclaration).join(Employer, StaffDeclaration.employer_id == Employer.id)
        .options(joinedload(StaffDeclaration.site), joinedload(StaffDeclaration.employer))
        .where(StaffDeclaration.person_id.in_([p.id for p in people])))
        .order_by(StaffDeclaration.start.desc(), StaffDeclaration.id.desc())))
