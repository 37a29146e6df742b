"""The no-document register (三无人员信息登记): people declared without an identity document, as officers work them.

A person is in the register while they have no document (`document_type == "none"`) and stays in it once an
officer has found one (`register_state == "document_found"`), so the register still shows what became of
them. Everything is read within the officer's scope (store.scope): the declarations shown, the status derived
from them and the duplicate candidates are those at properties in the officer's precincts, and the staff
declarations of employers there (a staff member or lodger with no document is as much the precinct's to find
as a tenant; store.staff keeps the two kinds apart, so the register reads both).

Status, in this order: `document_found` (set by an officer, with the number); `left` (no declaration in scope
still current, of either kind); `verified` (set by an officer); `pending` (the rest).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import and_, func, not_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from parsers.duplicates import PROPERTY, SITE, Declared, Likeness, Stay, likeness
from parsers.structured import read_document
from store import audit, declarations, followup, merges, search
from store.merges import RegisterError
from store.models import Declaration, Person, Property, Site, StaffDeclaration
from store.scope import Scope
from store.states import CURRENT, DeclarationStatus, RegisterState

PER_PAGE = 50
CANDIDATES = 10
AnyDeclaration = Declaration | StaffDeclaration  # a tenant's declaration or a staff one: the register shows both


def began(decl: AnyDeclaration) -> dt.date:
    """The first day of a declaration of either kind (a tenant's move-in, a staff member's start)."""
    return decl.move_in if isinstance(decl, Declaration) else decl.start


def _stay(decl: AnyDeclaration) -> Stay:
    if isinstance(decl, Declaration):
        return Stay(decl.property_id, decl.move_in, decl.move_out, PROPERTY)
    return Stay(decl.site_id, decl.start, decl.end, SITE)


@dataclass(frozen=True)
class Entry:
    """One person as the register shows them: their declarations in scope, newest first (tenants'), and their
    staff declarations in scope, newest first."""

    person: Person
    status: RegisterState
    declarations: tuple[Declaration, ...]
    staff: tuple[StaffDeclaration, ...] = ()

    @property
    def every(self) -> tuple[AnyDeclaration, ...]:
        """Both kinds, newest first: what the person's page lists."""
        return tuple(sorted((*self.declarations, *self.staff), key=lambda d: (began(d), d.declared_at), reverse=True))

    @property
    def hukou(self) -> str | None:
        return next((d.hukou_address for d in (*self.declarations, *self.staff) if (d.hukou_address or "").strip()),
                    None)

    @property
    def lives_at(self) -> AnyDeclaration | None:
        """The current declaration (a tenancy before a job), else the newest: where to look for them."""
        return (next((d for d in (*self.declarations, *self.staff) if d.status in CURRENT), None)
                or next(iter(self.every), None))

    def declared(self) -> Declared:
        stays = tuple(_stay(d) for d in (*self.declarations, *self.staff) if d.status != DeclarationStatus.CANCELLED)
        return Declared(self.person.name, self.hukou, stays)


@dataclass(frozen=True)
class Candidate:
    entry: Entry
    likeness: Likeness


def _members(scope: Scope):
    """People of the register the scope may see: no document, or one an officer found; declared in scope (as a
    tenant or as staff)."""
    return select(Person).where(or_(Person.document_type == "none", Person.register_state == RegisterState.DOCUMENT_FOUND),
                                or_(scope.declared(), scope.employed()))


def _status_clause(scope: Scope, status: RegisterState):
    found = Person.register_state == RegisterState.DOCUMENT_FOUND
    current = or_(scope.declared(Declaration.status.in_(CURRENT)),
                  scope.employed(StaffDeclaration.status.in_(CURRENT)))
    not_found = or_(Person.register_state.is_(None), not_(found))
    return {RegisterState.DOCUMENT_FOUND: found,
            RegisterState.LEFT: and_(not_found, not_(current)),
            RegisterState.VERIFIED: and_(Person.register_state == RegisterState.VERIFIED, current),
            RegisterState.PENDING: and_(Person.register_state.is_(None), current)}[status]


def status_of(person: Person, decls: tuple[AnyDeclaration, ...]) -> RegisterState:
    """The person's status from their declarations in scope, tenants' and staff ones alike (`_status_clause`
    says the same in SQL)."""
    if person.register_state == RegisterState.DOCUMENT_FOUND:
        return RegisterState.DOCUMENT_FOUND
    if not any(d.status in CURRENT for d in decls):
        return RegisterState.LEFT
    return RegisterState.VERIFIED if person.register_state == RegisterState.VERIFIED else RegisterState.PENDING


def _entries(session: Session, scope: Scope, people: list[Person]) -> list[Entry]:
    """Each person with their declarations in scope (property and landlord loaded) and their staff declarations
    in scope (site and employer loaded): two queries for all."""
    by_person: dict[int, list[Declaration]] = defaultdict(list)
    staff_of: dict[int, list[StaffDeclaration]] = defaultdict(list)
    if people:
        ids = [p.id for p in people]
        rows = session.scalars(scope.declarations(
            select(Declaration).join(Property).options(joinedload(Declaration.property).joinedload(Property.landlord))
            .where(Declaration.person_id.in_(ids)))
            .order_by(Declaration.move_in.desc(), Declaration.id.desc()))
        for decl in rows:
            by_person[decl.person_id].append(decl)
        for job in search.staff_of(session, scope, *people):
            staff_of[job.person_id].append(job)
    return [Entry(p, status_of(p, (*by_person[p.id], *staff_of[p.id])), tuple(by_person[p.id]), tuple(staff_of[p.id]))
            for p in people]


def page(session: Session, scope: Scope, *, status: RegisterState | None = None, query: str | None = None,
         property_code: str | None = None, followup_only: bool = False,
         number: int = 1) -> tuple[list[Entry], int]:
    """One page of the register, newest person first, with the count under the filters.

    `query` matches a name or a hukou address (part of either); `property_code` one property's people, or one
    site's staff (the two share one code space); `followup_only` the precinct's 补采 list (store.followup:
    accepted, hukou or portrait still missing).
    """
    people = _members(scope)
    if followup_only:
        people = people.where(followup.clause(scope))
    if status is not None:
        people = people.where(_status_clause(scope, status))
    if query:
        pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        people = people.where(or_(Person.name.ilike(pattern, escape="\\"),
                                  scope.declared(Declaration.hukou_address.ilike(pattern, escape="\\")),
                                  scope.employed(StaffDeclaration.hukou_address.ilike(pattern, escape="\\"))))
    if property_code:
        people = people.where(or_(scope.declared(Property.code == property_code),
                                  scope.employed(Site.code == property_code)))
    total = session.scalar(select(func.count()).select_from(people.subquery())) or 0
    rows = list(session.scalars(people.order_by(Person.id.desc()).offset((number - 1) * PER_PAGE).limit(PER_PAGE)))
    return _entries(session, scope, rows), total


def entry(session: Session, scope: Scope, person_id: int) -> Entry | None:
    """One person of the register, or None when they are not in it or not in scope (the page answers 404)."""
    person = session.scalar(_members(scope).where(Person.id == person_id))
    return _entries(session, scope, [person])[0] if person is not None else None


def candidates(session: Session, scope: Scope, of: Entry) -> list[Candidate]:
    """The register's people in scope most like `of`, best first; only those the score suggests."""
    others = list(session.scalars(_members(scope).where(Person.id != of.person.id)))
    mine = of.declared()
    scored = [Candidate(e, likeness(mine, e.declared())) for e in _entries(session, scope, others)]
    found = sorted((c for c in scored if c.likeness.suggested), key=lambda c: (-c.likeness.score, c.entry.person.id))
    return found[:CANDIDATES]


def verify(session: Session, officer_id: int, person: Person) -> None:
    """An officer has seen the person (at the door, their hukou confirmed): recorded on them and audited."""
    if person.document_type != "none":
        raise RegisterError("register_has_document")
    if person.register_state != RegisterState.VERIFIED:
        person.register_state = RegisterState.VERIFIED
        audit.record(session, officer_id, "register_verify", f"person:{person.id}")


def document_found(session: Session, officer_id: int, person: Person, document_type: str, number: str,
                   today: dt.date, scope: Scope) -> Person:
    """The person's document was found: they become a documented person (number sealed, blind index set).

    When someone with that document is already on record, the two are one person: this record is merged
    into theirs (store.merges), which can be undone. Returns the person who now holds the document.
    """
    if person.document_type != "none":
        raise RegisterError("register_has_document")
    document, problem = read_document(document_type, number, today)
    if problem or document is None or document.number is None:
        raise RegisterError(problem or "missing_id")
    known = declarations.find_person(session, document.type, document.number)
    if known is not None:
        merges.merge(session, officer_id, kept=known, merged=person, scope=scope, document_found=True)
        return known
    try:
        with session.begin_nested():
            person.document_type, person.document_number = document.type, document.number
            person.register_state = RegisterState.DOCUMENT_FOUND
            session.flush()
    except IntegrityError:  # someone recorded the same document a moment ago: try again, it is a merge now
        raise RegisterError("register_try_again") from None
    audit.record(session, officer_id, "register_document_found", f"person:{person.id}", document_type=document.type)
    return person
