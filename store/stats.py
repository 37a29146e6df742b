"""Campaign statistics: the monthly figures per precinct, the bulletin ranking, the follow-up lists,
and the two imports they need (survey estimates, case subjects).

Every query groups by precinct in the database, so the bulletin for all precincts costs the same
handful of statements as one precinct's page. Months are calendar months in the gateway's time
zone; timestamps are stored as naive UTC, dates (move-in, move-out, case date) as local dates.

Definitions (the bulletin's footnotes repeat them):
- a declaration's precinct is its property's precinct;
- new declarations: declared in the month, not cancelled (withdrawn by mistake);
- move-outs: ended or superseded with a move-out date in the month;
- active residents: declarations in force on the month's last day (moved in by then, not moved out,
  declared before the month ended, status active/ended/superseded — cancelled, pending-review and
  disputed ones are not registrations). `register` keeps a person in one place at a time, so this
  counts people;
- enrolled landlords/properties: enrolled before the month ended (a property dates from its landlord);
- landlords declaring: enrolled landlords with at least one declaration up to the month's end;
- rejections: inbound messages of the month attributed to the precinct and rejected, by code;
- coverage: active residents ÷ estimated floating population; housing coverage: enrolled properties ÷
  estimated rental units;
- pre-case rate: case subjects with a case date in the month who had a declaration declared before
  that date (and moving in no later than it), ÷ all case subjects of the month.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import ClassVar
from zoneinfo import ZoneInfo

from sqlalchemy import (JSON, DateTime, Float, ForeignKey, Integer, String, UniqueConstraint, and_, case, delete,
                        event, exists, func, inspect, or_, select, text)
from sqlalchemy.orm import Mapped, Session, mapped_column

from parsers.documents import check_ric, convert_legacy_ric
from store import stats_cache
from store.db import insert_for
from store.sealed import document_hash as document_hash_of
from store.models import (Base, CaseSubject, Declaration, InboundMessage, Landlord, Person, Precinct, Property,
                          SurveyEstimate, utc_midnight, utcnow)

UTC = ZoneInfo("UTC")
COVERAGE_TARGET = 0.80
PRE_CASE_TARGET = 0.60
CHANNELS = ("sms", "voice", "officer")
RESIDENT_STATUSES = ("active", "ended", "superseded")
DOCUMENT_TYPES = ("ric", "passport", "hkmo_permit", "tw_permit")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
# Written as literals, not bound parameters, so PostgreSQL can match the partial indexes of migration
# 0004_stats_snapshots even when psycopg prepares the statement (a generic plan proves nothing about $1).
# Parenthesised: a text clause is pasted into the WHERE as is, next to ANDs.
MOVED_OUT = text("(declarations.status IN ('ended', 'superseded'))")
TO_FOLLOW_UP = text("(declarations.late OR (declarations.channel = 'voice' AND declarations.landlord_response IS NULL"
                    " AND declarations.status IN ('active', 'pending_review')))")


# ---------------------------------------------------------------------------------------------- months

@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    # The campaign's calendar: a month outside it is refused, so pages and reports can step
    # a year and more either side without leaving the dates Python and the databases hold.
    EARLIEST: ClassVar[str] = "2000-01"
    LATEST: ClassVar[str] = "2999-12"

    @classmethod
    def parse(cls, text: str) -> Month:
        """`YYYY-MM` to a Month; ValueError with a readable message otherwise."""
        m = _MONTH.fullmatch(text.strip())
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise ValueError(f"month {text!r} must be written YYYY-MM, e.g. 2026-03")
        if not cls.EARLIEST <= m.group() <= cls.LATEST:
            raise ValueError(f"month {text!r} must be a YYYY-MM from {cls.EARLIEST} to {cls.LATEST}")
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def of(cls, day: dt.date) -> Month:
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    @property
    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    @property
    def last_day(self) -> dt.date:
        return self.next.first_day - dt.timedelta(days=1)

    def bounds(self, tz: ZoneInfo = UTC) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) of the month in the gateway's zone, as the naive UTC the tables store."""
        return utc_midnight(self.first_day, tz), utc_midnight(self.next.first_day, tz)

    def back(self, count: int) -> list[Month]:
        """The `count` months ending with this one, oldest first."""
        months = [self]
        while len(months) < count:
            months.append(months[-1].previous)
        return months[::-1]


# --------------------------------------------------------------------------------------------- figures

