"""Precinct scoping, the one place it is decided what an officer may see and change.

An officer sees the items, people and landlords of the precincts (stations) under their place in the
tree (store.org): their own station, or every station under their county or city unit, plus
inbound items with no precinct yet (unknown senders: nobody could be assigned
them). An item belongs to every precinct it is about (store.item_precincts).
A staff declaration is its employer's precinct's.
Of a landlord, an officer sees only the properties in their precinct, and may
change the landlord (rename, add a property) only when all of the landlord's
properties are there: a landlord shared with another precinct is a
supervisor's to change. Admins, supervisors placed at no unit and those at the
only top-level unit see and change every precinct (`scope_of`).
Anything outside the scope is treated as not existing, so the web layer
answers 404; a change that is not the officer's to make raises NeedsSupervisor
(403).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Exists, Select, exists, or_, select
from sqlalchemy.orm import Session

from store import org
from store.models import (Declaration, Employer, InboundMessage, InboundPrecinct, Landlord, Officer, Person, Precinct,
                          Property, Site, StaffDeclaration)


class NeedsSupervisor(Exception):
    """The change reaches into another precinct: only a supervisor (or admin) may make it."""

    def __init__(self, code: str = "needs_supervisor") -> None:
        super().__init__(code)
        self.code = code


def inbound_in(*precinct_ids: int) -> ColumnElement[bool]:
    """An inbound message belongs to one of these precincts: its primary one, or one of its further ones."""
    return or_(InboundMessage.precinct_id.in_(precinct_ids),
               exists().where(InboundPrecinct.inbound_id == InboundMessage.id,
                              InboundPrecinct.precinct_id.in_(precinct_ids)))


def reach(session: Session, officer: Officer) -> frozenset[int] | None:
    """The precincts an officer's place in the tree covers (None: every one).

    An admin, and a supervisor placed at no unit (as every supervisor was before the tree), reach
    everything; anyone placed at a unit reaches the stations under it; anyone else, their own station.
    """
    if officer.role == "admin" or (officer.unit_id is None and officer.role == "supervisor"):
        return None
    if officer.unit_id is not None:
        return org.stations_under(session, officer.unit_id)
    return frozenset({officer.precinct_id}) if officer.precinct_id is not None else frozenset()


@dataclass(frozen=True, init=False)
class Scope:
    precinct_ids: frozenset[int] | None  # None: every precinct

    def __init__(self, precinct_ids: int | frozenset[int] | set[int] | None) -> None:
        ids = frozenset({precinct_ids}) if isinstance(precinct_ids, int) else precinct_ids
        object.__setattr__(self, "precinct_ids", frozenset(ids) if ids is not None else None)

    @classmethod
    def everything(cls) -> Scope:
        return cls(None)

    @classmethod
    def of(cls, session: Session, officer: Officer) -> Scope:
        return cls(reach(session, officer))

    @property
    def all_precincts(self) -> bool:
        return self.precinct_ids is None

    @property
    def only(self) -> int | None:
        """The one precinct of a station's scope (forms then need not ask which precinct); else None."""
        return next(iter(self.precinct_ids)) if self.precinct_ids is not None and len(self.precinct_ids) == 1 \
            else None

    @property
    def ids(self) -> list[int]:
        return sorted(self.precinct_ids or ())

    def inbound(self, query: Select) -> Select:
        if self.all_precincts:
            return query
        return query.where(or_(InboundMessage.precinct_id.is_(None), inbound_in(*self.ids)))

    def properties(self, query: Select) -> Select:
        if self.all_precincts:
            return query
        return query.where(Property.precinct_id.in_(self.ids))

    def precincts(self, query: Select) -> Select:
        """The precincts (stations) themselves: what a form offers to choose from."""
        if self.all_precincts:
            return query
        return query.where(Precinct.id.in_(self.ids))

    def landlords(self, query: Select) -> Select:
        if self.all_precincts:
            return query
        return query.where(exists().where(Property.landlord_id == Landlord.id,
                                          Property.precinct_id.in_(self.ids)))

    def people(self, query: Select) -> Select:
        """People declared in scope: at a property in it, or as staff of an employer in it (a staff member or
        lodger is the employer's precinct's to see, to photograph and to collect from, as a tenant is)."""
        if self.all_precincts:
            return query
        return query.where(or_(self.declared(), self.employed()))

    def declared(self, *where: ColumnElement[bool]) -> Exists:
        """The person (a query's Person) has a declaration at a property in scope meeting `where`."""
        return self.declarations(select(Declaration.id).join(Property, Declaration.property_id == Property.id)
                                 .where(Declaration.person_id == Person.id, *where)).exists()

    def employed(self, *where: ColumnElement[bool]) -> Exists:
        """The person (a query's Person) has a staff declaration of an employer in scope meeting `where` (its
        Site joined, so `where` may name the site's code)."""
        return self.staff(select(StaffDeclaration.id).join(Employer, StaffDeclaration.employer_id == Employer.id)
                          .join(Site, StaffDeclaration.site_id == Site.id)
                          .where(StaffDeclaration.person_id == Person.id, *where)).exists()

    def covers(self, precinct_id: int | None) -> bool:
        return self.all_precincts or precinct_id in self.precinct_ids

    def holds_wholly(self, session: Session, inbound: InboundMessage) -> bool:
        """Whether every precinct a message is about is in scope. A reply to it (a list of tenants, a copy of
        each record) speaks of all of them and cannot be shown in part."""
        if self.all_precincts:
            return True
        further = session.scalars(select(InboundPrecinct.precinct_id).where(InboundPrecinct.inbound_id == inbound.id))
        return all(p is None or self.covers(p) for p in (inbound.precinct_id, *further))

    def properties_of(self, landlord: Landlord) -> list[Property]:
        """The landlord's properties this scope shows (their others are not the officer's business)."""
        return [prop for prop in landlord.properties if self.covers(prop.precinct_id)]

    def may_change(self, landlord: Landlord) -> bool:
        """Renaming a landlord or adding them a property: every property they have must be in scope."""
        return all(self.covers(prop.precinct_id) for prop in landlord.properties)

    def check_change(self, landlord: Landlord) -> None:
        if not self.may_change(landlord):
            raise NeedsSupervisor()

    def declarations(self, query: Select) -> Select:
        """Declarations at properties in scope (the query must already join Property)."""
        return self.properties(query)

    def staff(self, query: Select) -> Select:
        """Staff declarations of employers in scope (the query must already join Employer), as store.staff.get."""
        if self.all_precincts:
            return query
        return query.where(Employer.precinct_id.in_(self.ids))

    def get_inbound(self, session: Session, inbound_id: int) -> InboundMessage | None:
        return session.scalar(self.inbound(select(InboundMessage).where(InboundMessage.id == inbound_id)))

    def get_landlord(self, session: Session, landlord_id: int) -> Landlord | None:
        return session.scalar(self.landlords(select(Landlord).where(Landlord.id == landlord_id)))

    def get_property(self, session: Session, code: str) -> Property | None:
        return session.scalar(self.properties(select(Property).where(Property.code == code)))

    def get_person(self, session: Session, person_id: int) -> Person | None:
        return session.scalar(self.people(select(Person).where(Person.id == person_id)))

    def get_declaration(self, session: Session, decl_id: int) -> Declaration | None:
        return session.scalar(self.declarations(select(Declaration).join(Property)
                                                .where(Declaration.id == decl_id)))
