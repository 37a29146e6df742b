"""Declarations and staff declarations as flat rows for `declgate export` and GET /api/v1/export.

One row per declaration (kind `tenant`) and per staff declaration (`staff`, or `lodger` when they also live at
the site). `since` selects rows changed at or after a time, not only those made after it: a row's own
`updated_at` (every write to it sets it, see store.models) or its person's (a name, phone or register state
corrected) — so a nightly pull sees move-outs, cancellations and merges of older rows. docs/export.md lists
the fields.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, aliased

from parsers import mask_id, mask_ids
from store import media
from store.models import (Declaration, Employer, InboundMessage, Landlord, MediaItem, Person, Precinct, Property,
                          Site, StaffDeclaration, Unit, VerificationItem, utc_midnight)
from store.states import Channel

FIELDS = ("kind", "receipt", "status", "name", "document_type", "document_number", "verified", "verification", "phone",
          "address",
          "room", "property_code", "station", "county", "declarant_kind", "channel", "move_in", "move_out", "late",
          "declared_at", "ended_at", "updated_at", "portrait_id")

County = aliased(Unit)


def stamp(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds") + "Z"


def _changed(query: Select, row_updated, since: dt.datetime | None) -> Select:
    return query if since is None else query.where(or_(row_updated >= since, Person.updated_at >= since))


def _tenancies(since: dt.datetime | None, stations: frozenset[int] | None) -> Select:
    query = (select(Declaration, Person, Property.code, Property.address, Precinct.code, County.code,
                    Landlord.phone, InboundMessage.from_number, VerificationItem.mark)
             .join(Person, Declaration.person_id == Person.id)
             .join(Property, Declaration.property_id == Property.id)
             .join(Landlord, Property.landlord_id == Landlord.id)
             .join(Precinct, Property.precinct_id == Precinct.id)
             .outerjoin(County, Precinct.unit_id == County.id)
             .outerjoin(InboundMessage, Declaration.inbound_id == InboundMessage.id)
             .outerjoin(VerificationItem, VerificationItem.declaration_id == Declaration.id)
             .order_by(Declaration.id))
    if stations is not None:
        query = query.where(Property.precinct_id.in_(stations))
    return _changed(query, Declaration.updated_at, since)


def _staff(since: dt.datetime | None, stations: frozenset[int] | None) -> Select:
    query = (select(StaffDeclaration, Person, Site.code, Site.address, Precinct.code, County.code,
                    VerificationItem.mark)
             .join(Person, StaffDeclaration.person_id == Person.id)
             .join(Site, StaffDeclaration.site_id == Site.id)
             .join(Employer, StaffDeclaration.employer_id == Employer.id)
             .join(Precinct, Employer.precinct_id == Precinct.id)
             .outerjoin(County, Precinct.unit_id == County.id)
             .outerjoin(VerificationItem, VerificationItem.staff_declaration_id == StaffDeclaration.id)
             .order_by(StaffDeclaration.id))
    if stations is not None:
        query = query.where(Employer.precinct_id.in_(stations))
    return _changed(query, StaffDeclaration.updated_at, since)


def declarant_kind(decl: Declaration, landlord_phone: str, caller: str | None) -> str:
    """Who made a tenancy row: an officer typing it in, a landlord's agent, a resident calling the voice line
    about themselves (a claim the landlord is asked to confirm), or the landlord."""
    if decl.channel == Channel.OFFICER:
        return "officer"
    if decl.declarant_phone:
        return "agent"
    if decl.channel == Channel.VOICE and caller and caller != landlord_phone:
        return "resident"
    return "landlord"


def parse_since(text: str, tz: dt.tzinfo) -> dt.datetime:
    """`--since` / `?since=` as a stored time (naive UTC): a date is local midnight in the deployment's zone; a
    timestamp with an offset or Z is exact, one without is UTC (as the export's own `updated_at` values are)."""
    text = text.strip()
    if len(text) == 10:
        return utc_midnight(dt.date.fromisoformat(text), tz)
    stamp = dt.datetime.fromisoformat(text.removesuffix("Z").removesuffix("z") + ("+00:00" if text[-1:] in "Zz"
                                                                                 else ""))
    return stamp if stamp.tzinfo is None else stamp.astimezone(dt.timezone.utc).replace(tzinfo=None)


def count(session: Session, *, since: dt.datetime | None = None, stations: frozenset[int] | None = None) -> int:
    """How many rows `rows` will give: what a long export's progress counts towards."""
    total = 0
    for query in (_tenancies(since, stations), _staff(since, stations)):
        total += session.scalar(select(func.count()).select_from(query.subquery())) or 0
    return total


def rows(session: Session, *, since: dt.datetime | None = None, unmasked: bool = False,
         stations: frozenset[int] | None = None, batch: int = 1000) -> Iterator[dict[str, object]]:
    """Stream the rows changed at or after `since` (all when None) in `stations` (all when None): tenancies by
    id, then staff by id. Streamed in batches, so an export of a whole city holds one batch in memory."""
    portraits = portrait_ids(session)

    def typed(text: str | None) -> str | None:  # a name or address: an officer may have typed an ID into it
        return text if unmasked or not text else mask_ids(text)

    def person_fields(person: Person) -> dict[str, object]:
        number = person.document_number
        return {"name": typed(person.name), "document_type": person.document_type,
                "document_number": number if unmasked or number is None else mask_id(number),
                "verified": person.register_state, "phone": person.phone, "portrait_id": portraits.get(person.id)}

    tenancies = _tenancies(since, stations).execution_options(yield_per=batch)
    for decl, person, code, address, station, county, landlord_phone, caller, checked in session.execute(tenancies):
        yield {"kind": "tenant", "receipt": decl.receipt, "status": decl.status, **person_fields(person),
               "verification": checked,
               "address": typed(address), "room": decl.room, "property_code": code, "station": station, "county": county,
               "declarant_kind": declarant_kind(decl, landlord_phone, caller), "channel": decl.channel,
               "move_in": decl.move_in.isoformat(), "move_out": decl.move_out.isoformat() if decl.move_out else None,
               "late": decl.late, "declared_at": stamp(decl.declared_at), "ended_at": stamp(decl.ended_at),
               "updated_at": stamp(max(decl.updated_at, person.updated_at))}
    staff = _staff(since, stations).execution_options(yield_per=batch)
    for decl, person, code, address, station, county, checked in session.execute(staff):
        yield {"kind": "lodger" if decl.lodger else "staff", "receipt": decl.receipt, "status": decl.status,
               **person_fields(person), "verification": checked, "address": typed(address), "room": decl.room,
               "property_code": code, "station": station, "county": county, "declarant_kind": "employer", "channel": decl.channel,
               "move_in": decl.start.isoformat(), "move_out": decl.end.isoformat() if decl.end else None,
               "late": decl.late, "declared_at": stamp(decl.declared_at), "ended_at": stamp(decl.ended_at),
               "updated_at": stamp(max(decl.updated_at, person.updated_at))}


def portrait_ids(session: Session) -> dict[int, int]:
    """Each person's current portrait (store.media.portrait_of: the newest stored) by its MediaItem id: an opaque
    number, never a URL, so an export file leads nobody to the image; officers look it up behind their login."""
    rows = session.execute(select(MediaItem.person_id, func.max(MediaItem.id))
                           .where(MediaItem.person_id.is_not(None), MediaItem.status == media.STORED)
                           .group_by(MediaItem.person_id))
    return {person_id: media_id for person_id, media_id in rows}