@dataclass(frozen=True)
class PrecinctMonth:
    """Everything the bulletin and the precinct page say about one precinct in one month."""

    precinct_id: int
    precinct_code: str
    precinct_name: str
    month: str
    new_declarations: int = 0
    move_outs: int = 0
    active_residents: int = 0
    enrolled_landlords: int = 0
    enrolled_properties: int = 0
    landlords_declaring: int = 0
    late_declarations: int = 0
    channels: tuple[tuple[str, int], ...] = tuple((c, 0) for c in CHANNELS)
    inbound_messages: int = 0
    rejected_messages: int = 0
    rejections: tuple[tuple[str, int], ...] = ()  # (code, messages), most frequent first
    median_seconds_to_receipt: float | None = None
    estimated_population: int | None = None
    estimated_rental_units: int | None = None
    case_subjects: int = 0
    case_subjects_declared: int = 0
    # When the figures of a month under way were counted (naive UTC); None when counted for this view or
    # read from a closed month's snapshot. Not part of the figures: equal figures are equal whenever counted.
    as_of: dt.datetime | None = field(default=None, compare=False, repr=False)

    @property
    def late_share(self) -> float | None:
        return _ratio(self.late_declarations, self.new_declarations)

    @property
    def coverage(self) -> float | None:
        return _ratio(self.active_residents, self.estimated_population)

    @property
    def housing_coverage(self) -> float | None:
        return _ratio(self.enrolled_properties, self.estimated_rental_units)

    @property
    def pre_case_rate(self) -> float | None:
        return _ratio(self.case_subjects_declared, self.case_subjects)

    @property
    def rejection_rate(self) -> float | None:
        return _ratio(self.rejected_messages, self.inbound_messages)

    def rejection_rates(self) -> list[tuple[str, int, float]]:
        """(code, rejected messages with it, share of all inbound messages), most frequent first."""
        return [(code, n, n / self.inbound_messages) for code, n in self.rejections if self.inbound_messages]

    def channel(self, name: str) -> int:
        return dict(self.channels).get(name, 0)


def _ratio(part: int, whole: int | None) -> float | None:
    return part / whole if whole else None


def _precincts(session: Session, precinct_ids: Sequence[int] | None) -> list[Precinct]:
    query = select(Precinct).order_by(Precinct.code)
    if precinct_ids is not None:
        query = query.where(Precinct.id.in_(list(precinct_ids)))
    return list(session.scalars(query))


def _scoped(query, column, precinct_ids: Sequence[int] | None):
    return query if precinct_ids is None else query.where(column.in_(list(precinct_ids)))


def month_figures(session: Session, month: Month, *, precinct_ids: Sequence[int] | None = None,
                  tz: ZoneInfo = UTC, timing: bool = True) -> list[PrecinctMonth]:
    """The month's figures for every precinct (or only `precinct_ids`), by precinct code."""
    precincts = _precincts(session, precinct_ids)
    ids = [p.id for p in precincts] if precinct_ids is not None else None
    start, end = month.bounds(tz)
    values: dict[int, dict] = {p.id: {} for p in precincts}

    def put(rows, *names):
        for row in rows:
            if row[0] in values:
                values[row[0]].update(zip(names, row[1:]))

    not_cancelled = Declaration.status != "cancelled"
    in_month = and_(Declaration.declared_at >= start, Declaration.declared_at < end, not_cancelled)
    flag = lambda cond: func.coalesce(func.sum(case((cond, 1), else_=0)), 0)  # noqa: E731
    put(session.execute(_scoped(
        select(Property.precinct_id, func.count(), flag(Declaration.late.is_(True)),
               *(flag(Declaration.channel == c) for c in CHANNELS))
        .select_from(Declaration).join(Property, Declaration.property_id == Property.id).where(in_month)
        .group_by(Property.precinct_id), Property.precinct_id, ids)),
        "new_declarations", "late_declarations", *CHANNELS)
    put(session.execute(_scoped(
        select(Property.precinct_id, func.count())
        .select_from(Declaration).join(Property, Declaration.property_id == Property.id)
        .where(Declaration.move_out >= month.first_day, Declaration.move_out < month.next.first_day, MOVED_OUT)
        .group_by(Property.precinct_id), Property.precinct_id, ids)), "move_outs")
    put(_active_rows(session, month, tz, ids), "active_residents")
    put(session.execute(_scoped(
        select(Property.precinct_id, func.count(Property.id), func.count(func.distinct(Property.landlord_id)))
        .join(Landlord, Property.landlord_id == Landlord.id).where(Landlord.created_at < end)
        .group_by(Property.precinct_id), Property.precinct_id, ids)), "enrolled_properties", "enrolled_landlords")
    put(session.execute(_scoped(
        select(Property.precinct_id, func.count(func.distinct(Property.landlord_id)))
        .join(Landlord, Property.landlord_id == Landlord.id)
        .where(Landlord.created_at < end,
               exists().where(Declaration.property_id == Property.id, Declaration.declared_at < end, not_cancelled))
        .group_by(Property.precinct_id), Property.precinct_id, ids)), "landlords_declaring")
    put(session.execute(_scoped(
        select(InboundMessage.precinct_id, func.count(), flag(InboundMessage.status == "rejected"))
        .where(InboundMessage.received_at >= start, InboundMessage.received_at < end,
               InboundMessage.precinct_id.is_not(None))
        .group_by(InboundMessage.precinct_id), InboundMessage.precinct_id, ids)),
        "inbound_messages", "rejected_messages")
    for precinct_id, mix in _rejections(session, start, end, ids).items():
        if precinct_id in values:
            values[precinct_id]["rejections"] = tuple(mix.most_common())
    if timing:
        for precinct_id, median in _median_to_receipt(session, in_month, ids).items():
            if precinct_id in values:
                values[precinct_id]["median_seconds_to_receipt"] = median
    for precinct_id, extra in _imported(session, month, ids).items():
        if precinct_id in values:
            values[precinct_id].update(extra)

    figures = []
    for p in precincts:
        v = values[p.id]
        channels = tuple((c, int(v.pop(c, 0) or 0)) for c in CHANNELS)
        figures.append(PrecinctMonth(precinct_id=p.id, precinct_code=p.code, precinct_name=p.name,
                                     month=str(month), channels=channels,
                                     **{k: (int(x) if isinstance(x, (int, float)) and k != "median_seconds_to_receipt"
                                            else x) for k, x in v.items()}))
    return figures


