"""The monthly figures per precinct, counted from the tables now.

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
  counts people. Lodgers count too: a person lodging at an employer's site (a staff declaration with
  `lodger`, in force on that day by the same rule, status active/ended) lives there, in the employer's
  precinct; staff who do not lodge live elsewhere and are not counted. A lodger who is also a resident
  tenant that day is counted once, as the tenant; one lodging with two employers, once, at the latest;
- employers' figures: employers enrolled before the month ended (by the employer's precinct); staff
  declared in the month (not cancelled); staff and lodgers in force on its last day (people, as above);
  late staff declarations: of those declared in the month, the ones stored `late` (set as they came in by
  the rule tenants' `late` follows, parsers.dates: a start before the campaign or over a year back is
  backlog, not late);
- enrolled landlords/properties: enrolled before the month ended (a property dates from its landlord);
- landlords declaring: enrolled landlords with at least one declaration up to the month's end;
- rejections: inbound messages of the month attributed to the precinct and rejected, by code;
- declared properties: properties with at least one active resident (as counted above) on the
  month's last day: rental housing that is registered, not merely enrolled;
- coverage: active residents ÷ estimated floating population; rental coverage (the campaign's second
  80 % target): declared properties ÷ estimated rental units; housing coverage: enrolled properties ÷
  estimated rental units (what the landlords' enrolment reached, tenants or not);
- pre-case rate: case subjects with a case date in the month who had a registration (a declaration
  in one of RESIDENT_STATUSES: pending-review and disputed ones are not) declared before that date and
  moving in no later than it, ÷ all case subjects of the month.
- verification (store.verification): the month's declarations and staff declarations (under the employer's
  station) drawn for officers to check, those checked
  (any mark, whenever made: a mark after the month closed forgets its kept figures) and the errors among
  them (corrected or not found there); verified share = checked ÷ drawn, error rate = errors ÷ checked.

Closed months are read from snapshots of these figures instead (`store.stats.snapshots`).
"""
from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, exists, func, or_, select, text
from sqlalchemy.orm import Session

from store.models import (Art57Action, CaseSubject, Declaration, Employer, InboundMessage, Landlord,
                          Precinct, Property, StaffDeclaration, SurveyEstimate, VerificationItem)
from store.stats.month import UTC, Month

CHANNELS = ("sms", "voice", "officer", "web")
RESIDENT_STATUSES = ("active", "ended", "superseded")
STAFF_STATUSES = ("active", "ended")  # a staff declaration is never superseded; pending ones are not registrations
# Written as a literal, not bound parameters, so PostgreSQL can match the partial indexes of migration
# 0004_stats_snapshots even when psycopg prepares the statement (a generic plan proves nothing about $1).
# Parenthesised: a text clause is pasted into the WHERE as is, next to ANDs.
MOVED_OUT = text("(declarations.status IN ('ended', 'superseded'))")


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
    declared_by_agents: int = 0  # of new_declarations, those an agent made for the landlord (the declarant kind)
    # Art. 57 actions dated in the month (store.art57), against landlords and employers, by kind; fines in yuan.
    art57_actions: int = 0
    art57_education: int = 0
    art57_warnings: int = 0
    art57_fines: int = 0
    art57_fine_yuan: int = 0
    verification_drawn: int = 0  # of the month's declarations and staff ones, those drawn to check (store.verification)
    verified: int = 0  # of those drawn, the ones checked (any mark)
    verification_errors: int = 0  # of those checked, the ones corrected or not found there
    channels: tuple[tuple[str, int], ...] = tuple((c, 0) for c in CHANNELS)
    inbound_messages: int = 0
    rejected_messages: int = 0
    rejections: tuple[tuple[str, int], ...] = ()  # (code, messages), most frequent first
    median_seconds_to_receipt: float | None = None
    estimated_population: int | None = None
    estimated_rental_units: int | None = None
    case_subjects: int = 0
    case_subjects_declared: int = 0
    declared_properties: int = 0
    employers_enrolled: int = 0
    staff_declared: int = 0  # new staff declarations in the month
    staff_active: int = 0  # staff (lodging or not) on the month's last day
    lodgers_active: int = 0  # of those, the ones lodging at a site (counted in active_residents)
    late_staff_declarations: int = 0  # of staff_declared, the ones made after the deadline
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
    def rental_coverage(self) -> float | None:
        return _ratio(self.declared_properties, self.estimated_rental_units)

    @property
    def pre_case_rate(self) -> float | None:
        return _ratio(self.case_subjects_declared, self.case_subjects)

    @property
    def verified_share(self) -> float | None:
        return _ratio(self.verified, self.verification_drawn)

    @property
    def verification_error_rate(self) -> float | None:
        return _ratio(self.verification_errors, self.verified)

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


