"""The audit log: who searched, looked at a full ID, or decided something, and when."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from parsers import mask_ids
from store.models import AuditEntry, Officer


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_ids(value)
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_masked(v) for v in value]
    return value


def record(session: Session, officer_id: int | None, action: str, target: str = "", **detail: Any) -> AuditEntry:
    """Add one entry in the caller's transaction: the audit row commits with the change it describes.

    Text in an entry (a search query, a note, an old address) is stored with its ID numbers masked:
    the log says that someone looked for a number, and supervisors read it, so it must not hold one.
    """
    entry = AuditEntry(officer_id=officer_id, action=action, target=mask_ids(target)[:200],
                       detail=_masked(detail) or None)
    session.add(entry)
    session.flush()
    return entry


def about(session: Session, target: str) -> list[AuditEntry]:
    """Entries about one target (e.g. `inbound:12`), oldest first."""
    return list(session.scalars(select(AuditEntry).where(AuditEntry.target == target).order_by(AuditEntry.id)))


def page(session: Session, *, action: str | None = None, officer_id: int | None = None,
         number: int = 1, per_page: int = 50, precinct_ids: frozenset[int] | None = None,
         unit_ids: frozenset[int] = frozenset()) -> tuple[list[AuditEntry], int]:
    """Entries newest first, one page at a time, with the total count. With `precinct_ids` (a scoped reader),
    only entries of officers placed at those stations or at `unit_ids`."""
    query = select(AuditEntry)
    if precinct_ids is not None:
        query = query.join(Officer, AuditEntry.officer_id == Officer.id).where(
            or_(Officer.precinct_id.in_(precinct_ids), Officer.unit_id.in_(unit_ids)))
    if action:
        query = query.where(AuditEntry.action == action)
    if officer_id:
        query = query.where(AuditEntry.officer_id == officer_id)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(AuditEntry.id.desc()).offset((number - 1) * per_page).limit(per_page))
    return list(rows), total or 0
