"""Two records of one person made one, and undone: the no-document register's merge.

A merge moves every declaration of `merged` (always a person without a document: two documents are two
people) to `kept`, tenants' and staff ones alike, and keeps in a PersonMerge row exactly what changed, so the
undo can put it back: which declarations moved (`declarations`, `staff`), the status and end of any the merge
cancelled as a duplicate (one active declaration per person and property, and one active staff declaration per
person and employer, are unique indexes), and `kept`'s name, phone and register state before. The
merged record stays, with no declarations, so an undo has somewhere to return them to. Both are audited.

An undo restores exactly or not at all: a declaration that has since left `kept` (a later merge moved it
on) refuses it, until that later merge is undone first.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from store import audit
from store.models import Declaration, Employer, Person, PersonMerge, Property, StaffDeclaration, utcnow
from store.scope import NeedsSupervisor, Scope
from store.states import DeclarationStatus, RegisterState


class RegisterError(Exception):
    """An officer's register action that cannot be done; `code` has words in gateway.i18n.codes."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _stamp(value) -> str | None:
    return value.isoformat() if value is not None else None


def _check_reach(session: Session, scope: Scope, ids: list[int], staff_ids: list[int]) -> None:
    """Moving a declaration at another precinct's property (or a staff one of another precinct's employer)
    changes that precinct's record of a person: a supervisor's to do (the officer gets 403 saying so), as with a
    landlord shared between precincts."""
    if scope.all_precincts:
        return
    elsewhere = ids and session.scalar(select(Declaration.id).join(Property).where(
        Declaration.id.in_(ids), Property.precinct_id.not_in(scope.ids)).limit(1))
    elsewhere = elsewhere or staff_ids and session.scalar(select(StaffDeclaration.id).join(
        Employer, StaffDeclaration.employer_id == Employer.id).where(
        StaffDeclaration.id.in_(staff_ids), Employer.precinct_id.not_in(scope.ids)).limit(1))
    if elsewhere:
        raise NeedsSupervisor("register_needs_supervisor")


def _move(session: Session, model, decls: list, held: set, key, kept: Person, merged: Person) -> list[dict[str, Any]]:
    """Move `decls` (all of one model) from `merged` to `kept`; an active one where `kept` is active already
    (`key` of it in `held`) is the duplicate the merge found and is cancelled. Returns what the undo needs."""
    moved: list[dict[str, Any]] = []
    for decl in decls:
        record: dict[str, Any] = {"id": decl.id}
        if decl.status == DeclarationStatus.ACTIVE and key(decl) in held:
            record.update(status=decl.status, ended_at=_stamp(decl.ended_at))
            decl.status, decl.ended_at = DeclarationStatus.CANCELLED, utcnow()
        moved.append(record)
    session.flush()
    ids = [d.id for d in decls]
    if ids:
        done = session.execute(update(model).where(model.id.in_(ids), model.person_id == merged.id)
                               .values(person_id=kept.id).execution_options(synchronize_session="fetch"))
        if done.rowcount != len(ids):  # another officer merged or undid at the same moment
            raise RegisterError("register_try_again")
    return moved


def _put_back(session: Session, model, moved: list[dict[str, Any]], row: PersonMerge) -> None:
    """Return the declarations of `moved` (all of one model) to the merged record, with any status changed."""
    ids = [m["id"] for m in moved]
    if ids:
        back = session.execute(update(model).where(model.id.in_(ids), model.person_id == row.kept_id)
                               .values(person_id=row.merged_id).execution_options(synchronize_session="fetch"))
        if back.rowcount != len(ids):
            raise RegisterError("merge_changed")
    for record in moved:
        if "status" in record:
            decl = session.get(model, record["id"])
            decl.status = record["status"]
            decl.ended_at = None if record["ended_at"] is None else dt.datetime.fromisoformat(record["ended_at"])


