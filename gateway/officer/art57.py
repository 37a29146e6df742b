"""Art. 57 actions (治安管理处罚法 第五十七条) against a landlord or employer on the follow-up list.

The page shows the subject's action history and, to an officer, the form to record one; an assistant (协管员)
sees the history only (a penalty is a police officer's decision, not data entry). A landlord or employer out of
the officer's scope is as good as missing (404), as on their own pages.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from gateway.officer.auth import current_officer, officer_required, officer_scope
from gateway.i18n import translate, word
from store import art57, employers
from store.models import local_time, utcnow

bp = Blueprint("art57", __name__, url_prefix="/art57")


def _rt():
    return current_app.extensions["declgate"]


def may_record() -> bool:
    return current_officer.role != "assistant"


def _subject(session, kind: str, subject_id: int):
    scope = officer_scope()
    if kind == "landlord":
        found = scope.get_landlord(session, subject_id)
        return found if found is not None and scope.properties_of(found) else None  # an action counts at a station
    if kind == "employer":
        return employers.get(session, scope, subject_id)
    return None


@bp.route("/<any(landlord, employer):kind>/<int:subject_id>", methods=["GET", "POST"])
@officer_required
def action(kind: str, subject_id: int):
    """GET: the history and the form; POST: record one action (officers, not assistants)."""
    today = local_time(utcnow(), _rt().tz).date()
    form = request.form
    problems: list[art57.Problem] = []
    with _rt().sessions.begin() as session:
        subject = _subject(session, kind, subject_id)
        if subject is None:
            abort(404)
        if request.method == "POST":
            if not may_record():
                abort(403, description=translate("art57_assistant_view_only"))
            entry = art57.ActionForm(kind=form.get("kind", ""), action_date=form.get("action_date", ""),
                                     amount_yuan=form.get("amount_yuan", ""), decision_no=form.get("decision_no", ""),
                                     note=form.get("note", ""))
            try:
                with session.begin_nested():
                    art57.record(session, officer_scope(), current_officer.id, entry, today,
                                 **{kind: subject})
            except art57.ActionError as exc:
                problems = exc.problems
                for problem in problems:
                    flash(word("art57_error", problem.code), "error")
            else:
                flash(translate("art57_saved"), "ok")
                return redirect(url_for("art57.action", kind=kind, subject_id=subject_id), code=303)
        done = art57.history(session, **{f"{kind}_id": subject_id})
        page = render_template("followup/action.html", kind=kind, subject=subject, history=done, today=today,
                               form=form, problems={p.field for p in problems}, may_record=may_record(),
                               kinds=art57.KINDS)
    return (page, 422) if problems else page
