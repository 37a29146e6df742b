"""Two records of one person made one, and undone: the no-document register's merge.

A merge moves every declaration of `merged` (always a person without a document: two documents are two
people) to `kept`, and keeps in a PersonMerge row exactly what changed, so the undo can put it back: which
declarations moved, the status and end of any the merge cancelled as a duplicate (one active declaration
per person and property is a unique index), and `kept`'s name, phone and register state before. The
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
from store.models import Declaration, Person, PersonMerge, Property, utcnow
from store.scope import NeedsSupervisor, Scope
from store.states import DeclarationStatus, RegisterState


class RegisterError(Exception):
    """An officer's register action that cannot be done; `code` has words in gateway.i18n.codes."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _stamp(value) -> str | None:
    return value.isoformat() if value is not None else None


def _check_reach(session: Session, scope: Scope, ids: list[int]) -> None:
    """Moving a declaration at another precinct's property changes that precinct's record of a person: a
    supervisor's to do (the officer gets 403 saying so), as with a landlord shared between precincts."""
    if scope.all_precincts or not ids:
        return
    elsewhere = session.scalar(select(Declaration.id).join(Property).where(
        Declaration.id.in_(ids), Property.precinct_id.not_in(scope.ids)).limit(1))
    if elsewhere is not None:
        raise NeedsSupervisor("register_needs_supervisor")


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
    if not moving:
        raise RegisterError("merge_nothing")
    _check_reach(session, scope, [d.id for d in moving])
    active_at = set(session.scalars(select(Declaration.property_id).where(
        Declaration.person_id == kept.id, Declaration.status == DeclarationStatus.ACTIVE)))
    moved: list[dict[str, Any]] = []
    for decl in moving:
        record: dict[str, Any] = {"id": decl.id}
        if decl.status == DeclarationStatus.ACTIVE and decl.property_id in active_at:
            # Already registered there under `kept`: this one is the duplicate the merge found.
            record.update(status=decl.status, ended_at=_stamp(decl.ended_at))
            decl.status, decl.ended_at = DeclarationStatus.CANCELLED, utcnow()
        moved.append(record)
    session.flush()
    ids = [d.id for d in moving]
    done = session.execute(update(Declaration).where(Declaration.id.in_(ids), Declaration.person_id == merged.id)
                           .values(person_id=kept.id).execution_options(synchronize_session="fetch"))
    if done.rowcount != len(ids):  # another officer merged or undid at the same moment
        raise RegisterError("register_try_again")
    before = {"name": kept.name, "phone": kept.phone, "register_state": kept.register_state}
    kept.name, kept.phone = kept.name or merged.name, kept.phone or merged.phone
    if document_found:
        kept.register_state = RegisterState.DOCUMENT_FOUND
    elif kept.register_state is None and merged.register_state == RegisterState.VERIFIED:
        kept.register_state = RegisterState.VERIFIED  # the officer who saw `merged` saw this person
    row = PersonMerge(kept_id=kept.id, merged_id=merged.id, officer_id=officer_id,
                      moved={"declarations": moved, "kept": before})
    session.add(row)
    session.flush()
    audit.record(session, officer_id, "merge", f"person:{kept.id}", merged=merged.id, declarations=len(ids),
                 merge=row.id, document_found=document_found)
    return row


def undo(session: Session, officer_id: int | None, row: PersonMerge, scope: Scope) -> None:
    """Put everything the merge changed back as it was; refused if it was undone already or cannot be exact."""
    _check_reach(session, scope, [m["id"] for m in row.moved["declarations"]])
    claimed = session.execute(update(PersonMerge).where(PersonMerge.id == row.id, PersonMerge.undone_at.is_(None))
                              .values(undone_at=utcnow()).execution_options(synchronize_session="fetch"))
    if claimed.rowcount != 1:
        raise RegisterError("merge_undone")
    moved = row.moved["declarations"]
    ids = [m["id"] for m in moved]
    back = session.execute(update(Declaration).where(Declaration.id.in_(ids), Declaration.person_id == row.kept_id)
                           .values(person_id=row.merged_id).execution_options(synchronize_session="fetch"))
    if back.rowcount != len(ids):
        raise RegisterError("merge_changed")
    for record in moved:
        if "status" in record:
            decl = session.get(Declaration, record["id"])
            decl.status = record["status"]
            decl.ended_at = None if record["ended_at"] is None else dt.datetime.fromisoformat(record["ended_at"])
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
