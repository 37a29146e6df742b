"""Landlords' and employers' enrolment requests (one queue): the list of those waiting, one request, approve or reject.

An officer sees the requests whose address suggests their precinct, and those no precinct could be
suggested for; supervisors see all and choose the precinct. Another precinct's request answers 404.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from gateway.i18n import translate
from gateway.officer import enrolment_actions
from gateway.officer.auth import current_officer, officer_required, officer_scope
from gateway.officer.landlords import flash_problems
from store import enrolment_requests as requests
from store.enrolment import EnrolmentError
from store.scope import NeedsSupervisor

bp = Blueprint("enrolments", __name__, url_prefix="/enrolments")


def _rt():
    return current_app.extensions["declgate"]


@bp.get("")
@officer_required
def index():
    """The pending requests this officer may decide, oldest first."""
    with _rt().sessions() as session:
        rows = requests.pending(session, officer_scope())
        return render_template("enrolments/index.html", rows=rows)


def _page(enrolment_id: int, status: int = 200, form=None):
    with _rt().sessions() as session:
        found = requests.get(session, officer_scope(), enrolment_id)
        if found is None:
            abort(404)
        suggested = found.suggested_precinct.code if found.suggested_precinct else current_officer.precinct_code
        return render_template("enrolments/request.html", req=found, form=form or {},
                               next_code=requests.next_free_code(session), suggested=suggested), status


@bp.get("/<int:enrolment_id>")
@officer_required
def detail(enrolment_id: int):
    """One request: who asks (ID masked), for which address, any conflict, and the two decisions."""
    return _page(enrolment_id)


@bp.post("/<int:enrolment_id>/approve")
@officer_required
def approve(enrolment_id: int):
    """Enrol the landlord and property; they are texted the property code and their held messages run again."""
    form = request.form
    precinct = form.get("precinct", "").strip() if current_officer.picks_precinct \
        else current_officer.precinct_code
    try:
        done = enrolment_actions.approve(_rt(), current_officer.id, officer_scope(), enrolment_id,
                                         precinct=precinct, property_code=form.get("property_code", ""))
    except LookupError:
        abort(404)
    except EnrolmentError as exc:
        flash_problems(exc)
        return _page(enrolment_id, 422, form)
    except NeedsSupervisor as exc:
        abort(403, description=translate(exc.code))
    except requests.DecisionError as exc:
        flash(translate(exc.code), "error")
        return _page(enrolment_id, 409)
    flash(translate("enrolment_approved_employer" if done.employer else "enrolment_approved",
                    code=done.property_code, count=done.reprocessed), "ok")
    return redirect(url_for("enrolments.index"))


@bp.post("/<int:enrolment_id>/reject")
@officer_required
def reject(enrolment_id: int):
    """Refuse the request; the landlord is texted the reason."""
    try:
        enrolment_actions.reject(_rt(), current_officer.id, officer_scope(), enrolment_id,
                                 request.form.get("reason", ""))
    except LookupError:
        abort(404)
    except NeedsSupervisor as exc:
        abort(403, description=translate(exc.code))
    except requests.DecisionError as exc:
        flash(translate(exc.code), "error")
        return _page(enrolment_id, 422 if exc.code == "reason_required" else 409)
    flash(translate("enrolment_rejected"), "ok")
    return redirect(url_for("enrolments.index"))
