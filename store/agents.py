"""Agents (代理人): a landlord lets another phone declare for one property or for all of theirs; an employer
lets it declare staff (`用工`/`离职`) at one site or all of its sites (§9.4).

The landlord stays responsible for every declaration an agent makes (it is at their property); the agent is
recorded as its declarant (`Declaration.declarant_phone`). What a phone may act on is read from the grants in
force at each message or request, so a revoked agent is a stranger again at once, and a grant for all
properties covers the ones the landlord enrols later. The same for an employer: its agent's staff declarations
are the employer's, with the agent as declarant (`StaffDeclaration.declarant_phone`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from store import declarations as decls
from store import employers, lookups, staff
from store.models import Agent, Declaration, Employer, Landlord, Property, Site, StaffDeclaration, utcnow

Grantor = Landlord | Employer
Place = Property | Site


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


def granted_sites(grant: Agent) -> list[Site]:
    return [grant.site] if grant.site_id is not None else list(grant.employer.sites)


def granted_places(grant: Agent) -> list[Property] | list[Site]:
    """What a grant reaches, whichever kind of grantor gave it."""
    return granted_sites(grant) if grant.employer_id is not None else granted_properties(grant)


@dataclass
class ForEmployer:
    """A phone declaring staff for one employer: as its contact (every site), or as its agent (granted sites)."""

    phone: str
    employer: Employer
    grants: list[Agent] = field(default_factory=list)  # empty: the phone is the employer's contact

    @property
    def as_agent(self) -> bool:
        return bool(self.grants)

    @property
    def sites(self) -> list[Site]:
        if not self.grants:
            return list(self.employer.sites)
        seen: dict[int, Site] = {}
        for grant in self.grants:
            for site in granted_sites(grant):
                seen.setdefault(site.id, site)
        return sorted(seen.values(), key=lambda site: site.code)


def grants_to(session: Session, phone: str) -> list[Agent]:
    """The grants in force for this phone, landlords' and employers' (preloaded for a batch by store.lookups)."""
    batch = lookups.current(session)
    if batch is not None and phone in batch.agents:
        return batch.agents[phone]
    return list(session.scalars(lookups.grants_in_force().where(Agent.phone == phone)).unique())


def find_acting(session: Session, phone: str) -> Acting | None:
    """Who texts (or logs in) from `phone`: None for a phone that is neither a landlord nor a landlord's agent."""
    landlord = decls.find_landlord(session, phone)
    grants = [grant for grant in grants_to(session, phone)
              if grant.landlord_id is not None and (landlord is None or grant.landlord_id != landlord.id)]
    if landlord is None and not grants:
        return None
    return Acting(phone=phone, landlord=landlord, grants=grants)


def for_employers(session: Session, phone: str) -> list[ForEmployer]:
    """The employers `phone` declares staff for: the one it is a contact of, then those that made it their agent."""
    found: dict[int, ForEmployer] = {}
    own = employers.by_contact(session, phone)
    if own is not None:
        found[own.id] = ForEmployer(phone=phone, employer=own)
    for grant in grants_to(session, phone):
        if grant.employer_id is not None and grant.employer_id not in found:
            found[grant.employer_id] = ForEmployer(phone=phone, employer=grant.employer)
        if grant.employer_id is not None and found[grant.employer_id].employer is not own:
            found[grant.employer_id].grants.append(grant)
    return list(found.values())


def resolve_site(staffing: list[ForEmployer], selector: str | None
                 ) -> tuple[ForEmployer | None, Site | None, str | None]:
    """The site a `用工` record (or an API request) means among every site the phone may reach, and for which
    employer. For an agent, a site it may not reach is `not_your_property`, whether or not it exists."""
    every = [(fe, site) for fe in staffing for site in fe.sites]
    site, code = employers.resolve_site([site for _fe, site in every], selector)
    if site is None:
        return None, None, "not_your_property" if code == "unknown_property" and any(
            fe.as_agent for fe in staffing) else code
    return next(fe for fe, known in every if known is site), site, None


def staff_by_receipt(session: Session, staffing: list[ForEmployer], receipt: str
                     ) -> tuple[ForEmployer | None, StaffDeclaration | None]:
    """A staff declaration at a site the phone may reach; any other receipt is as good as unknown."""
    for fe in staffing:
        decl = staff.by_receipt(session, fe.employer.id, receipt)
        if decl is not None and (not fe.as_agent or decl.site_id in {site.id for site in fe.sites}):
            return fe, decl
    return None, None


def _of(grantor: Grantor):
    return Agent.landlord_id == grantor.id if isinstance(grantor, Landlord) else Agent.employer_id == grantor.id


def of_landlord(session: Session, landlord_id: int) -> list[Agent]:
    """A landlord's agents in force, by phone."""
    return list(session.scalars(select(Agent).options(joinedload(Agent.property))
                                .where(Agent.landlord_id == landlord_id, Agent.revoked_at.is_(None))
                                .order_by(Agent.phone, Agent.id)))


def of_grantor(session: Session, grantor: Grantor) -> list[Agent]:
    """A landlord's or employer's agents in force, by phone."""
    return list(session.scalars(select(Agent).options(joinedload(Agent.property), joinedload(Agent.site))
                                .where(_of(grantor), Agent.revoked_at.is_(None)).order_by(Agent.phone, Agent.id)))


def _place_id(grant: Agent) -> int | None:
    return grant.property_id if grant.landlord_id is not None else grant.site_id


def grant(session: Session, grantor: Grantor, phone: str, place: Place | None, channel: str) -> tuple[Agent, bool]:
    """Let `phone` declare for `place` (None: all of the landlord's properties, or all of the employer's sites).
    Returns (grant, whether new).

    Granting what is already granted changes nothing; a unique index on the grants in force is the backstop
    when two requests race (the caller retries and finds this one).
    """
    wanted = place.id if place is not None else None
    for existing in of_grantor(session, grantor):
        if existing.phone == phone and _place_id(existing) == wanted:
            return existing, False
    if isinstance(grantor, Landlord):
        row = Agent(landlord=grantor, phone=phone, property=place, channel=channel, created_at=utcnow())
    else:
        row = Agent(employer=grantor, phone=phone, site=place, channel=channel, created_at=utcnow())
    session.add(row)
    session.flush()
    batch = lookups.current(session)
    if batch is not None and phone in batch.agents:  # a later message of the batch from that phone may use it
        batch.agents[phone] = [*batch.agents[phone], row]
    return row, True


def revoke(session: Session, grantor: Grantor, phone: str, place: Place | None) -> list[Agent]:
    """End the phone's grants from this landlord or employer: the one for `place`, or (None) every one. Returns
    those ended."""
    ended = [row for row in of_grantor(session, grantor)
             if row.phone == phone and (place is None or _place_id(row) == place.id)]
    now = utcnow()
    for row in ended:
        row.revoked_at = now
    session.flush()
    batch = lookups.current(session)
    if batch is not None and phone in batch.agents:  # later messages of the batch from that phone must not use them
        batch.agents[phone] = [row for row in batch.agents[phone] if row.revoked_at is None]
    return ended
