"""Facts about this installation kept in the database: what every process must agree on and no setting holds.

`created_on` is the campaign's start when CAMPAIGN_START is not set (docs/sms-format.md §9.5): move-ins before
it are backlog registrations, never late. Migration 0013 records it (the day of the oldest stored message, or
the upgrade's day); a database made another way records the first day anyone asks.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.models import GatewayFact

CREATED_ON = "created_on"


def recorded_on(session: Session) -> dt.date | None:
    """The day this database started taking declarations, if it is recorded."""
    fact = session.get(GatewayFact, CREATED_ON)
    return dt.date.fromisoformat(fact.value) if fact is not None else None


def created_on(session: Session, today: dt.date) -> dt.date:
    """The day this database started taking declarations; `today` when nothing recorded it yet."""
    recorded = recorded_on(session)
    if recorded is not None:
        return recorded
    try:
        with session.begin_nested():
            session.add(GatewayFact(key=CREATED_ON, value=today.isoformat()))
    except IntegrityError:  # another process recorded it first: theirs stands
        return dt.date.fromisoformat(session.get(GatewayFact, CREATED_ON, populate_existing=True).value)
    return today