def _imported(session: Session, month: Month, ids) -> dict[int, dict]:
    """The month's survey estimates and case subjects per precinct: imported after the month, so never snapshotted."""
    flag = func.coalesce(func.sum(case((CaseSubject.declared_before.is_(True), 1), else_=0)), 0)
    out: dict[int, dict] = defaultdict(dict)
    for pid, population, units in session.execute(_scoped(
            select(SurveyEstimate.precinct_id, SurveyEstimate.floating_population, SurveyEstimate.rental_units)
            .where(SurveyEstimate.month == str(month)), SurveyEstimate.precinct_id, ids)):
        out[pid].update(estimated_population=population, estimated_rental_units=units)
    for pid, subjects, declared in session.execute(_scoped(
            select(CaseSubject.precinct_id, func.count(), flag)
            .where(CaseSubject.case_date >= month.first_day, CaseSubject.case_date < month.next.first_day)
            .group_by(CaseSubject.precinct_id), CaseSubject.precinct_id, ids)):
        out[pid].update(case_subjects=int(subjects), case_subjects_declared=int(declared))
    return out


def _active_rows(session: Session, month: Month, tz: ZoneInfo, ids):
    _, end = month.bounds(tz)
    last = month.last_day
    return session.execute(_scoped(
        select(Property.precinct_id, func.count())
        .select_from(Declaration).join(Property, Declaration.property_id == Property.id)
        .where(Declaration.move_in <= last, or_(Declaration.move_out.is_(None), Declaration.move_out > last),
               Declaration.declared_at < end, Declaration.status.in_(RESIDENT_STATUSES))
        .group_by(Property.precinct_id), Property.precinct_id, ids))


def _rejections(session: Session, start: dt.datetime, end: dt.datetime, ids) -> dict[int, Counter]:
    """Rejected messages per code; a message counts once per code, `job_failed:X` counts as `job_failed`."""
    mix: dict[int, Counter] = defaultdict(Counter)
    rows = session.execute(_scoped(
        select(InboundMessage.precinct_id, InboundMessage.codes, InboundMessage.review_reason)
        .where(InboundMessage.received_at >= start, InboundMessage.received_at < end,
               InboundMessage.status == "rejected", InboundMessage.precinct_id.is_not(None)),
        InboundMessage.precinct_id, ids))
    for precinct_id, codes, reason in rows:
        found = [c.split(":", 1)[0] for c in (codes or [])] or [reason or "unknown"]
        mix[precinct_id].update(dict.fromkeys(found, 1))
    return mix


def _median_to_receipt(session: Session, in_month, ids) -> dict[int, float]:
    """Median seconds from the message arriving to the declaration's receipt, per precinct."""
    base = (select(Property.precinct_id).select_from(Declaration).join(Property, Declaration.property_id == Property.id)
            .join(InboundMessage, Declaration.inbound_id == InboundMessage.id).where(in_month))
    if session.get_bind().dialect.name == "postgresql":
        seconds = func.extract("epoch", Declaration.declared_at - InboundMessage.received_at)
        query = base.add_columns(func.percentile_cont(0.5).within_group(seconds)).group_by(Property.precinct_id)
        return {pid: float(m) for pid, m in session.execute(_scoped(query, Property.precinct_id, ids))}
    spans: dict[int, list[float]] = defaultdict(list)
    query = base.add_columns(Declaration.declared_at, InboundMessage.received_at)
    for pid, declared, received in session.execute(_scoped(query, Property.precinct_id, ids)):
        spans[pid].append((declared - received).total_seconds())
    return {pid: statistics.median(values) for pid, values in spans.items()}


def trend(session: Session, months: Sequence[Month], *, precinct_ids: Sequence[int] | None = None,
          tz: ZoneInfo = UTC) -> dict[str, list[PrecinctMonth]]:
    """Figures per precinct code over `months` (oldest first), for the trend charts; closed months from snapshots."""
    series: dict[str, list[PrecinctMonth]] = defaultdict(list)
    for month in months:
        for fig in figures(session, month, precinct_ids=precinct_ids, tz=tz, timing=False):
            series[fig.precinct_code].append(fig)
    return dict(series)


# ------------------------------------------------------------------------------------------- snapshots

