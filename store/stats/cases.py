"""The case lists: a month's case subjects, and whether each had declared before the case."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import CaseSubject, Declaration, Precinct, Property
from store.stats.counting import scoped
from store.stats.follow_ups import Evidence
from store.stats.month import Month


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
    return scoped(query, CaseSubject.precinct_id, precinct_ids)


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
