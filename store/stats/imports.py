"""What the statistics take in from outside the gateway: survey estimates (the coverage rates' denominators)
and case subjects from a case system (the pre-case rate), as CSV or one estimate at a time."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from parsers.documents import check_ric, convert_legacy_ric
from store.models import CaseSubject, Declaration, Person, Precinct, SurveyEstimate, utc_midnight
from store.sealed import document_hash as document_hash_of
from store.stats.counting import RESIDENT_STATUSES
from store.stats.month import UTC, Month

DOCUMENT_TYPES = ("ric", "passport", "hkmo_permit", "tw_permit")
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
    """(registered before the case date, id of the person's newest declaration).

    Only a registration counts (store.stats.counting.RESIDENT_STATUSES): a declaration still pending review,
    or disputed by its landlord, was never accepted as the person living there, so it is evidence to show
    (the newest declaration) but not a registration before the case.
    """
    person_id = session.scalar(select(Person.id).where(Person.document_type == doc_type,
                                                       Person.document_hash == document_hash_of(session, doc_type,
                                                                                                number)))
    if person_id is None:
        return False, None
    decls = session.execute(
        select(Declaration.id, Declaration.move_in, Declaration.declared_at, Declaration.status)
        .where(Declaration.person_id == person_id, Declaration.status != "cancelled")
        .order_by(Declaration.declared_at.desc(), Declaration.id.desc())).all()
    cutoff = utc_midnight(case_date, tz)
    before = any(declared < cutoff and move_in <= case_date and status in RESIDENT_STATUSES
                 for _, move_in, declared, status in decls)
    return before, (decls[0][0] if decls else None)


def purge_case_subjects(session: Session, older_than: dt.date) -> int:
    """Delete case subjects whose case date is before `older_than` (after the bulletin is out)."""
    rows = session.scalars(select(CaseSubject).where(CaseSubject.case_date < older_than)).all()
    for row in rows:
        session.delete(row)
    session.flush()
    return len(rows)