class MonthSnapshot(Base):
    """A closed month's figures for one precinct, exactly as `month_figures` computed them when it was taken.

    Estimates and case subjects are not kept: they are imported after the month and always read live. A
    change to a declaration, message, property or landlord that reaches back into a closed month deletes
    that month's snapshots and every later one (`_forget_snapshots`), so the next view recomputes them.
    It lives here rather than in store.models because the figures it stores are defined in this module.
    """

    __tablename__ = "stats_month_snapshots"
    __table_args__ = (UniqueConstraint("month", "time_zone", "precinct_id", name="uq_stats_month_snapshots_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    time_zone: Mapped[str] = mapped_column(String(64))  # months start at local midnight
    precinct_id: Mapped[int] = mapped_column(ForeignKey("precincts.id"))
    new_declarations: Mapped[int] = mapped_column(Integer)
    move_outs: Mapped[int] = mapped_column(Integer)
    active_residents: Mapped[int] = mapped_column(Integer)
    enrolled_landlords: Mapped[int] = mapped_column(Integer)
    enrolled_properties: Mapped[int] = mapped_column(Integer)
    landlords_declaring: Mapped[int] = mapped_column(Integer)
    late_declarations: Mapped[int] = mapped_column(Integer)
    sms: Mapped[int] = mapped_column(Integer)
    voice: Mapped[int] = mapped_column(Integer)
    officer: Mapped[int] = mapped_column(Integer)
    inbound_messages: Mapped[int] = mapped_column(Integer)
    rejected_messages: Mapped[int] = mapped_column(Integer)
    rejections: Mapped[list] = mapped_column(JSON)  # [[code, messages], ...] most frequent first
    median_seconds_to_receipt: Mapped[float | None] = mapped_column(Float)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


SNAPSHOT_COUNTS = ("new_declarations", "move_outs", "active_residents", "enrolled_landlords", "enrolled_properties",
                   "landlords_declaring", "late_declarations", "inbound_messages", "rejected_messages")


def is_closed(month: Month, today: dt.date) -> bool:
    """A month is closed once the next one has begun (in the deployment's zone)."""
    return month.next.first_day <= today


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
        insert = insert_for(session.get_bind().dialect.name)
        session.execute(insert(MonthSnapshot).values(rows).on_conflict_do_nothing(
            index_elements=["month", "time_zone", "precinct_id"]))
    return len(rows)


def _counts(f: PrecinctMonth) -> dict:
    """The figures a snapshot (or the live figures' cache) keeps: all but estimates and case subjects."""
    return {**{name: getattr(f, name) for name in SNAPSHOT_COUNTS}, **dict(f.channels),
            "rejections": [list(r) for r in f.rejections], "median_seconds_to_receipt": f.median_seconds_to_receipt}


def _from_counts(p: Precinct, month: Month, counts, imported: dict, *, timing: bool,
                 as_of: dt.datetime | None = None) -> PrecinctMonth:
    """A precinct's figures from kept counts (a snapshot row or a dict of the live cache), estimates added."""
    get = counts.get if isinstance(counts, dict) else lambda name: getattr(counts, name)
    return PrecinctMonth(
        precinct_id=p.id, precinct_code=p.code, precinct_name=p.name, month=str(month),
        **{name: get(name) for name in SNAPSHOT_COUNTS},
        channels=tuple((c, get(c)) for c in CHANNELS),
        rejections=tuple((code, n) for code, n in get("rejections")),
        median_seconds_to_receipt=get("median_seconds_to_receipt") if timing else None,
        as_of=as_of, **imported.get(p.id, {}))


def figures(session: Session, month: Month, *, precinct_ids: Sequence[int] | None = None, tz: ZoneInfo = UTC,
            timing: bool = True, today: dt.date | None = None, now: dt.datetime | None = None,
            max_age: dt.timedelta = stats_cache.LIVE_TTL) -> list[PrecinctMonth]:
    """`month_figures`, read from the snapshot for a closed month (taken now where missing); for the month
    under way, every precinct's figures without timings (the ranking) come from a count at most `max_age` old.

    Taking a missing snapshot or recounting writes to `session`: commit it to keep them for the next view.
    """
    today = today or dt.datetime.now(tz).date()
    if not is_closed(month, today):
        if precinct_ids is None and not timing:
            return _live(session, month, tz, now or utcnow(), max_age)
        return month_figures(session, month, precinct_ids=precinct_ids, tz=tz, timing=timing)
    precincts = _precincts(session, precinct_ids)
    ids = [p.id for p in precincts]
    stored = _snapshots(session, month, tz, ids)
    missing = [pid for pid in ids if pid not in stored]
    if missing:
        take_snapshot(session, month, tz=tz, precinct_ids=missing)
        stored.update(_snapshots(session, month, tz, missing))
    imported = _imported(session, month, ids if precinct_ids is not None else None)
    return [_from_counts(p, month, stored[p.id], imported, timing=timing) for p in precincts]


def _live(session: Session, month: Month, tz: ZoneInfo, now: dt.datetime,
          max_age: dt.timedelta) -> list[PrecinctMonth]:
    """Every precinct's figures for the month under way, recounted when the kept count is `max_age` old.

    Counting all precincts takes more than a second on a province's store; a page shows when it was
    counted. Estimates and case subjects are always read now. A precinct added since the count recounts.
    """
    kept = stats_cache.load_live(session, str(month), tz.key, now, max_age)
    precincts = _precincts(session, None)
    if kept is None or any(str(p.id) not in kept.figures for p in precincts):
        return recount_live(session, month, tz=tz, now=now)
    imported = _imported(session, month, None)
    return [_from_counts(p, month, kept.figures[str(p.id)], imported, timing=False, as_of=kept.computed_at)
            for p in precincts]


def recount_live(session: Session, month: Month, *, tz: ZoneInfo = UTC,
                 now: dt.datetime | None = None) -> list[PrecinctMonth]:
    """Count every precinct's month under way now and keep the count for the next views; the caller commits."""
    now = now or utcnow()
    live = month_figures(session, month, tz=tz, timing=False)
    stats_cache.save_live(session, str(month), tz.key, now, {str(f.precinct_id): _counts(f) for f in live})
    return [replace(f, as_of=now) for f in live]


def _snapshots(session: Session, month: Month, tz: ZoneInfo, ids: Sequence[int]) -> dict[int, MonthSnapshot]:
    rows = session.scalars(select(MonthSnapshot).where(MonthSnapshot.month == str(month),
                                                       MonthSnapshot.time_zone == tz.key))
    wanted = set(ids)
    return {row.precinct_id: row for row in rows if row.precinct_id in wanted}


# Attributes whose change can alter a figure, and the dates that say which months it reaches.
_FIGURE_FIELDS = {
    Declaration: ("declared_at", "move_in", "move_out", "status", "property_id", "late", "channel", "inbound_id"),
    InboundMessage: ("received_at", "status", "codes", "review_reason", "precinct_id"),
    Landlord: ("created_at",),
    Property: ("landlord_id", "precinct_id"),
}
_DATES = {Declaration: ("declared_at", "move_in", "move_out"), InboundMessage: ("received_at",),
          Landlord: ("created_at",)}


@event.listens_for(Session, "before_flush")
def _forget_snapshots(session: Session, _context, _instances) -> None:
    """Delete the snapshots of every closed month a pending change reaches back into.

    A change reaches back from the earliest date among the old and new values of its row (a move-out
    reported in April for 28 March changes March's residents; a property added to a landlord enrolled in
    January changes January's enrolled properties, so properties count from the beginning). Changes
    dated in a month that has not closed anywhere yet, like every new SMS declaration, cost nothing.
    """
    earliest: dt.date | None = None
    for obj in (*session.new, *session.dirty, *session.deleted):
        fields = _FIGURE_FIELDS.get(type(obj))
        if fields is None:
            continue
        state = inspect(obj)
        histories = [state.attrs[name].history for name in fields]
        if obj in session.dirty and not any(h.has_changes() for h in histories):
            continue
        if isinstance(obj, Property):
            earliest = dt.date(2000, 1, 1)
            break
        for name in _DATES[type(obj)]:
            history = state.attrs[name].history
            for value in (*history.added, *history.unchanged, *history.deleted):
                if value is not None:
                    day = value.date() if isinstance(value, dt.datetime) else value
                    earliest = day if earliest is None else min(earliest, day)
    if earliest is None:
        return
    first = Month.of(earliest - dt.timedelta(days=1))  # dates are UTC or local: a day either side covers both
    if first.next.first_day > utcnow().date() + dt.timedelta(days=1):
        return  # no month from `first` on has ended in any time zone, so none has a snapshot
    session.execute(delete(MonthSnapshot).where(MonthSnapshot.month >= str(first)))
    stats_cache.forget(session, str(first))


# --------------------------------------------------------------------------------------------- ranking

@dataclass(frozen=True)
class Ranked:
    """One line of the bulletin."""

    rank: int
    figures: PrecinctMonth
    previous_active: int
    previous_new: int

    @property
    def increment(self) -> int:
        """Active residents gained (or lost) since the end of the previous month."""
        return self.figures.active_residents - self.previous_active

    @property
    def new_increment(self) -> int:
        return self.figures.new_declarations - self.previous_new

    @property
    def meets_coverage(self) -> bool:
        return (self.figures.coverage or 0) >= COVERAGE_TARGET

    @property
    def meets_pre_case(self) -> bool:
        return (self.figures.pre_case_rate or 0) >= PRE_CASE_TARGET


def ranking(session: Session, month: Month, *, precinct_ids: Sequence[int] | None = None,
            tz: ZoneInfo = UTC, max_age: dt.timedelta = stats_cache.LIVE_TTL) -> list[Ranked]:
    """Every precinct ranked by coverage, then pre-case rate, new declarations and increment.

    A precinct without a survey estimate (or without case subjects) sorts after those with one. The
    month under way's figures may be up to `max_age` old (each says when it was counted, `as_of`).
    """
    current = figures(session, month, precinct_ids=precinct_ids, tz=tz, timing=False, max_age=max_age)
    before = {f.precinct_id: f for f in figures(session, month.previous, precinct_ids=precinct_ids, tz=tz,
                                                  timing=False)}
    previous_active = {pid: f.active_residents for pid, f in before.items()}
    previous_new = {pid: f.new_declarations for pid, f in before.items()}

    def key(f: PrecinctMonth):
        gain = f.active_residents - previous_active.get(f.precinct_id, 0)
        return (f.coverage is None, -(f.coverage or 0), f.pre_case_rate is None, -(f.pre_case_rate or 0),
                -f.new_declarations, -gain, f.precinct_code)

    ordered = sorted(current, key=key)
    return [Ranked(rank=i, figures=f, previous_active=previous_active.get(f.precinct_id, 0),
                   previous_new=previous_new.get(f.precinct_id, 0)) for i, f in enumerate(ordered, start=1)]


# ------------------------------------------------------------------------------------------- follow-up

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
    """A landlord the precinct should call: unconfirmed tenant self-declarations and/or late declarations."""

    landlord_id: int
    name: str
    phone: str
    precinct_codes: tuple[str, ...]
    unconfirmed: tuple[Evidence, ...]
    late: tuple[Evidence, ...]


def _follow_up_query(query, month: Month, precinct_ids: Sequence[int] | None, tz: ZoneInfo):
    start, end = month.bounds(tz)
    query = (query.select_from(Declaration).join(Property, Declaration.property_id == Property.id)
             .where(Declaration.declared_at >= start, Declaration.declared_at < end,
                    Declaration.status != "cancelled", TO_FOLLOW_UP))
    return _scoped(query, Property.precinct_id, precinct_ids)


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
                      + func.sum(case((Declaration.late.is_(True), 1), else_=0)))
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
               Declaration.status, Declaration.landlord_response), month, precinct_ids, tz)
    query = query.join(Precinct, Property.precinct_id == Precinct.id).order_by(Declaration.declared_at,
                                                                              Declaration.id)
    if limit is not None or offset:
        query = query.where(Property.landlord_id.in_([row.id for row in landlords]))
    lines: dict[int, dict] = {row.id: {"codes": set(), "unconfirmed": [], "late": []} for row in landlords}
    for (landlord_id, code, receipt, property_code, room, move_in, declared_at, channel, late, status,
         response) in session.execute(query):
        line = lines[landlord_id]
        line["codes"].add(code)
        evidence = Evidence(receipt=receipt, property_code=property_code, room=room, move_in=move_in,
                            declared_at=declared_at, channel=channel, late=late, status=status)
        if channel == "voice" and response is None and status in ("active", "pending_review"):
            line["unconfirmed"].append(evidence)
        if late:
            line["late"].append(evidence)
    return [FollowUp(landlord_id=row.id, name=row.name, phone=row.phone,
                     precinct_codes=tuple(sorted(lines[row.id]["codes"])),
                     unconfirmed=tuple(lines[row.id]["unconfirmed"]), late=tuple(lines[row.id]["late"]))
            for row in landlords]


