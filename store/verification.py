"""Verification (核实): which declarations officers check each month, and what they found.

The draw for a month takes, per station, every declaration made in the month that is not cancelled: tenants'
declarations (the station is the property's precinct) and employers' staff declarations (staff and lodgers: the
station is the employer's precinct, wherever the site is, as Scope.staff has it). It puts on the list:
- every one that needs a look anyway: an ID whose region code is not in the table (`region_unknown`), a
  person with no document (`no_document`), a backlog registration (`backlog`: moved in, or started working,
  more than a year before declaring, or before the campaign began);
- of the rest, `percent` % (rounded up) chosen by a hash of month, station and declaration: the same
  declarations whatever order they are read in, and a re-run adds nothing twice (one item per declaration and
  one per staff declaration, kept unique by the database). Tenants and staff are sampled apart, each
  `percent` % of the station's clean ones of their kind: a station with many tenants still has its staff
  checked, and the tenants' sample is the one it was before staff were drawn.

An officer marks an item `verified`, `corrected` (the register changed as found, audited) or `not_found`
(not there: a note says what was found; ending the declaration is the officer's explicit choice — a tenant's as
a landlord's move-out would, a staff member's as the employer's 离职 would).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from parsers.dates import MAX_AGE_DAYS
from parsers.documents import ric_region_known
from store import audit, claims, staff
from store.models import (Declaration, Employer, Person, Property, StaffDeclaration, VerificationDraw,
                          VerificationItem, utcnow)
from store.scope import Scope
from store.states import DeclarationStatus, VerificationMark, VerificationReason
from store.stats.month import UTC, Month
from store.stats.snapshots import forget
from store.upsert import insert_for

DEFAULT_PERCENT = 5
PER_PAGE = 50
NOTE_MAX = 500
TENANT, STAFF = "tenant", "staff"  # the two kinds of declaration drawn, each sampled apart


class VerificationError(ValueError):
    """A mark that cannot be made as asked: `code` is a stable code (gateway/i18n/codes.py)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def reason_for(decl: Declaration | StaffDeclaration, person: Person, campaign_start: dt.date | None,
               tz: ZoneInfo = UTC) -> str | None:
    """The kind of declaration always checked that `decl` (a tenant's or a staff declaration) is, or None for a
    clean one. A staff member's start at the employer counts as a tenant's move-in does."""
    if person.document_type == "none":
        return VerificationReason.NO_DOCUMENT
    if person.document_type == "ric" and person.document_number and not ric_region_known(person.document_number):
        return VerificationReason.REGION_UNKNOWN
    since = decl.start if isinstance(decl, StaffDeclaration) else decl.move_in
    declared_on = decl.declared_at.replace(tzinfo=UTC).astimezone(tz).date()
    if (declared_on - since).days > MAX_AGE_DAYS or (campaign_start is not None and since < campaign_start):
        return VerificationReason.BACKLOG
    return None


def rank(month: Month, precinct_id: int, decl_id: int, kind: str = TENANT) -> str:
    """A declaration's place in its station's sample: the seed is month and station, so the order is fixed.
    A tenant's key is the one used before staff were drawn, so a re-run over an old month adds nothing."""
    key = f"{month}:{precinct_id}:{decl_id}" if kind == TENANT else f"{month}:{precinct_id}:{kind}:{decl_id}"
    return hashlib.sha256(key.encode()).hexdigest()


def sample(month: Month, precinct_id: int, clean: Sequence[int], percent: float, kind: str = TENANT) -> list[int]:
    """The `percent` % of a station's clean declarations of one kind (rounded up) with the lowest rank."""
    wanted = math.ceil(len(clean) * percent / 100) if percent > 0 else 0
    return sorted(clean, key=lambda decl_id: rank(month, precinct_id, decl_id, kind))[:wanted]


def draw(session: Session, month: Month, *, percent: float = DEFAULT_PERCENT, campaign_start: dt.date | None = None,
         tz: ZoneInfo = UTC, progress: Callable[[int, int], None] | None = None) -> int:
    """Put the month's drawn declarations and staff declarations on the list; returns how many were added (0 on a
    re-run). `progress` hears (read, of total) over both kinds. The caller commits."""
    start, end = month.bounds(tz)
    tenants = session.execute(
        select(Declaration, Person, Property.precinct_id).join(Person, Declaration.person_id == Person.id)
        .join(Property, Declaration.property_id == Property.id)
        .where(Declaration.declared_at >= start, Declaration.declared_at < end,
               Declaration.status != DeclarationStatus.CANCELLED)
        .order_by(Declaration.id)).all()
    staffed = session.execute(
        select(StaffDeclaration, Person, Employer.precinct_id).join(Person, StaffDeclaration.person_id == Person.id)
        .join(Employer, StaffDeclaration.employer_id == Employer.id)
        .where(StaffDeclaration.declared_at >= start, StaffDeclaration.declared_at < end,
               StaffDeclaration.status != DeclarationStatus.CANCELLED)
        .order_by(StaffDeclaration.id)).all()
    total, read = len(tenants) + len(staffed), 0
    chosen: dict[str, dict[int, tuple[int, str]]] = {TENANT: {}, STAFF: {}}
    clean: dict[tuple[str, int], list[int]] = defaultdict(list)
    for kind, rows in ((TENANT, tenants), (STAFF, staffed)):
        for decl, person, precinct_id in rows:
            reason = reason_for(decl, person, campaign_start, tz)
            if reason is None:
                clean[(kind, precinct_id)].append(decl.id)
            else:
                chosen[kind][decl.id] = (precinct_id, reason)
            read += 1
            if progress is not None and (read % 1000 == 0 or read == total):
                progress(read, total)
    for (kind, precinct_id), ids in clean.items():
        for decl_id in sample(month, precinct_id, ids, percent, kind):
            chosen[kind][decl_id] = (precinct_id, VerificationReason.SAMPLE)
    now = utcnow()
    insert = insert_for(session.get_bind().dialect.name)
    added = 0
    for kind, column in ((TENANT, "declaration_id"), (STAFF, "staff_declaration_id")):
        values = [{column: decl_id, "precinct_id": pid, "month": str(month), "reason": str(reason), "drawn_at": now}
                  for decl_id, (pid, reason) in sorted(chosen[kind].items())]
        for i in range(0, len(values), 500):
            added += len(session.execute(insert(VerificationItem).values(values[i:i + 500])
                                         .on_conflict_do_nothing(index_elements=[column])
                                         .returning(VerificationItem.id)).all())
    session.execute(insert(VerificationDraw).values(month=str(month), drawn_at=now)
                    .on_conflict_do_nothing(index_elements=["month"]))
    if added:
        _forget_figures(session, str(month))
    return added


