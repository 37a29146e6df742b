"""The follow-up list: landlords and employers a precinct should call, with the declarations that say why, and
whether each is still open or was actioned (store.art57)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select, text
from sqlalchemy.orm import Session

from store import art57
from store.models import (Art57Action, Declaration, Employer, Landlord, Precinct, Property,
                          Site, StaffDeclaration)
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
    is_open: bool = True  # never actioned, or late since the last action (store.art57)
    last_action: Art57Action | None = None


def _follow_up_query(query, month: Month, precinct_ids: Sequence[int] | None, tz: ZoneInfo,
                     status: str | None = None):
    start, end = month.bounds(tz)
    query = (query.select_from(Declaration).join(Property, Declaration.property_id == Property.id)
             .where(Declaration.declared_at >= start, Declaration.declared_at < end,
                    Declaration.status != "cancelled", TO_FOLLOW_UP))
    wanted = art57.status_clause(art57.landlord_open(Property.landlord_id), status)
    if wanted is not None:
        query = query.where(wanted)
    return scoped(query, Property.precinct_id, precinct_ids)


def _by_name(session: Session, column):
    """Names in code point order, as Python sorts them, whatever the database's collation."""
    return column.collate("C") if session.get_bind().dialect.name == "postgresql" else column


def follow_up_count(session: Session, month: Month, *, precinct_ids: Sequence[int] | None = None,
                    tz: ZoneInfo = UTC, status: str | None = None) -> int:
    """How many landlords `follow_up` lists."""
    return session.scalar(_follow_up_query(select(func.count(func.distinct(Property.landlord_id))),
                                           month, precinct_ids, tz, status)) or 0


def follow_up(session: Session, month: Month, *, precinct_ids: Sequence[int] | None = None,
              tz: ZoneInfo = UTC, limit: int | None = None, offset: int = 0,
              status: str | None = None) -> list[FollowUp]:
    """Landlords with, among the month's declarations, a tenant's voice self-declaration they neither
    declared nor confirmed, or a late declaration; most evidence first, `limit` landlords from `offset`;
    `status` (art57.OPEN | art57.ACTIONED) keeps only those still open, or only those actioned since.

    Two statements whatever the size: the landlords of the page ranked in SQL, then their evidence as
    plain columns (a declaration both late and unconfirmed counts, and is listed, under both).
    """
    unconfirmed = and_(Declaration.channel == "voice", Declaration.landlord_response.is_(None),
                       Declaration.status.in_(("active", "pending_review")))
    evidence_count = (func.sum(case((unconfirmed, 1), else_=0))
                      + func.sum(case((Declaration.late.is_(True), 1), else_=0))
                      + func.sum(case((Declaration.found_on_visit.is_(True), 1), else_=0)))
    counts = (_follow_up_query(select(Property.landlord_id.label("landlord_id"), evidence_count.label("evidence")),
                               month, precinct_ids, tz, status).group_by(Property.landlord_id).subquery("counts"))
    ranked = (select(Landlord.id, Landlord.name, Landlord.phone,
                     art57.landlord_open(Landlord.id).label("is_open")).join(counts, counts.c.landlord_id == Landlord.id)
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
    last = art57.last_actions(session, landlord_ids=[row.id for row in landlords])
    return [FollowUp(landlord_id=row.id, name=row.name, phone=row.phone,
                     precinct_codes=tuple(sorted(lines[row.id]["codes"])),
                     unconfirmed=tuple(lines[row.id]["unconfirmed"]), late=tuple(lines[row.id]["late"]),
                     undeclared=tuple(lines[row.id]["undeclared"]),
                     is_open=bool(row.is_open), last_action=last.get(("landlord", row.id)))
            for row in landlords]


@dataclass(frozen=True)
class StaffEvidence:
    """One late staff declaration behind an employer's follow-up line."""

    receipt: str
    site_code: str
    start: dt.date
    declared_at: dt.datetime

    @property
    def days_late(self) -> int:
        return (self.declared_at.date() - self.start).days


@dataclass(frozen=True)
class EmployerFollowUp:
    """An employer whose contacts declared staff late in the month (issue #16: beside the landlords)."""

    employer_id: int
    name: str
    credit_code: str
    precinct_code: str
    late: tuple[StaffEvidence, ...]
    is_open: bool = True
    last_action: Art57Action | None = None


def employer_follow_up(session: Session, month: Month, *, precinct_ids: Sequence[int] | None = None,
                       tz: ZoneInfo = UTC, status: str | None = None) -> list[EmployerFollowUp]:
    """Employers with late staff declarations among the month's, most first; `status` as in `follow_up`."""
    start, end = month.bounds(tz)
    is_open = art57.employer_open(Employer.id)
    query = (select(Employer.id, Employer.name, Employer.credit_code, Precinct.code, StaffDeclaration.receipt,
                    Site.code, StaffDeclaration.start, StaffDeclaration.declared_at, is_open.label("is_open"))
             .select_from(StaffDeclaration).join(Employer, StaffDeclaration.employer_id == Employer.id)
             .join(Site, StaffDeclaration.site_id == Site.id).join(Precinct, Employer.precinct_id == Precinct.id)
             .where(StaffDeclaration.declared_at >= start, StaffDeclaration.declared_at < end,
                    StaffDeclaration.status != "cancelled", StaffDeclaration.late.is_(True))
             .order_by(StaffDeclaration.declared_at, StaffDeclaration.id))
    wanted = art57.status_clause(is_open, status)
    if wanted is not None:
        query = query.where(wanted)
    query = scoped(query, Employer.precinct_id, precinct_ids)
    lines: dict[int, dict] = {}
    for (employer_id, name, credit_code, precinct_code, receipt, site_code, start_day, declared_at,
         open_now) in session.execute(query):
        line = lines.setdefault(employer_id, {"head": (name, credit_code, precinct_code, bool(open_now)), "late": []})
        line["late"].append(StaffEvidence(receipt=receipt, site_code=site_code, start=start_day,
                                          declared_at=declared_at))
    last = art57.last_actions(session, employer_ids=list(lines))
    found = [EmployerFollowUp(employer_id=i, name=line["head"][0], credit_code=line["head"][1],
                              precinct_code=line["head"][2], late=tuple(line["late"]), is_open=line["head"][3],
                              last_action=last.get(("employer", i))) for i, line in lines.items()]
    return sorted(found, key=lambda f: (-len(f.late), f.name, f.employer_id))