@dataclass(frozen=True)
class CaseOutcome:
    """A case subject of the month and the person's newest declaration, if any."""

    id: int
    precinct_code: str
    document_type: str
    case_date: dt.date
    declared_before: bool
    last: Evidence | None
    last_move_out: dt.date | None = None
    last_address: str | None = None


def _case_query(query, month: Month, precinct_ids: Sequence[int] | None, declared: bool | None):
    query = query.where(CaseSubject.case_date >= month.first_day, CaseSubject.case_date < month.next.first_day)
    if declared is not None:
        query = query.where(CaseSubject.declared_before.is_(declared))
    return _scoped(query, CaseSubject.precinct_id, precinct_ids)


def case_subjects_count(session: Session, month: Month, *, precinct_ids: Sequence[int] | None = None,
                        declared: bool | None = False) -> int:
    """How many subjects `case_subjects` lists."""
    return session.scalar(_case_query(select(func.count()).select_from(CaseSubject), month, precinct_ids,
                                      declared)) or 0


def case_subjects(session: Session, month: Month, *, precinct_ids: Sequence[int] | None = None,
                  declared: bool | None = False, limit: int | None = None, offset: int = 0) -> list[CaseOutcome]:
    """The month's case subjects (by default those not declared before their case), by case date."""
    query = (select(CaseSubject.id, Precinct.code, CaseSubject.document_type, CaseSubject.case_date,
                    CaseSubject.declared_before, Declaration.id, Declaration.receipt, Property.code,
                    Declaration.room, Declaration.move_in, Declaration.declared_at, Declaration.channel,
                    Declaration.late, Declaration.status, Declaration.move_out, Property.address)
             .select_from(CaseSubject).join(Precinct, CaseSubject.precinct_id == Precinct.id)
             .outerjoin(Declaration, CaseSubject.last_declaration_id == Declaration.id)
             .outerjoin(Property, Declaration.property_id == Property.id)
             .order_by(CaseSubject.case_date, CaseSubject.id).offset(offset).limit(limit))
    out = []
    for (subject_id, code, document_type, case_date, declared_before, decl_id, receipt, property_code, room,
         move_in, declared_at, channel, late, status, move_out, address) in session.execute(
            _case_query(query, month, precinct_ids, declared)):
        last = None
        if decl_id is not None:
            last = Evidence(receipt=receipt, property_code=property_code, room=room, move_in=move_in,
                            declared_at=declared_at, channel=channel, late=late, status=status)
        out.append(CaseOutcome(id=subject_id, precinct_code=code, document_type=document_type, case_date=case_date,
                               declared_before=declared_before, last=last,
                               last_move_out=move_out if decl_id is not None else None,
                               last_address=address if decl_id is not None else None))
    return out


