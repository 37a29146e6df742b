"""Door-to-door entry (拉网排查): a person an officer or assistant found at an address, declared by them.

The entry goes through the same dedupe as every channel (`declarations.register`) with channel `officer`
and the officer as declarant. A person already declared there is a duplicate: nothing changes. Anyone else
was living there undeclared, so the declaration is marked `found_on_visit` and the landlord is on the
follow-up list (store.stats.follow_ups).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from parsers.outcome import OutcomeStatus
from parsers.result import Record
from store import audit, declarations
from store.models import Declaration, Property
from store.scope import Scope
from store.states import Channel

SEARCH_LIMIT = 20


def find_properties(session: Session, scope: Scope, query: str) -> list[Property]:
    """Properties in scope whose code starts with, or whose address or alias contains, `query`."""
    query = query.strip()
    if not query:
        return []
    like = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    found = scope.properties(select(Property).where(or_(
        Property.code.startswith(query, autoescape=True), Property.address.like(like, escape="\\"),
        Property.alias.like(like, escape="\\"))))
    return list(session.scalars(found.order_by(Property.code).limit(SEARCH_LIMIT)))


@dataclass(frozen=True)
class Entered:
    outcome: OutcomeStatus  # registered | superseded | pending_review (no document) | already_registered
    declaration: Declaration  # the new one, or the one already there

    @property
    def duplicate(self) -> bool:
        return self.outcome == OutcomeStatus.ALREADY_REGISTERED


def enter(session: Session, scope: Scope, officer_id: int, property_code: str, record: Record, *,
          late: bool) -> Entered:
    """Declare the person of `record` at the property, as the officer. A property outside the scope is as
    missing as one that does not exist (LookupError): no officer declares into another station's area."""
    prop = scope.get_property(session, property_code)
    if prop is None:
        raise LookupError(f"property {property_code} not found")
    doc = record.document
    outcome, decl = declarations.register(
        session, prop=prop, document_type=doc.type if doc else "none",
        document_number=doc.number if doc else None, name=record.name, phone=record.phone, room=record.room,
        move_in=record.date or dt.date.today(), late=late, channel=Channel.OFFICER, inbound_id=None,
        hukou_address=record.hukou, officer_id=officer_id)
    entered = Entered(outcome, decl)
    if not entered.duplicate:
        decl.found_on_visit = True
    audit.record(session, officer_id, "visit", f"declaration:{decl.id}", property=prop.code,
                 outcome=outcome, receipt=decl.receipt)
    return entered
