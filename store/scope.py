"""Precinct scoping, the one place it is decided what an officer may see.

An officer sees the items, people and landlords of their own precinct, plus
inbound items with no precinct yet (unknown senders: nobody could be assigned
them). Supervisors and admins see every precinct. Anything outside the scope is
treated as not existing, so the web layer answers 404, not 403.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import Session

from store.models import Declaration, InboundMessage, Landlord, Person, Property


@dataclass(frozen=True)
class Scope:
    precinct_id: int | None  # None: every precinct

    @classmethod
    def everything(cls) -> Scope:
        return cls(None)

    @property
    def all_precincts(self) -> bool:
        return self.precinct_id is None

    def inbound(self, query: Select) -> Select:
        if self.all_precincts:
            return query
        return query.where(or_(InboundMessage.precinct_id == self.precinct_id, InboundMessage.precinct_id.is_(None)))

    def properties(self, query: Select) -> Select:
        if self.all_precincts:
            return query
        return query.where(Property.precinct_id == self.precinct_id)

    def landlords(self, query: Select) -> Select:
        if self.all_precincts:
            return query
        return query.where(exists().where(Property.landlord_id == Landlord.id,
                                          Property.precinct_id == self.precinct_id))

    def people(self, query: Select) -> Select:
        if self.all_precincts:
            return query
        return query.where(exists().where(Declaration.person_id == Person.id,
                                          Declaration.property_id == Property.id,
                                          Property.precinct_id == self.precinct_id))

    def declarations(self, query: Select) -> Select:
        """Declarations at properties in scope (the query must already join Property)."""
        return self.properties(query)

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
