"""Verification (核实): which declarations officers check each month, and what they found.

The draw for a month takes, per station (the property's precinct), every clean declaration made in the
month that is not cancelled, and puts on the list:
- every one that needs a look anyway: an ID whose region code is not in the table (`region_unknown`), a
  person with no document (`no_document`), a backlog registration (`backlog`: moved in more than a year
  before declaring, or before the campaign began);
- of the rest, `percent` % (rounded up) chosen by a hash of month, station and declaration: the same
  declarations whatever order they are read in, and a re-run adds nothing twice (one item per declaration,
  kept unique by the database).
Staff declarations (employers' sites) are not drawn.

An officer marks an item `verified`, `corrected` (the register changed as found, audited) or `not_found`
(not there: a note says what was found; ending the declaration is the officer's explicit choice).
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
from store import audit, claims
from store.models import Declaration, Person, Property, VerificationDraw, VerificationItem, utcnow
from store.scope import Scope
from store.states import DeclarationStatus, VerificationMark, VerificationReason
from store.stats.month import UTC, Month
from store.stats.snapshots import forget
from store.upsert import insert_for

DEFAULT_PERCENT = 5
PER_PAGE = 50
NOTE_MAX = 500


class VerificationError(ValueError):
    """A mark that cannot be made as asked: `code` is a stable code (gateway/i18n/codes.py)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def reason_for(decl: Declaration, person: Person, campaign_start: dt.date | None, tz: ZoneInfo = UTC) -> str | None:
    """The kind of declaration always checked that `decl` is, or None for a clean one."""
    if person.document_type == "none":
        return VerificationReason.NO_DOCUMENT
    if person.document_type == "ric" and person.document_number and not ric_region_known(person.document_number):
        return VerificationReason.REGION_UNKNOWN
    declared_on = decl.declared_at.replace(tzinfo=UTC).astimezone(tz).date()
    if (declared_on - decl.move_in).days > MAX_AGE_DAYS or (campaign_start is not None
                                                            and decl.move_in < campaign_start):
        return VerificationReason.BACKLOG
    return None


def rank(month: Month, precinct_id: int, decl_id: int) -> str:
    """A declaration's place in its station's sample: the seed is month and station, so the order is fixed."""
    return hashlib.sha256(f"{month}:{precinct_id}:{decl_id}".encode()).hexdigest()


def sample(month: Month, precinct_id: int, clean: Sequence[int], percent: float) -> list[int]:
    """The `percent` % of a station's clean declarations (rounded up) with the lowest rank."""
    wanted = math.ceil(len(clean) * percent / 100) if percent > 0 else 0
    return sorted(clean, key=lambda decl_id: rank(month, precinct_id, decl_id))[:wanted]


def draw(session: Session, month: Month, *, percent: float = DEFAULT_PERCENT, campaign_start: dt.date | None = None,
         tz: ZoneInfo = UTC, progress: Callable[[int, int], None] | None = None) -> int:
    """Put the month's drawn declarations on the list; returns how many were added (0 on a re-run).
    The caller commits."""
    start, end = month.bounds(tz)
    rows = session.execute(
        select(Declaration, Person, Property.precinct_id).join(Person, Declaration.person_id == Person.id)
        .join(Property, Declaration.property_id == Property.id)
        .where(Declaration.declared_at >= start, Declaration.declared_at < end,
               Declaration.status != DeclarationStatus.CANCELLED)
        .order_by(Declaration.id)).all()
    chosen: dict[int, tuple[int, str]] = {}
    clean: dict[int, list[int]] = defaultdict(list)
    for n, (decl, person, precinct_id) in enumerate(rows, 1):
        reason = reason_for(decl, person, campaign_start, tz)
        if reason is None:
            clean[precinct_id].append(decl.id)
        else:
            chosen[decl.id] = (precinct_id, reason)
        if progress is not None and (n % 1000 == 0 or n == len(rows)):
            progress(n, len(rows))
    for precinct_id, ids in clean.items():
        for decl_id in sample(month, precinct_id, ids, percent):
            chosen[decl_id] = (precinct_id, VerificationReason.SAMPLE)
    now = utcnow()
    values = [{"declaration_id": decl_id, "precinct_id": pid, "month": str(month), "reason": str(reason),
               "drawn_at": now} for decl_id, (pid, reason) in sorted(chosen.items())]
    insert = insert_for(session.get_bind().dialect.name)
    added = 0
    for i in range(0, len(values), 500):
        added += len(session.execute(insert(VerificationItem).values(values[i:i + 500])
                                     .on_conflict_do_nothing(index_elements=["declaration_id"])
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
                                         joinedload(VerificationItem.declaration).joinedload(Declaration.property))
                           .order_by(VerificationItem.month, VerificationItem.id)
                           .offset((number - 1) * PER_PAGE).limit(PER_PAGE))
    return list(rows), total


def item(session: Session, scope: Scope, item_id: int) -> VerificationItem | None:
    """An item in scope, else None (the page answers 404): the station it was drawn for decides."""
    found = session.get(VerificationItem, item_id)
    return found if found is not None and scope.covers(found.precinct_id) else None


def mark(session: Session, officer_id: int, found: VerificationItem, mark_as: str, note: str, *,
         name: str | None = None, room: str | None = None, end_it: bool = False, today: dt.date | None = None) -> None:
    """Record an officer's finding, audited; the caller commits.

    `corrected` changes the register as found (name, room) and audits old and new; `not_found` leaves the
    declaration standing unless `end_it` (ended today, as a landlord's move-out would). A note is needed
    for both; an item already marked is not marked again.
    """
    if mark_as not in tuple(VerificationMark):
        raise VerificationError("verify_bad_mark")
    if found.mark is not None:
        raise VerificationError("verify_already_marked")
    note = (note or "").strip()[:NOTE_MAX]
    if mark_as != VerificationMark.VERIFIED and not note:
        raise VerificationError("verify_note_required")
    decl = found.declaration
    detail: dict = {"declaration": decl.id, "receipt": decl.receipt, "mark": mark_as, "note": note or None}
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
        claims.end_by_landlord(session, [decl], today or utcnow().date())
        detail["ended"] = True
    found.mark, found.note, found.officer_id, found.marked_at = mark_as, note or None, officer_id, utcnow()
    decl.updated_at = found.marked_at  # the export's `verification` changed: an incremental pull (--since) carries it
    audit.record(session, officer_id, "verification_mark", f"verification:{found.id}", **detail)
    _forget_figures(session, found.month)


def _forget_figures(session: Session, month: str) -> None:
    """A draw or a mark changes the month's verification figures: its kept figures are counted again."""
    forget(session, month)