# ---------------------------------------------------------------------------------------------- imports

ESTIMATE_COLUMNS = ("precinct", "month", "floating_population", "rental_units")
CASE_COLUMNS = ("document_type", "document_number", "case_date", "precinct")


@dataclass(frozen=True)
class RowError:
    line: int  # as a spreadsheet shows it: the header is line 1
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class ImportReport:
    """What an import did: nothing at all when there are errors."""

    rows: int
    written: int = 0
    errors: tuple[RowError, ...] = ()
    detail: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def read_csv(text: str, columns: Sequence[str]) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    """Rows with their line numbers, or the header error; blank lines are skipped."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in columns if c not in header]
    if missing:
        return [], [RowError(1, f"missing column(s) {', '.join(missing)}; the header must be {','.join(columns)}")]
    rows = []
    for row in reader:
        clean = {(k or "").strip(): (v or "").strip() if isinstance(v, str) else "" for k, v in row.items()}
        if any(clean.get(c) for c in columns):
            rows.append((reader.line_num, clean))
    return rows, []


def _precinct_ids(session: Session) -> dict[str, int]:
    return {code: pid for pid, code in session.execute(select(Precinct.id, Precinct.code))}


def _count(raw: str, name: str, errors: list[str]) -> int | None:
    if not raw.isdigit():
        errors.append(f"{name} {raw!r} must be a whole number of 0 or more")
        return None
    return int(raw)


def import_estimates(session: Session, text: str) -> ImportReport:
    """Survey estimates from CSV (precinct,month,floating_population,rental_units); all rows or none.

    A row for a precinct and month already estimated replaces the old figures.
    """
    rows, errors = read_csv(text, ESTIMATE_COLUMNS)
    if errors:
        return ImportReport(rows=0, errors=tuple(errors))
    precincts = _precinct_ids(session)
    parsed: dict[tuple[int, str], tuple[int, int]] = {}
    seen: dict[tuple[int, str], int] = {}
    report: list[RowError] = []
    for line, row in rows:
        problems: list[str] = []
        pid = precincts.get(row["precinct"])
        if pid is None:
            problems.append(f"precinct {row['precinct']!r} is not known (use the precinct code)")
        try:
            month = str(Month.parse(row["month"]))
        except ValueError as exc:
            problems.append(str(exc))
            month = None
        population = _count(row["floating_population"], "floating_population", problems)
        units = _count(row["rental_units"], "rental_units", problems)
        if population == 0:
            problems.append("floating_population must be more than 0 (it divides the coverage rate)")
        if pid is not None and month is not None:
            if (pid, month) in seen:
                problems.append(f"precinct {row['precinct']} month {month} already appears on line {seen[pid, month]}")
            seen.setdefault((pid, month), line)
        if problems:
            report.extend(RowError(line, p) for p in problems)
        else:
            parsed[pid, month] = (population, units)
    if report or not rows:
        return ImportReport(rows=len(rows), errors=tuple(report or [RowError(1, "the file has no rows")]))
    existing = {(e.precinct_id, e.month): e for e in session.scalars(
        select(SurveyEstimate).where(SurveyEstimate.month.in_({m for _, m in parsed})))}
    replaced = 0
    for (pid, month), (population, units) in parsed.items():
        row = existing.get((pid, month))
        if row is None:
            session.add(SurveyEstimate(precinct_id=pid, month=month, floating_population=population,
                                       rental_units=units))
        else:
            row.floating_population, row.rental_units = population, units
            replaced += 1
    session.flush()
    return ImportReport(rows=len(rows), written=len(parsed), detail={"replaced": replaced})


def set_estimate(session: Session, precinct_id: int, month: Month, floating_population: int,
                 rental_units: int) -> SurveyEstimate:
    """Enter (or correct) one precinct's estimate for one month."""
    if floating_population <= 0 or rental_units < 0:
        raise ValueError("the floating population must be more than 0 and rental units 0 or more")
    row = session.scalar(select(SurveyEstimate).where(SurveyEstimate.precinct_id == precinct_id,
                                                      SurveyEstimate.month == str(month)))
    if row is None:
        row = SurveyEstimate(precinct_id=precinct_id, month=str(month))
        session.add(row)
    row.floating_population, row.rental_units = floating_population, rental_units
    session.flush()
    return row


