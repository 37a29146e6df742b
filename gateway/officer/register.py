"""The no-document register (三无人员信息登记): list, one person with their duplicate candidates, and the officer's
decisions (verified, document found, merge, undo). Everything outside the officer's precincts answers 404."""
from __future__ import annotations

import datetime as dt
import math
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy.orm import Session

from gateway.i18n import translate, word
from gateway.i18n.codes import REGISTER_ERRORS
from gateway.officer.auth import current_officer, officer_required, officer_scope
from gateway.web.query_args import page_arg, text_arg
from store import followup, media, merges, register
from store.merges import RegisterError
from store.models import PersonMerge, StaffDeclaration
from store.scope import NeedsSupervisor
from store.search import DOCUMENT_TYPES
from store.states import RegisterState

bp = Blueprint("register", __name__, url_prefix="/register")


def _rt():
    return current_app.extensions["declgate"]


def portrait_of(session: Session, person_id: int) -> Any | None:
    return media.portrait_of(session, person_id)


def _problem(exc: RegisterError) -> str:
    """An error's words: the register's own, or a document check's (the same words a declaration gets)."""
    return word("register_error" if exc.code in REGISTER_ERRORS else "reason", exc.code)


@bp.get("")
@officer_required
def index():
    """The register in the officer's scope, newest first, filtered by status, name or hukou, and property."""
    status = text_arg("status", tuple(RegisterState))
    query, code, number = text_arg("q"), text_arg("property"), page_arg()
    followup_only = text_arg("followup", ("1",)) == "1"
    with _rt().sessions() as session:
        entries, total = register.page(session, officer_scope(), status=RegisterState(status) if status else None,
                                       query=query, property_code=code, followup_only=followup_only, number=number)
        return render_template("register/index.html", entries=entries, total=total, page=number,
                               pages=max(1, math.ceil(total / register.PER_PAGE)), states=tuple(RegisterState),
                               status=status or "", query=query or "", property_code=code or "",
                               followup_only=followup_only, lacks=_lacks,
                               portraits={e.person.id: portrait_of(session, e.person.id) for e in entries})


@bp.app_template_filter("followup_words")
def followup_words(parts: tuple[str, ...]) -> str:
    """What is missing, in words: 户籍地址、照片."""
    return translate("followup_and").join(word("followup", part) for part in parts)


@bp.app_template_test("staff_declaration")
def is_staff_declaration(decl: Any) -> bool:
    """An employer's staff declaration (shown with the employer and site) rather than a tenant's."""
    return isinstance(decl, StaffDeclaration)


def _lacks(entry: register.Entry, portrait: Any | None) -> tuple[str, ...]:
    """What the 补采 list says a person still lacks, for the badge on their row and page: store.followup's rule,
    for a person accepted somewhere in scope (one still waiting for an officer is not on the list)."""
    if not any(d.status == "active" for d in (*entry.declarations, *entry.staff)):
        return ()
    return followup.lacking(entry.person, hukou=entry.hukou, has_portrait=portrait is not None)


@bp.get("/<int:person_id>")
@officer_required
def person(person_id: int):
    """One person: declarations in scope, status, the duplicate candidates and the merges that can be undone."""
    with _rt().sessions() as session:
        scope = officer_scope()
        entry = register.entry(session, scope, person_id)
        if entry is None:
            # A record merged into another has no declarations left: its old links lead to where they went.
            merge = merges.merged_into(session, person_id)
            if merge is None or scope.get_person(session, merge.kept_id) is None:
                abort(404)
            return redirect(url_for("register.person", person_id=merge.kept_id))
        portrait = portrait_of(session, person_id)
        return render_template("register/person.html", entry=entry, portrait=portrait, lacks=_lacks(entry, portrait),
                               candidates=register.candidates(session, scope, entry),
                               merges=merges.into(session, person_id), document_types=DOCUMENT_TYPES)


def _decide(person_id: int, action) -> Any:
    """Run one decision on a person of the register in scope (404 otherwise); its error is flashed."""
    try:
        with _rt().sessions.begin() as session:
            entry = register.entry(session, officer_scope(), person_id)
            if entry is None:
                abort(404)
            landing = action(session, entry)
    except RegisterError as exc:
        flash(_problem(exc), "error")
        return redirect(url_for("register.person", person_id=person_id))
    except NeedsSupervisor as exc:
        abort(403, description=translate(exc.code))
    return redirect(url_for("register.person", person_id=landing or person_id))


@bp.post("/<int:person_id>/verify")
@officer_required
def verify(person_id: int):
    """Mark the person verified (seen, hukou confirmed); audited."""
    return _decide(person_id, lambda session, entry: register.verify(session, current_officer.id, entry.person))


@bp.post("/<int:person_id>/document")
@officer_required
def document(person_id: int):
    """Record the document found on the person; if someone holds it already, the two are merged."""
    kind = request.form.get("document_type", "")
    number = request.form.get("document_number", "")
    today = dt.datetime.now(_rt().tz).date()

    def found(session, entry):
        return register.document_found(session, current_officer.id, entry.person, kind, number, today,
                                       officer_scope()).id
    return _decide(person_id, found)


@bp.post("/<int:person_id>/hukou")
@officer_required
def hukou(person_id: int):
    """Type the hukou address found later (补采): it takes the person off the list once the portrait is there too."""
    address = request.form.get("hukou", "")

    def typed(session, entry):
        if followup.set_hukou(session, officer_scope(), current_officer.id, entry.person, address):
            flash(translate("register_hukou_saved"), "info")
    return _decide(person_id, typed)


@bp.post("/<int:person_id>/merge")
@officer_required
def merge(person_id: int):
    """Merge the record `merged` into this person: its declarations move here; audited, and can be undone."""
    other = request.form.get("merged", "")
    if not (other.isascii() and other.isdigit()):
        abort(400)

    def merged(session, entry):
        duplicate = register.entry(session, officer_scope(), int(other))
        if duplicate is None:
            abort(404)
        merges.merge(session, current_officer.id, kept=entry.person, merged=duplicate.person, scope=officer_scope())
        flash(translate("register_merged"), "info")
    return _decide(person_id, merged)


@bp.post("/merges/<int:merge_id>/undo")
@officer_required
def undo(merge_id: int):
    """Undo a merge into a person the officer may see: the declarations go back to the record they came from."""
    kept_id = merged_id = 0
    try:
        with _rt().sessions.begin() as session:
            row = session.get(PersonMerge, merge_id)
            if row is None or officer_scope().get_person(session, row.kept_id) is None:
                abort(404)
            kept_id, merged_id = row.kept_id, row.merged_id
            merges.undo(session, current_officer.id, row, officer_scope())
    except RegisterError as exc:
        flash(_problem(exc), "error")
        return redirect(url_for("register.person", person_id=kept_id))
    except NeedsSupervisor as exc:
        abort(403, description=translate(exc.code))
    flash(translate("register_unmerged"), "info")
    return redirect(url_for("register.person", person_id=merged_id))
