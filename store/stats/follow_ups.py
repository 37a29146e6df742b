"""The follow-up list: landlords a precinct should call, with the declarations that say why."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select, text
from sqlalchemy.orm import Session

from store.models import Declaration, Landlord, Precinct, Property
from store.stats.counting import scoped
from store.stats.month import UTC, Month

# A literal for the same reason as counting.MOVED_OUT (migration 0004's partial index was made for the first and
# last terms). A person an officer found living there undeclared (store.visits) is a reason too.
TO_FOLLOW_UP = text("(declarations.late OR declarations.found_on_visit"
                    " OR (declarations.channel = 'voice' AND declarations.landlord_response IS NULL"
                    " AND declarations.status IN ('active', 'pending_review')))")


@dataclass(frozen=True)
class Evidence:
    """One declaration behind a follow-up line."""

    receipt: str
    property_code: str
    room: str | None
    move_in: dt.date
    declared_at: dt.datetime
    channel: str
    late: bool
    status: str

    @property
    def days_late(self) -> int:
        return (self.declared_at.date() - self.move_in).days


@dataclass(frozen=True)
class FollowUp:
    """A landlord the precinct should call: unconfirmed tenant self-declarations, late declarations and/or people
    found undeclared on a visit."""

    landlord_id: int
    name: str
    phone: str
    precinct_codes: tuple[str, ...]
    unconfirmed: tuple[Evidence, ...]
    late: tuple[Evidence, ...]
    undeclared: tuple[Evidence, ...] = ()  # found on a visit, not declared by the landlord


def _follow_up_query(query, month: Month, precinct_ids: Sequence[int] | None, tz: ZoneInfo):
    start, end = month.bounds(tz)
    query = (query.select_from(Declaration).join(Property, Declaration.property_id == Property.id)
             .where(Declaration.declared_at >= start, Declaration.declared_at < end,
                    Declaration.status != "cancelled", TO_FOLLOW_UP))
    return scoped(query, Property.precinct_id, precinct_ids)


def _by_name(session: Session, column):
    """Names in code point order, as Python sorts them, whatever the database's collation."""
    return column.collate("C") if session.get_bind().dialect.name == "postgresql" else column


def follow_up_count(session: Session, month: Month, *, precinct_ids: Sequence[int] | None = None,
                    tz: ZoneInfo = UTC) -> int:
    """How many landlords `follow_up` lists."""
    return session.scalar(_follow_up_query(select(func.count(func.distinct(Property.landlord_id))),
                                           month, precinct_ids, tz)) or 0


def follow_up(session: Session, month: Month, *, precinct_ids: Sequence[int] | None = None,
              tz: ZoneInfo = UTC, limit: int | None = None, offset: int = 0) -> list[FollowUp]:
    """Landlords with, among the month's declarations, a tenant's voice self-declaration they neither
    declared nor confirmed, or a late declaration; most evidence first, `limit` landlords from `offset`.

    Two statements whatever the size: the landlords of the page ranked in SQL, then their evidence as
    plain columns (a declaration both late and unconfirmed counts, and is listed, under both).
    """
    unconfirmed = and_(Declaration.channel == "voice", Declaration.landlord_response.is_(None),
                       Declaration.status.in_(("active", "pending_review")))
    evidence_count = (func.sum(case((unconfirmed, 1), else_=0))
                      + func.sum(case((Declaration.late.is_(True), 1), else_=0))
                      + func.sum(case((Declaration.found_on_visit.is_(True), 1), else_=0)))
    counts = (_follow_up_query(select(Property.landlord_id.label("landlord_id"), evidence_count.label("evidence")),
                               month, precinct_ids, tz).group_by(Property.landlord_id).subquery("counts"))
    ranked = (select(Landlord.id, Landlord.name, Landlord.phone).join(counts, counts.c.landlord_id == Landlord.id)
              .order_by(counts.c.evidence.desc(), _by_name(session, Landlord.name), Landlord.id)
              .offset(offset).limit(limit))
    landlords = session.execute(ranked).all()
    if not landlords:
        return []
    query = _follow_up_query(
        select(Property.landlord_id, Precinct.code, Declaration.receipt, Property.code, Declaration.room,
               Declaration.move_in, Declaration.declared_at, Declaration.channel, Declaration.late,
               Declaration.status, Declaration.landlord_response, Declaration.found_on_visit), month, precinct_ids, tz)
    query = query.join(Precinct, Property.precinct_id == Precinct.id).order_by(Declaration.declared_at,
                                                                              Declaration.id)
    if limit is not None or offset:
        query = query.where(Property.landlord_id.in_([row.id for row in landlords]))
    lines: dict[int, dict] = {row.id: {"codes": set(), "unconfirmed": [], "late": [], "undeclared": []}
                              for row in landlords}
    for (landlord_id, code, receipt, property_code, room, move_in, declared_at, channel, late, status,
         response, found) in session.execute(query):
        line = lines[landlord_id]
        line["codes"].add(code)
        evidence = Evidence(receipt=receipt, property_code=property_code, room=room, move_in=move_in,
                            declared_at=declared_at, channel=channel, late=late, status=status)
        if channel == "voice" and response is None and status in ("active", "pending_review"):
            line["unconfirmed"].append(evidence)
        if late:
            line["late"].append(evidence)
        if found:
            line["undeclared"].append(evidence)
    return [FollowUp(landlord_id=row.id, name=row.name, phone=row.phone,
                     precinct_codes=tuple(sorted(lines[row.id]["codes"])),
                     unconfirmed=tuple(lines[row.id]["unconfirmed"]), late=tuple(lines[row.id]["late"]),
                     undeclared=tuple(lines[row.id]["undeclared"]))
            for row in landlords]