def document_hash(secret_key: str, document_type: str, number: str) -> str:
    """HMAC-SHA256 of the document under SECRET_KEY: a keyed hash, because an ID number's structure
    (region, birth date, serial) is small enough to enumerate against a plain hash."""
    if not secret_key:
        raise ValueError("SECRET_KEY is not set: case subjects cannot be hashed")
    message = f"{document_type}:{number}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def normalise_document(document_type: str, number: str, today: dt.date) -> tuple[str, str | None]:
    """(number as `people` stores it, error) for a case system's document."""
    number = re.sub(r"[\s-]", "", number).upper()
    if not number:
        return number, "document_number is empty"
    if document_type not in DOCUMENT_TYPES:
        return number, f"document_type {document_type!r} must be one of {', '.join(DOCUMENT_TYPES)}"
    if document_type == "ric":
        if len(number) == 15 and number.isdigit():
            number = convert_legacy_ric(number)
        problem = check_ric(number, today)
        if problem:
            return number, f"document_number is not a valid resident ID ({problem})"
    elif not re.fullmatch(r"[A-Z0-9]{5,20}", number):
        return number, "document_number must be 5 to 20 letters or digits"
    return number, None


def import_case_subjects(session: Session, text: str, *, secret_key: str, tz: ZoneInfo = UTC,
                         today: dt.date | None = None) -> ImportReport:
    """Case subjects from a case system's CSV (document_type,document_number,case_date,precinct); all or none.

    Each subject is matched exactly on (document type, number) against `people`, the outcome is computed
    now, and only the keyed hash, the outcome and the newest declaration's id are stored.
    """
    rows, errors = read_csv(text, CASE_COLUMNS)
    if errors:
        return ImportReport(rows=0, errors=tuple(errors))
    today = today or dt.datetime.now(tz).date()
    precincts = _precinct_ids(session)
    parsed: dict[tuple[str, str, dt.date], tuple[int, str]] = {}
    report: list[RowError] = []
    for line, row in rows:
        problems: list[str] = []
        doc_type = row["document_type"].lower()
        number, problem = normalise_document(doc_type, row["document_number"], today)
        if problem:
            problems.append(problem)
        try:
            case_date = dt.date.fromisoformat(row["case_date"])
        except ValueError:
            problems.append(f"case_date {row['case_date']!r} must be written YYYY-MM-DD")
            case_date = None
        else:
            if case_date > today:
                problems.append(f"case_date {case_date} is in the future")
        pid = precincts.get(row["precinct"])
        if pid is None:
            problems.append(f"precinct {row['precinct']!r} is not known (use the precinct code)")
        if problems:
            report.extend(RowError(line, p) for p in problems)
        else:
            parsed[doc_type, number, case_date] = (pid, document_hash(secret_key, doc_type, number))
    if report or not rows:
        return ImportReport(rows=len(rows), errors=tuple(report or [RowError(1, "the file has no rows")]))

    declared = 0
    for (doc_type, number, case_date), (pid, digest) in parsed.items():
        before, last_id = _outcome(session, doc_type, number, case_date, tz)
        declared += before
        subject = session.scalar(select(CaseSubject).where(
            CaseSubject.document_type == doc_type, CaseSubject.document_hash == digest,
            CaseSubject.case_date == case_date))
        if subject is None:
            subject = CaseSubject(document_type=doc_type, document_hash=digest, case_date=case_date)
            session.add(subject)
        subject.precinct_id, subject.declared_before, subject.last_declaration_id = pid, before, last_id
    session.flush()
    return ImportReport(rows=len(rows), written=len(parsed),
                        detail={"declared_before": declared, "not_declared": len(parsed) - declared})


