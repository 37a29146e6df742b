"""Figures kept so that no view counts twice: a closed month's snapshot, the month under way's count for a
few minutes, and the charts drawn from either; and the flush rule that forgets them when a change reaches
back into their month.

A closed month is counted once and read from `stats_month_snapshots` after that; the month under way is
counted at most every LIVE_TTL and the count shared by every process. A stored chart is found by a digest
of everything it was drawn from, so it can never be served for other figures: forgetting charts only
keeps the table small.

`forget_reached_months` is registered on every sessionmaker `store.db.make_sessionmaker` builds, so the
web app, `declgate worker` and every command keep the snapshots true to the tables alike.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from zoneinfo import ZoneInfo

from sqlalchemy import delete, inspect, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import PassiveFlag, Session, sessionmaker

from store.models import (Art57Action, Declaration, Employer, InboundMessage, Landlord, LiveFigures, MonthSnapshot,
                          Precinct, Property, StaffDeclaration, StoredChart, utcnow)
from store.stats.counting import (CHANNELS, PrecinctMonth, declared_properties, imported_figures, month_figures,
                                  precincts_by_code)
from store.stats.month import UTC, Month, is_closed
from store.upsert import insert_for

log = logging.getLogger(__name__)
# How old the month under way's figures may be when a page shows them (with the time they were counted).
LIVE_TTL = dt.timedelta(minutes=5)
# A page may show an older count, up to STALE_MAX, while it has the count taken again after its response.
STALE_MAX = dt.timedelta(hours=1)
# Charts of the month under way change as declarations arrive; older ones are dropped when a new one is kept.
OPEN_CHART_TTL = dt.timedelta(hours=1)
SNAPSHOT_COUNTS = ("new_declarations", "move_outs", "active_residents", "enrolled_landlords", "enrolled_properties",
                   "landlords_declaring", "late_declarations", "inbound_messages", "rejected_messages",
                   "declared_by_agents", "art57_actions", "art57_education", "art57_warnings", "art57_fines",
                   "art57_fine_yuan", "employers_enrolled", "staff_declared", "staff_active", "lodgers_active",
                   "late_staff_declarations", "verification_drawn", "verified", "verification_errors",
                   "declared_properties")


def _insert(session: Session):
    return insert_for(session.get_bind().dialect.name)


# ------------------------------------------------------------------------------------ reading figures

def figures(session: Session, month: Month, *, precinct_ids: Sequence[int] | None = None, tz: ZoneInfo = UTC,
            timing: bool = True, today: dt.date | None = None, now: dt.datetime | None = None,
            max_age: dt.timedelta = LIVE_TTL) -> list[PrecinctMonth]:
    """`month_figures`, read from the snapshot for a closed month (taken now where missing); for the month
    under way, every precinct's figures without timings (the ranking) come from a count at most `max_age` old.

    Taking a missing snapshot or recounting writes to `session`: commit it to keep them for the next view.
    """
    today = today or dt.datetime.now(tz).date()
    if not is_closed(month, today):
        if precinct_ids is None and not timing:
            return _live(session, month, tz, now or utcnow(), max_age)
        return month_figures(session, month, precinct_ids=precinct_ids, tz=tz, timing=timing)
    precincts = precincts_by_code(session, precinct_ids)
    ids = [p.id for p in precincts]
    stored = _snapshots(session, month, tz, ids)
    missing = [pid for pid in ids if pid not in stored]
    if missing:
        take_snapshot(session, month, tz=tz, precinct_ids=missing)
        stored.update(_snapshots(session, month, tz, missing))
    _count_declared_properties(session, month, tz, [row for row in stored.values() if row.declared_properties is None])
    imported = imported_figures(session, month, ids if precinct_ids is not None else None)
    return [_from_counts(p, month, stored[p.id], imported, timing=timing) for p in precincts]


def trend(session: Session, months: Sequence[Month], *, precinct_ids: Sequence[int] | None = None,
          tz: ZoneInfo = UTC) -> dict[str, list[PrecinctMonth]]:
    """Figures per precinct code over `months` (oldest first), for the trend charts; closed months from snapshots."""
    series: dict[str, list[PrecinctMonth]] = defaultdict(list)
    for month in months:
        for fig in figures(session, month, precinct_ids=precinct_ids, tz=tz, timing=False):
            series[fig.precinct_code].append(fig)
    return dict(series)


KEPT = frozenset((*SNAPSHOT_COUNTS, *CHANNELS, "rejections", "median_seconds_to_receipt"))  # what `_counts` keeps


def _counts(f: PrecinctMonth) -> dict:
    """The figures a snapshot (or the live figures' cache) keeps: all but estimates and case subjects."""
    return {**{name: getattr(f, name) for name in SNAPSHOT_COUNTS}, **dict(f.channels),
            "rejections": [list(r) for r in f.rejections], "median_seconds_to_receipt": f.median_seconds_to_receipt}


def _from_counts(p: Precinct, month: Month, counts, imported: dict, *, timing: bool,
                 as_of: dt.datetime | None = None) -> PrecinctMonth:
    """A precinct's figures from kept counts (a snapshot row or a dict of the live cache), estimates added."""
    get = counts.__getitem__ if isinstance(counts, dict) else lambda name: getattr(counts, name)
    return PrecinctMonth(
        precinct_id=p.id, precinct_code=p.code, precinct_name=p.name, month=str(month),
        **{name: get(name) for name in SNAPSHOT_COUNTS},
        channels=tuple((c, get(c)) for c in CHANNELS),
        rejections=tuple((code, n) for code, n in get("rejections")),
        median_seconds_to_receipt=get("median_seconds_to_receipt") if timing else None,
        as_of=as_of, **imported.get(p.id, {}))


# ------------------------------------------------------------------------------ closed months' snapshots

def take_snapshot(session: Session, month: Month, *, tz: ZoneInfo = UTC,
                  precinct_ids: Sequence[int] | None = None, replace: bool = False) -> int:
    """Store the month's live figures for every precinct (or `precinct_ids`); the caller commits.

    Without `replace`, a precinct already snapshotted (by a concurrent request, say) keeps its row.
    """
    live = month_figures(session, month, precinct_ids=precinct_ids, tz=tz, timing=True)
    if replace:
        session.execute(delete(MonthSnapshot).where(
            MonthSnapshot.month == str(month), MonthSnapshot.time_zone == tz.key,
            MonthSnapshot.precinct_id.in_([f.precinct_id for f in live])))
    rows = [{"month": str(month), "time_zone": tz.key, "precinct_id": f.precinct_id, "computed_at": utcnow(),
             **_counts(f)} for f in live]
    if rows:
        session.execute(_insert(session)(MonthSnapshot).values(rows).on_conflict_do_nothing(
            index_elements=["month", "time_zone", "precinct_id"]))
    return len(rows)


def _count_declared_properties(session: Session, month: Month, tz: ZoneInfo, rows: list[MonthSnapshot]) -> None:
    """Write the declared properties into snapshots taken before they kept them (migration 0030)."""
    if not rows:
        return
    counted = declared_properties(session, month, tz, [row.precinct_id for row in rows])
    for row in rows:
        row.declared_properties = counted.get(row.precinct_id, 0)


def _snapshots(session: Session, month: Month, tz: ZoneInfo, ids: Sequence[int]) -> dict[int, MonthSnapshot]:
    rows = session.scalars(select(MonthSnapshot).where(MonthSnapshot.month == str(month),
                                                       MonthSnapshot.time_zone == tz.key))
    wanted = set(ids)
    return {row.precinct_id: row for row in rows if row.precinct_id in wanted}


# ---------------------------------------------------------------------- the month under way's count

def _live(session: Session, month: Month, tz: ZoneInfo, now: dt.datetime,
          max_age: dt.timedelta) -> list[PrecinctMonth]:
    """Every precinct's figures for the month under way, recounted when the kept count is `max_age` old.

    Counting all precincts takes more than a second on a province's store; a page shows when it was
    counted. Estimates and case subjects are always read now. A precinct added since the count recounts, and
    so does a count kept by an earlier version that lacks a figure this one keeps (read as 0, a figure such
    as the declared properties would be wrong until the next count).
    """
    kept = load_live(session, str(month), tz.key, now, max_age)
    precincts = precincts_by_code(session, None)
    if kept is None or any(not KEPT <= kept.figures.get(str(p.id), {}).keys() for p in precincts):
        return recount_live(session, month, tz=tz, now=now)
    imported = imported_figures(session, month, None)
    return [_from_counts(p, month, kept.figures[str(p.id)], imported, timing=False, as_of=kept.computed_at)
            for p in precincts]


def recount_live(session: Session, month: Month, *, tz: ZoneInfo = UTC,
                 now: dt.datetime | None = None) -> list[PrecinctMonth]:
    """Count every precinct's month under way now and keep the count for the next views; the caller commits."""
    now = now or utcnow()
    live = month_figures(session, month, tz=tz, timing=False)
    save_live(session, str(month), tz.key, now, {str(f.precinct_id): _counts(f) for f in live})
    return [replace(f, as_of=now) for f in live]


def save_live(session: Session, month: str, time_zone: str, computed_at: dt.datetime, figures: dict) -> None:
    """Keep the month under way's figures, replacing older ones; the caller commits."""
    statement = _insert(session)(LiveFigures).values(month=month, time_zone=time_zone, computed_at=computed_at,
                                                     figures=figures)
    session.execute(statement.on_conflict_do_update(index_elements=["month", "time_zone"],
                                                    set_={"computed_at": computed_at, "figures": figures}))
    session.execute(delete(LiveFigures).where(LiveFigures.month < month, LiveFigures.time_zone == time_zone))


def load_live(session: Session, month: str, time_zone: str, now: dt.datetime,
              max_age: dt.timedelta = LIVE_TTL) -> LiveFigures | None:
    """The month's figures if they were counted less than `max_age` before `now`."""
    row = session.scalar(select(LiveFigures).where(LiveFigures.month == month, LiveFigures.time_zone == time_zone))
    return row if row is not None and now - max_age < row.computed_at <= now else None


# -------------------------------------------------------------------------------------- drawn charts

def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ChartStore:
    """Charts of one month read from and kept in the database, each in its own short transaction, so that
    drawing (a few hundred milliseconds) never holds a lock. A database error only means drawing again."""

    def __init__(self, sessions: sessionmaker[Session], month: str, *, closed: bool) -> None:
        self.sessions, self.month, self.closed = sessions, month, closed

    def load(self, key: str) -> str | None:
        try:
            with self.sessions() as session:
                return session.scalar(select(StoredChart.svg).where(StoredChart.digest == digest(key)))
        except SQLAlchemyError:
            log.warning("stored charts unreadable; drawing instead", exc_info=True)
            return None

    def save(self, key: str, svg: str) -> None:
        now = utcnow()
        expires = None if self.closed else now + OPEN_CHART_TTL
        try:
            with self.sessions.begin() as session:
                session.execute(delete(StoredChart).where(StoredChart.expires_at.is_not(None),
                                                          or_(StoredChart.expires_at < now,
                                                              StoredChart.month < self.month)))
                session.execute(_insert(session)(StoredChart).values(
                    digest=digest(key), month=self.month, svg=svg, created_at=now, expires_at=expires)
                    .on_conflict_do_nothing(index_elements=["digest"]))
        except SQLAlchemyError:
            log.warning("could not keep a drawn chart", exc_info=True)


# ------------------------------------------------------------------------------------------ forgetting

def forget(session: Session, first_month: str) -> None:
    """Drop the snapshots, the live figures and the charts of `first_month` and every later month."""
    session.execute(delete(MonthSnapshot).where(MonthSnapshot.month >= first_month))
    session.execute(delete(LiveFigures).where(LiveFigures.month >= first_month))
    session.execute(delete(StoredChart).where(StoredChart.month >= first_month))


# Attributes whose change can alter a figure, and the dates that say which months it reaches.
_FIGURE_FIELDS = {
    Declaration: ("declared_at", "move_in", "move_out", "status", "property_id", "late", "channel", "inbound_id",
                  "declarant_phone"),
    InboundMessage: ("received_at", "status", "codes", "review_reason", "precinct_id"),
    Landlord: ("created_at",),
    Property: ("landlord_id", "precinct_id"),
    Art57Action: ("action_date", "kind", "amount_yuan", "precinct_id"),
    StaffDeclaration: ("declared_at", "start", "end", "status", "lodger", "late", "person_id", "employer_id"),
    Employer: ("created_at", "precinct_id"),
}
_DATES = {Declaration: ("declared_at", "move_in", "move_out"), InboundMessage: ("received_at",),
          Landlord: ("created_at",), Art57Action: ("action_date",), StaffDeclaration: ("declared_at", "start", "end")}


def forget_reached_months(session: Session, _context, _instances) -> None:
    """Before a flush, forget what is kept of every closed month a pending change reaches back into.

    A change reaches back from the earliest date among the old and new values of its row (a move-out
    reported in April for 28 March changes March's residents; a property added to a landlord enrolled in
    January changes January's enrolled properties, so properties count from the beginning). Changes
    dated in a month that has not closed anywhere yet, like every new SMS declaration, cost nothing.
    A `before_flush` listener (see `store.db.make_sessionmaker`); Core statements bypass it.
    """
    earliest: dt.date | None = None
    for obj in session.new:  # a new row has only its current values: no history to walk (a batch adds hundreds)
        kind = type(obj)
        if kind is Property:
            earliest = dt.date(2000, 1, 1)
            break
        for name in _DATES.get(kind, ()):
            value = obj.__dict__.get(name)
            if value is not None:
                day = value.date() if isinstance(value, dt.datetime) else value
                earliest = day if earliest is None else min(earliest, day)
    # session.dirty walks the whole identity map each time it is read: once here, not once per row.
    dirty = session.dirty
    for obj in (*dirty, *session.deleted):
        fields = _FIGURE_FIELDS.get(type(obj))
        if fields is None:
            continue
        state = inspect(obj)
        # state.get_history, not state.attrs[name].history: `attrs` builds an entry for every attribute
        # of the row at each access, and a batch flushes hundreds of changed rows.
        if obj in dirty and not any(state.get_history(name, PassiveFlag.PASSIVE_NO_INITIALIZE).has_changes()
                                            for name in fields):
            continue
        if isinstance(obj, (Property, Employer)):  # its residents or staff move precinct, all months back
            earliest = dt.date(2000, 1, 1)
            break
        for name in _DATES[type(obj)]:
            history = state.get_history(name, PassiveFlag.PASSIVE_NO_INITIALIZE)
            for value in (*history.added, *history.unchanged, *history.deleted):
                if value is not None:
                    day = value.date() if isinstance(value, dt.datetime) else value
                    earliest = day if earliest is None else min(earliest, day)
    if earliest is None:
        return
    first = Month.of(earliest - dt.timedelta(days=1))  # dates are UTC or local: a day either side covers both
    if first.next.first_day > utcnow().date() + dt.timedelta(days=1):
        return  # no month from `first` on has ended in any time zone, so none has a snapshot
    forget(session, str(first))