def precincts_by_code(session: Session, precinct_ids: Sequence[int] | None) -> list[Precinct]:
    """Every precinct (or only `precinct_ids`): the lines of a page, in the order it shows them."""
    query = select(Precinct).order_by(Precinct.code)
    if precinct_ids is not None:
        query = query.where(Precinct.id.in_(list(precinct_ids)))
    return list(session.scalars(query))


def scoped(query, column, precinct_ids: Sequence[int] | None):
    """`query` kept to the rows whose `column` is one of `precinct_ids` (None: every precinct)."""
    return query if precinct_ids is None else query.where(column.in_(list(precinct_ids)))


def month_figures(session: Session, month: Month, *, precinct_ids: Sequence[int] | None = None,
                  tz: ZoneInfo = UTC, timing: bool = True) -> list[PrecinctMonth]:
    """The month's figures for every precinct (or only `precinct_ids`), by precinct code."""
    precincts = precincts_by_code(session, precinct_ids)
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
    put(session.execute(scoped(
        select(Property.precinct_id, func.count(), flag(Declaration.late.is_(True)),
               flag(Declaration.declarant_phone.is_not(None)), *(flag(Declaration.channel == c) for c in CHANNELS))
        .select_from(Declaration).join(Property, Declaration.property_id == Property.id).where(in_month)
        .group_by(Property.precinct_id), Property.precinct_id, ids)),
        "new_declarations", "late_declarations", "declared_by_agents", *CHANNELS)
    put(session.execute(scoped(
        select(Property.precinct_id, func.count())
        .select_from(Declaration).join(Property, Declaration.property_id == Property.id)
        .where(Declaration.move_out >= month.first_day, Declaration.move_out < month.next.first_day, MOVED_OUT)
        .group_by(Property.precinct_id), Property.precinct_id, ids)), "move_outs")
    active = Counter(dict(_active_rows(session, month, tz, ids).all()))
    active.update(dict(_lodger_rows(session, month, tz, ids).all()))
    put(active.items(), "active_residents")
    for precinct_id, extra in employer_figures(session, month, ids, tz).items():
        if precinct_id in values:
            values[precinct_id].update(extra)
    put(session.execute(scoped(
        select(Art57Action.precinct_id, func.count(), flag(Art57Action.kind == "education"),
               flag(Art57Action.kind == "warning"), flag(Art57Action.kind == "fine"),
               func.coalesce(func.sum(Art57Action.amount_yuan), 0))
        .where(Art57Action.action_date >= month.first_day, Art57Action.action_date < month.next.first_day)
        .group_by(Art57Action.precinct_id), Art57Action.precinct_id, ids)),
        "art57_actions", "art57_education", "art57_warnings", "art57_fines", "art57_fine_yuan")
    put(session.execute(scoped(
        select(Property.precinct_id, func.count(Property.id), func.count(func.distinct(Property.landlord_id)))
        .join(Landlord, Property.landlord_id == Landlord.id).where(Landlord.created_at < end)
        .group_by(Property.precinct_id), Property.precinct_id, ids)), "enrolled_properties", "enrolled_landlords")
    put(session.execute(scoped(
        select(Property.precinct_id, func.count(func.distinct(Property.landlord_id)))
        .join(Landlord, Property.landlord_id == Landlord.id)
        .where(Landlord.created_at < end,
               exists().where(Declaration.property_id == Property.id, Declaration.declared_at < end, not_cancelled))
        .group_by(Property.precinct_id), Property.precinct_id, ids)), "landlords_declaring")
    put(session.execute(scoped(
        select(InboundMessage.precinct_id, func.count(), flag(InboundMessage.status == "rejected"))
        .where(InboundMessage.received_at >= start, InboundMessage.received_at < end,
               InboundMessage.precinct_id.is_not(None))
        .group_by(InboundMessage.precinct_id), InboundMessage.precinct_id, ids)),
        "inbound_messages", "rejected_messages")
    put(session.execute(scoped(
        select(VerificationItem.precinct_id, func.count(), flag(VerificationItem.mark.is_not(None)),
               flag(VerificationItem.mark.in_(("corrected", "not_found"))))
        .where(VerificationItem.month == str(month)).group_by(VerificationItem.precinct_id),
        VerificationItem.precinct_id, ids)), "verification_drawn", "verified", "verification_errors")
    for precinct_id, mix in _rejections(session, start, end, ids).items():
        if precinct_id in values:
            values[precinct_id]["rejections"] = tuple(mix.most_common())
    if timing:
        for precinct_id, median in _median_to_receipt(session, in_month, ids).items():
            if precinct_id in values:
                values[precinct_id]["median_seconds_to_receipt"] = median
    for precinct_id, count in declared_properties(session, month, tz, ids).items():
        if precinct_id in values:
            values[precinct_id]["declared_properties"] = count
    for precinct_id, extra in imported_figures(session, month, ids).items():
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