def _outcome(session: Session, doc_type: str, number: str, case_date: dt.date,
             tz: ZoneInfo) -> tuple[bool, int | None]:
    """(declared before the case date, id of the person's newest declaration)."""
    person_id = session.scalar(select(Person.id).where(Person.document_type == doc_type,
                                                       Person.document_hash == document_hash_of(session, doc_type,
                                                                                                number)))
    if person_id is None:
        return False, None
    decls = session.execute(
        select(Declaration.id, Declaration.move_in, Declaration.declared_at)
        .where(Declaration.person_id == person_id, Declaration.status != "cancelled")
        .order_by(Declaration.declared_at.desc(), Declaration.id.desc())).all()
    cutoff = utc_midnight(case_date, tz)
    before = any(declared < cutoff and move_in <= case_date for _, move_in, declared in decls)
    return before, (decls[0][0] if decls else None)


def purge_case_subjects(session: Session, older_than: dt.date) -> int:
    """Delete case subjects whose case date is before `older_than` (after the bulletin is out)."""
    rows = session.scalars(select(CaseSubject).where(CaseSubject.case_date < older_than)).all()
    for row in rows:
        session.delete(row)
    session.flush()
    return len(rows)


def months_with_data(session: Session, limit: int = 24) -> list[Month]:
    """Months in which something was declared, newest first (for the month pickers)."""
    newest = session.scalar(select(func.max(Declaration.declared_at)))
    if newest is None:
        return []
    return Month.of(newest.date()).back(limit)[::-1]


def precinct_choices(session: Session, precinct_ids: Iterable[int] | None = None) -> list[Precinct]:
    return _precincts(session, list(precinct_ids) if precinct_ids is not None else None)