def merge(session: Session, officer_id: int | None, *, kept: Person, merged: Person, scope: Scope,
          document_found: bool = False) -> PersonMerge:
    """Move `merged`'s declarations to `kept`. `document_found`: the officer typed in a document that `kept`
    already holds, so `kept` joins the register as the person whose document was found."""
    if kept.id == merged.id:
        raise RegisterError("merge_same_person")
    if merged.document_type != "none":
        raise RegisterError("merge_documented")
    moving = list(session.scalars(select(Declaration).where(Declaration.person_id == merged.id)
                                  .order_by(Declaration.id)))
    jobs = list(session.scalars(select(StaffDeclaration).where(StaffDeclaration.person_id == merged.id)
                                .order_by(StaffDeclaration.id)))
    if not moving and not jobs:
        raise RegisterError("merge_nothing")
    _check_reach(session, scope, [d.id for d in moving], [d.id for d in jobs])
    active_at = set(session.scalars(select(Declaration.property_id).where(
        Declaration.person_id == kept.id, Declaration.status == DeclarationStatus.ACTIVE)))
    employed_by = set(session.scalars(select(StaffDeclaration.employer_id).where(
        StaffDeclaration.person_id == kept.id, StaffDeclaration.status == DeclarationStatus.ACTIVE)))
    # Already registered there (or staff of that employer) under `kept`: such a one is the duplicate.
    moved = _move(session, Declaration, moving, active_at, lambda d: d.property_id, kept, merged)
    staff_moved = _move(session, StaffDeclaration, jobs, employed_by, lambda d: d.employer_id, kept, merged)
    before = {"name": kept.name, "phone": kept.phone, "register_state": kept.register_state}
    kept.name, kept.phone = kept.name or merged.name, kept.phone or merged.phone
    if document_found:
        kept.register_state = RegisterState.DOCUMENT_FOUND
    elif kept.register_state is None and merged.register_state == RegisterState.VERIFIED:
        kept.register_state = RegisterState.VERIFIED  # the officer who saw `merged` saw this person
    row = PersonMerge(kept_id=kept.id, merged_id=merged.id, officer_id=officer_id,
                      moved={"declarations": moved, "staff": staff_moved, "kept": before})
    session.add(row)
    session.flush()
    audit.record(session, officer_id, "merge", f"person:{kept.id}", merged=merged.id, declarations=len(moving),
                 merge=row.id, document_found=document_found, **({"staff": len(jobs)} if jobs else {}))
    return row


def undo(session: Session, officer_id: int | None, row: PersonMerge, scope: Scope) -> None:
    """Put everything the merge changed back as it was; refused if it was undone already or cannot be exact.
    (A merge made before staff declarations moved has no `staff`: nothing of that kind to put back.)"""
    staff_moved = row.moved.get("staff", [])
    _check_reach(session, scope, [m["id"] for m in row.moved["declarations"]], [m["id"] for m in staff_moved])
    claimed = session.execute(update(PersonMerge).where(PersonMerge.id == row.id, PersonMerge.undone_at.is_(None))
                              .values(undone_at=utcnow()).execution_options(synchronize_session="fetch"))
    if claimed.rowcount != 1:
        raise RegisterError("merge_undone")
    _put_back(session, Declaration, row.moved["declarations"], row)
    _put_back(session, StaffDeclaration, staff_moved, row)
    kept = session.get(Person, row.kept_id)
    before = row.moved["kept"]
    kept.name, kept.phone, kept.register_state = before["name"], before["phone"], before["register_state"]
    session.flush()
    audit.record(session, officer_id, "merge_undo", f"person:{row.kept_id}", merged=row.merged_id, merge=row.id)


def into(session: Session, person_id: int) -> list[PersonMerge]:
    """The merges into this person still standing, newest first (what the person page offers to undo)."""
    return list(session.scalars(select(PersonMerge).where(PersonMerge.kept_id == person_id,
                                                          PersonMerge.undone_at.is_(None))
                                .order_by(PersonMerge.id.desc())))


def merged_into(session: Session, person_id: int) -> PersonMerge | None:
    """The standing merge that emptied this record, if any."""
    return session.scalar(select(PersonMerge).where(PersonMerge.merged_id == person_id,
                                                    PersonMerge.undone_at.is_(None)).order_by(PersonMerge.id.desc()))
