"""Agents (代理人): a landlord lets another phone declare for one property or for all of theirs.

The landlord stays responsible for every declaration an agent makes (it is at their property); the agent is
recorded as its declarant (`Declaration.declarant_phone`). What a phone may act on is read from the grants in
force at each message or request, so a revoked agent is a stranger again at once, and a grant for all
properties covers the ones the landlord enrols later.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from store import declarations as decls
from store import lookups
from store.models import Agent, Declaration, Landlord, Property, utcnow


@dataclass
class Acting:
    """Who a phone acts as: its own landlord account (if any) plus the grants other landlords gave it.

    Has `properties` like a Landlord, so the property and tenant rules of store.declarations apply to it.
    """

    phone: str
    landlord: Landlord | None
    grants: list[Agent] = field(default_factory=list)

    @property
    def properties(self) -> list[Property]:
        """Its own properties first, then the granted ones, each once."""
        seen: dict[int, Property] = {}
        for prop in (self.landlord.properties if self.landlord is not None else []):
            seen.setdefault(prop.id, prop)
        for grant in self.grants:
            for prop in granted_properties(grant):
                seen.setdefault(prop.id, prop)
        return list(seen.values())

    def on_behalf(self, prop: Property) -> bool:
        """Whether acting at this property is acting for another landlord (as their agent)."""
        return self.landlord is None or prop.landlord_id != self.landlord.id

    def resolve(self, selector: str | None) -> tuple[Property | None, str | None]:
        """The property a record means (store.declarations.resolve_property over everything this phone may reach).

        For an agent, a selector naming nothing it may reach is `not_your_property`, whether or not such a
        property exists: an agent learns nothing about other landlords' codes by trying them.
        """
        prop, code = decls.resolve_property(self, selector)
        if code == "unknown_property" and self.grants:
            code = "not_your_property"
        return prop, code

    def by_receipt(self, session: Session, receipt: str) -> Declaration | None:
        """A declaration at a property this phone may reach; any other receipt is as good as unknown."""
        if not self.grants and self.landlord is not None:
            return decls.by_receipt(session, self.landlord, receipt)
        ids = [prop.id for prop in self.properties]
        if not ids:
            return None
        return session.scalar(select(Declaration).where(Declaration.receipt == receipt,
                                                        Declaration.property_id.in_(ids)))


def granted_properties(grant: Agent) -> list[Property]:
    return [grant.property] if grant.property_id is not None else list(grant.landlord.properties)


def grants_to(session: Session, phone: str) -> list[Agent]:
    """The grants in force for this phone (preloaded for a batch by store.lookups)."""
    batch = lookups.current(session)
    if batch is not None and phone in batch.agents:
        return batch.agents[phone]
    return list(session.scalars(lookups.grants_in_force().where(Agent.phone == phone)).unique())


def find_acting(session: Session, phone: str) -> Acting | None:
    """Who texts (or logs in) from `phone`: None for a phone that is neither a landlord nor anyone's agent."""
    landlord = decls.find_landlord(session, phone)
    grants = [grant for grant in grants_to(session, phone) if landlord is None or grant.landlord_id != landlord.id]
    if landlord is None and not grants:
        return None
    return Acting(phone=phone, landlord=landlord, grants=grants)


def of_landlord(session: Session, landlord_id: int) -> list[Agent]:
    """A landlord's agents in force, by phone."""
    return list(session.scalars(select(Agent).options(joinedload(Agent.property))
                                .where(Agent.landlord_id == landlord_id, Agent.revoked_at.is_(None))
                                .order_by(Agent.phone, Agent.id)))


def grant(session: Session, landlord: Landlord, phone: str, prop: Property | None, channel: str) -> tuple[Agent, bool]:
    """Let `phone` declare for `prop` (None: all of the landlord's properties). Returns (grant, whether new).

    Granting what is already granted changes nothing; a unique index on the grants in force is the backstop
    when two requests race (the caller retries and finds this one).
    """
    wanted = prop.id if prop is not None else None
    for existing in of_landlord(session, landlord.id):
        if existing.phone == phone and existing.property_id == wanted:
            return existing, False
    row = Agent(landlord=landlord, phone=phone, property=prop, channel=channel, created_at=utcnow())
    session.add(row)
    session.flush()
    batch = lookups.current(session)
    if batch is not None and phone in batch.agents:  # a later message of the batch from that phone may use it
        batch.agents[phone] = [*batch.agents[phone], row]
    return row, True


def revoke(session: Session, landlord: Landlord, phone: str, prop: Property | None) -> list[Agent]:
    """End the phone's grants from this landlord: the one for `prop`, or (None) every one. Returns those ended."""
    ended = [row for row in of_landlord(session, landlord.id)
             if row.phone == phone and (prop is None or row.property_id == prop.id)]
    now = utcnow()
    for row in ended:
        row.revoked_at = now
    session.flush()
    batch = lookups.current(session)
    if batch is not None and phone in batch.agents:  # later messages of the batch from that phone must not use them
        batch.agents[phone] = [row for row in batch.agents[phone] if row.revoked_at is None]
    return ended