def drawn(session: Session, month: Month) -> bool:
    return session.get(VerificationDraw, str(month)) is not None


def page(session: Session, scope: Scope, *, month: str | None = None, precinct_id: int | None = None,
         done: bool = False, number: int = 1) -> tuple[list[VerificationItem], int]:
    """One page of the list in scope: open items (or those marked, with `done`), oldest month first."""
    query = select(VerificationItem).where(VerificationItem.mark.is_not(None) if done
                                           else VerificationItem.mark.is_(None))
    if not scope.all_precincts:
        query = query.where(VerificationItem.precinct_id.in_(scope.ids))
    if month:
        query = query.where(VerificationItem.month == month)
    if precinct_id is not None:
        query = query.where(VerificationItem.precinct_id == precinct_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.options(joinedload(VerificationItem.declaration).joinedload(Declaration.person),
                                         joinedload(VerificationItem.declaration).joinedload(Declaration.property),
                                         joinedload(VerificationItem.staff_declaration)
                                         .joinedload(StaffDeclaration.person),
                                         joinedload(VerificationItem.staff_declaration)
                                         .joinedload(StaffDeclaration.site),
                                         joinedload(VerificationItem.staff_declaration)
                                         .joinedload(StaffDeclaration.employer))
                           .order_by(VerificationItem.month, VerificationItem.id)
                           .offset((number - 1) * PER_PAGE).limit(PER_PAGE))
    return list(rows), total


def item(session: Session, scope: Scope, item_id: int) -> VerificationItem | None:
    """An item in scope, else None (the page answers 404): the station it was drawn for decides, for a tenant's
    item and a staff item alike."""
    found = session.get(VerificationItem, item_id)
    return found if found is not None and scope.covers(found.precinct_id) else None


def mark(session: Session, officer_id: int, found: VerificationItem, mark_as: str, note: str, *,
         name: str | None = None, room: str | None = None, end_it: bool = False, today: dt.date | None = None) -> None:
    """Record an officer's finding, audited; the caller commits.

    `corrected` changes the register as found (name, room) and audits old and new; `not_found` leaves the
    declaration standing unless `end_it` (ended today, as a landlord's move-out would, or for a staff item as the
    employer's 离职 would). A note is needed for both; an item already marked is not marked again.
    """
    if mark_as not in tuple(VerificationMark):
        raise VerificationError("verify_bad_mark")
    if found.mark is not None:
        raise VerificationError("verify_already_marked")
    note = (note or "").strip()[:NOTE_MAX]
    if mark_as != VerificationMark.VERIFIED and not note:
        raise VerificationError("verify_note_required")
    decl = found.subject
    detail: dict = {"staff" if found.staff else "declaration": decl.id, "receipt": decl.receipt, "mark": mark_as,
                    "note": note or None}
    if mark_as == VerificationMark.CORRECTED:
        changes = {}
        new_name, new_room = (name or "").strip()[:200], (room or "").strip()[:32]
        if new_name and new_name != (decl.person.name or ""):
            changes["name"] = [decl.person.name, new_name]
            decl.person.name = new_name
        if new_room and new_room != (decl.room or ""):
            changes["room"] = [decl.room, new_room]
            decl.room = new_room
        if not changes:
            raise VerificationError("verify_no_change")
        detail["changes"] = changes
    if mark_as == VerificationMark.NOT_FOUND and end_it:
        if decl.status != DeclarationStatus.ACTIVE:
            raise VerificationError("verify_not_active")
        if found.staff:
            staff.end([decl], today or utcnow().date())
        else:
            claims.end_by_landlord(session, [decl], today or utcnow().date())
        detail["ended"] = True
    found.mark, found.note, found.officer_id, found.marked_at = mark_as, note or None, officer_id, utcnow()
    decl.updated_at = found.marked_at  # the export's `verification` changed: an incremental pull (--since) carries it
    audit.record(session, officer_id, "verification_mark", f"verification:{found.id}", **detail)
    _forget_figures(session, found.month)


def _forget_figures(session: Session, month: str) -> None:
    """A draw or a mark changes the month's verification figures: its kept figures are counted again."""
    forget(session, month)