def imported_figures(session: Session, month: Month, ids: Sequence[int] | None) -> dict[int, dict]:
    """The month's survey estimates and case subjects per precinct: imported after the month, so never
    snapshotted."""
    flag = func.coalesce(func.sum(case((CaseSubject.declared_before.is_(True), 1), else_=0)), 0)
    out: dict[int, dict] = defaultdict(dict)
    for pid, population, units in session.execute(scoped(
            select(SurveyEstimate.precinct_id, SurveyEstimate.floating_population, SurveyEstimate.rental_units)
            .where(SurveyEstimate.month == str(month)), SurveyEstimate.precinct_id, ids)):
        out[pid].update(estimated_population=population, estimated_rental_units=units)
    for pid, subjects, declared in session.execute(scoped(
            select(CaseSubject.precinct_id, func.count(), flag)
            .where(CaseSubject.case_date >= month.first_day, CaseSubject.case_date < month.next.first_day)
            .group_by(CaseSubject.precinct_id), CaseSubject.precinct_id, ids)):
        out[pid].update(case_subjects=int(subjects), case_subjects_declared=int(declared))
    return out


def declared_properties(session: Session, month: Month, tz: ZoneInfo, ids: Sequence[int] | None) -> dict[int, int]:
    """Properties with a resident in force on the month's last day, per precinct (the rental-housing target's
    numerator): a count over every declaration in force, so snapshots keep it like the month's other counts."""
    return {pid: int(n) for pid, n in _active_rows(session, month, tz, ids, Declaration.property_id)}


def _in_force(last: dt.date, end: dt.datetime):
    """A tenant's declaration that registers the person on `last` (a day; `end`: the month's end, UTC)."""
    return and_(Declaration.move_in <= last, or_(Declaration.move_out.is_(None), Declaration.move_out > last),
                Declaration.declared_at < end, Declaration.status.in_(RESIDENT_STATUSES))


def _staff_in_force(last: dt.date, end: dt.datetime):
    """A staff declaration in force on `last`: started by then, not ended, declared before `end`."""
    return and_(StaffDeclaration.start <= last, or_(StaffDeclaration.end.is_(None), StaffDeclaration.end > last),
                StaffDeclaration.declared_at < end, StaffDeclaration.status.in_(STAFF_STATUSES))


def _active_rows(session: Session, month: Month, tz: ZoneInfo, ids, distinct=None):
    """Active residents per precinct on the month's last day (or distinct values of `distinct` among them)."""
    _, end = month.bounds(tz)
    return session.execute(scoped(
        select(Property.precinct_id, func.count() if distinct is None else func.count(func.distinct(distinct)))
        .select_from(Declaration).join(Property, Declaration.property_id == Property.id)
        .where(_in_force(month.last_day, end))
        .group_by(Property.precinct_id), Property.precinct_id, ids))


