"""Art. 57 actions (治安管理处罚法 第五十七条): what an officer did about a landlord or an employer on the follow-up
list — education (教育), a warning (警告) or a fine (罚款, with its amount in yuan and the decision's number).

A landlord or employer is *open* while it has a late declaration made after its last action (or has never had
one), *actioned* otherwise; "after" is after the action was recorded, since the officer acted on what the list
showed then. An action is for the officer's scope only: a landlord or employer out of it is as good as missing.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from store import audit
from store.models import Art57Action, Declaration, Employer, Landlord, Property, StaffDeclaration
from store.scope import Scope

KINDS = ("education", "warning", "fine")
OPEN, ACTIONED = "open", "actioned"
MAX_FINE_YUAN = 1_000_000  # a typo guard, far above what Art. 57 allows


@dataclass(frozen=True)
class Problem:
    field: str
    code: str  # a key of the art57 error catalog (gateway.i18n.codes.ART57_ERRORS)


class ActionError(ValueError):
    """The form cannot be saved: every problem at once, each naming its field."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(", ".join(p.code for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class ActionForm:
    kind: str
    action_date: str = ""  # YYYY-MM-DD; empty: today
    amount_yuan: str = ""
    decision_no: str = ""
    note: str = ""


def _validate(form: ActionForm, today: dt.date) -> tuple[dt.date, int | None, str | None, list[Problem]]:
    problems: list[Problem] = []
    if form.kind not in KINDS:
        problems.append(Problem("kind", "art57_kind"))
    day = today
    if form.action_date.strip():
        try:
            day = dt.date.fromisoformat(form.action_date.strip())
        except ValueError:
            problems.append(Problem("action_date", "art57_bad_date"))
    if day > today:
        problems.append(Problem("action_date", "art57_date_in_future"))
    amount, decision = None, form.decision_no.strip() or None
    if form.kind == "fine":
        text = form.amount_yuan.strip()
        if not text:
            problems.append(Problem("amount_yuan", "art57_fine_amount_missing"))
        elif not text.isdigit() or not 0 < int(text) <= MAX_FINE_YUAN:
            problems.append(Problem("amount_yuan", "art57_fine_amount_invalid"))
        else:
            amount = int(text)
        if decision is None:
            problems.append(Problem("decision_no", "art57_fine_decision_missing"))
    else:
        decision = None  # only a fine has a decision (决定书) and an amount
    return day, amount, decision, problems


def _landlord_precinct(scope: Scope, landlord: Landlord) -> int:
    return scope.only or min(p.precinct_id for p in scope.properties_of(landlord))


def record(session: Session, scope: Scope, officer_id: int, form: ActionForm, today: dt.date, *,
           landlord: Landlord | None = None, employer: Employer | None = None) -> Art57Action:
    """Record one action against a landlord or employer the caller found in `scope`; ActionError lists what
    to fix. Audited in the same transaction."""
    day, amount, decision, problems = _validate(form, today)
    if problems:
        raise ActionError(problems)
    if (landlord is None) == (employer is None):
        raise ValueError("an action is against a landlord or an employer")
    precinct_id = employer.precinct_id if employer is not None else _landlord_precinct(scope, landlord)
    action = Art57Action(landlord_id=landlord.id if landlord else None, employer_id=employer.id if employer else None,
                         precinct_id=precinct_id, kind=form.kind, amount_yuan=amount, decision_no=decision,
                         action_date=day, note=form.note.strip()[:1000] or None, officer_id=officer_id)
    session.add(action)
    session.flush()
    target = f"landlord:{landlord.id}" if landlord else f"employer:{employer.id}"
    audit.record(session, officer_id, "art57_action", target, kind=form.kind, action_id=action.id,
                 amount_yuan=amount, decision_no=decision, date=day.isoformat())
    return action


def history(session: Session, *, landlord_id: int | None = None, employer_id: int | None = None
            ) -> list[Art57Action]:
    """Every action against one landlord or employer, newest first."""
    column = Art57Action.landlord_id if landlord_id is not None else Art57Action.employer_id
    subject = landlord_id if landlord_id is not None else employer_id
    return list(session.scalars(select(Art57Action).options(selectinload(Art57Action.officer))
                                .where(column == subject)
                                .order_by(Art57Action.action_date.desc(), Art57Action.id.desc())))


def last_actions(session: Session, *, landlord_ids=(), employer_ids=()) -> dict[tuple[str, int], Art57Action]:
    """The latest recorded action of each of these landlords and employers, keyed ("landlord"|"employer", id)."""
    found: dict[tuple[str, int], Art57Action] = {}
    for kind, column, ids in (("landlord", Art57Action.landlord_id, landlord_ids),
                              ("employer", Art57Action.employer_id, employer_ids)):
        if not ids:
            continue
        for action in session.scalars(select(Art57Action).where(column.in_(list(ids)))
                                      .order_by(Art57Action.created_at, Art57Action.id)):
            found[(kind, getattr(action, f"{kind}_id"))] = action
    return found


def landlord_open(landlord_id) -> ColumnElement[bool]:
    """The landlord with this id (a column of the enclosing query) is open: never actioned, or late since its
    last recorded action, or someone living at one of its properties found on a visit since then."""
    prop, decl = aliased(Property), aliased(Declaration)
    last = select(func.max(Art57Action.created_at)).where(Art57Action.landlord_id == landlord_id).scalar_subquery()
    late_since = exists().where(prop.landlord_id == landlord_id, decl.property_id == prop.id,
                                or_(decl.late.is_(True), decl.found_on_visit.is_(True)), decl.status != "cancelled",
                                decl.declared_at > last)
    return or_(last.is_(None), late_since)


def employer_open(employer_id) -> ColumnElement[bool]:
    """The employer with this id (a column of the enclosing query) is open, as `landlord_open`."""
    staff = aliased(StaffDeclaration)
    last = select(func.max(Art57Action.created_at)).where(Art57Action.employer_id == employer_id).scalar_subquery()
    late_since = exists().where(staff.employer_id == employer_id, staff.late.is_(True),
                                staff.status != "cancelled", staff.declared_at > last)
    return or_(last.is_(None), late_since)


def status_clause(is_open: ColumnElement[bool], status: str | None) -> ColumnElement[bool] | None:
    """The follow-up list's filter: open, actioned, or (None) both."""
    return is_open if status == OPEN else ~is_open if status == ACTIONED else None
