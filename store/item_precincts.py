"""Which precincts an inbound message belongs to: written here, read by store.scope.Scope.inbound.

A message belongs to the precincts of the properties it is about: each record's property, the
property of the receipt it answers, or (when it names none) every property of the landlord who sent
it. The first is its primary precinct (`InboundMessage.precinct_id`, what statistics count it under);
the others are `InboundPrecinct` rows. A message from a number nobody enrolled has no precinct, so
every officer sees it, until the number is enrolled: `claim` then gives it, and every copy officers
made of it, the precinct of the property enrolled.
"""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import InboundMessage, InboundPrecinct, Landlord


def of_landlord(landlord: Landlord) -> list[int]:
    """The precincts the landlord has a property in, that of their first property (by code) first."""
    return list(dict.fromkeys(prop.precinct_id for prop in landlord.properties))


def assign(session: Session, inbound: InboundMessage, precinct_ids: Sequence[int]) -> None:
    """Give a message being handled its precincts (the first is the primary one); none leaves it as it is.

    Only a message handled for the first time comes here (a job handles a message once), so it has no
    further precincts yet.
    """
    wanted = list(dict.fromkeys(precinct_ids))
    if not wanted:
        return
    inbound.precinct_id = wanted[0]
    for precinct_id in wanted[1:]:
        session.add(InboundPrecinct(inbound_id=inbound.id, precinct_id=precinct_id))


def claim(session: Session, phone: str, precinct_id: int) -> list[int]:
    """Give every message from `phone` that has no precinct yet to `precinct_id`; returns their ids.

    Called whenever a number is enrolled (store.enrolment.enrol, whichever path enrols it): the
    messages it sent while unknown, and officers' copies of them, leave the other precincts' view.
    Rows are changed through the ORM so the statistics hook sees their precinct change.
    """
    unclaimed = list(session.scalars(select(InboundMessage).where(InboundMessage.from_number == phone,
                                                                  InboundMessage.precinct_id.is_(None))))
    for inbound in unclaimed:
        inbound.precinct_id = precinct_id
    return [inbound.id for inbound in unclaimed]