def _lodger_rows(session: Session, month: Month, tz: ZoneInfo, ids):
    """Lodgers per precinct on the month's last day who are no resident tenant anywhere that day: each person
    once, at the staff declaration declared last (the higher id), so no one counts twice in any total."""
    _, end = month.bounds(tz)
    last = month.last_day
    tenant = exists().where(Declaration.person_id == StaffDeclaration.person_id, _in_force(last, end))
    latest = (select(func.max(StaffDeclaration.id).label("id"))
              .where(StaffDeclaration.lodger.is_(True), _staff_in_force(last, end), ~tenant)
              .group_by(StaffDeclaration.person_id).subquery())
    return session.execute(scoped(
        select(Employer.precinct_id, func.count())
        .select_from(latest).join(StaffDeclaration, StaffDeclaration.id == latest.c.id)
        .join(Employer, StaffDeclaration.employer_id == Employer.id)
        .group_by(Employer.precinct_id), Employer.precinct_id, ids))


def employer_figures(session: Session, month: Month, ids: Sequence[int] | None,
                     tz: ZoneInfo = UTC) -> dict[int, dict]:
    """The employers' figures per precinct (the employer's): enrolled, staff declared, staff and lodgers in
    force at the month's end, late staff declarations."""
    start, end = month.bounds(tz)
    last = month.last_day
    out: dict[int, dict] = defaultdict(dict)
    for pid, enrolled in session.execute(scoped(
            select(Employer.precinct_id, func.count()).where(Employer.created_at < end)
            .group_by(Employer.precinct_id), Employer.precinct_id, ids)):
        out[pid]["employers_enrolled"] = int(enrolled)
    lodging = func.count(func.distinct(case((StaffDeclaration.lodger.is_(True), StaffDeclaration.person_id))))
    for pid, working, lodgers in session.execute(scoped(
            select(Employer.precinct_id, func.count(func.distinct(StaffDeclaration.person_id)), lodging)
            .select_from(StaffDeclaration).join(Employer, StaffDeclaration.employer_id == Employer.id)
            .where(_staff_in_force(last, end)).group_by(Employer.precinct_id), Employer.precinct_id, ids)):
        out[pid].update(staff_active=int(working), lodgers_active=int(lodgers))
    late = func.count(case((StaffDeclaration.late.is_(True), StaffDeclaration.id)))
    for pid, declared, late_ones in session.execute(scoped(
            select(Employer.precinct_id, func.count(), late)
            .select_from(StaffDeclaration).join(Employer, StaffDeclaration.employer_id == Employer.id)
            .where(StaffDeclaration.declared_at >= start, StaffDeclaration.declared_at < end,
                   StaffDeclaration.status != "cancelled").group_by(Employer.precinct_id), Employer.precinct_id, ids)):
        out[pid].update(staff_declared=int(declared), late_staff_declarations=int(late_ones))
    return out


def _rejections(session: Session, start: dt.datetime, end: dt.datetime, ids) -> dict[int, Counter]:
    """Rejected messages per code; a message counts once per code, `job_failed:X` counts as `job_failed`."""
    mix: dict[int, Counter] = defaultdict(Counter)
    rows = session.execute(scoped(
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
        return {pid: float(m) for pid, m in session.execute(scoped(query, Property.precinct_id, ids))}
    spans: dict[int, list[float]] = defaultdict(list)
    query = base.add_columns(Declaration.declared_at, InboundMessage.received_at)
    for pid, declared, received in session.execute(scoped(query, Property.precinct_id, ids)):
        spans[pid].append((declared - received).total_seconds())
    return {pid: statistics.median(values) for pid, values in spans.items()}


def months_with_data(session: Session, limit: int = 24) -> list[Month]:
    """Months in which something was declared, newest first (for the month pickers)."""
    newest = session.scalar(select(func.max(Declaration.declared_at)))
    if newest is None:
        return []
    return Month.of(newest.date()).back(limit)[::-1]


def precinct_choices(session: Session, precinct_ids: Iterable[int] | None = None) -> list[Precinct]:
    return precincts_by_code(session, list(precinct_ids) if precinct_ids is not None else None)
