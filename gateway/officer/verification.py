"""Verification (核实): the list of declarations and staff declarations drawn for checking in the officer's
scope, and one item with its three marks. IDs are always masked here (the list is read on the doorstep,
assistants use it too); an item of a station outside the scope answers 404."""
from __future__ import annotations

import datetime as dt
import math

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from gateway.i18n import translate, word
from gateway.officer.auth import current_officer, officer_required, officer_scope
from gateway.web.query_args import id_arg, page_arg, text_arg
from store import verification
from store.models import Precinct
from store.states import VerificationMark
from store.stats import Month

bp = Blueprint("verification", __name__, url_prefix="/verification")


def _rt():
    return current_app.extensions["declgate"]


def _month_arg() -> str | None:
    raw = text_arg("month")
    try:
        return str(Month.parse(raw)) if raw else None
    except ValueError:
        abort(400)


@bp.get("")
@officer_required
def index():
    """The drawn declarations in scope: open ones (or done), by month and station."""
    month, precinct_id, number = _month_arg(), id_arg("precinct"), page_arg()
    done = text_arg("state", ("open", "done")) == "done"
    scope = officer_scope()
    if precinct_id is not None and not scope.covers(precinct_id):
        precinct_id = None  # a station outside the scope filters nothing in: the list shows the scope
    with _rt().sessions() as session:
        items, total = verification.page(session, scope, month=month, precinct_id=precinct_id, done=done,
                                         number=number)
        stations = list(session.scalars(scope.precincts(select(Precinct).order_by(Precinct.code))))
        return render_template("verification/index.html", items=items, total=total, page=number,
                               pages=max(1, math.ceil(total / verification.PER_PAGE)), month=month or "",
                               precinct_id=precinct_id, stations=stations, done=done)


@bp.get("/<int:item_id>")
@officer_required
def item(item_id: int):
    """One drawn declaration: who, where (the property, or the employer and its site), since when, and the three
    marks."""
    with _rt().sessions() as session:
        found = verification.item(session, officer_scope(), item_id)
        if found is None:
            abort(404)
        return render_template("verification/item.html", item=found, decl=found.subject,
                               marks=tuple(VerificationMark))


@bp.post("/<int:item_id>/mark")
@officer_required
def mark(item_id: int):
    """Mark the item verified, corrected (the register changed as found) or not found there; audited."""
    form = request.form
    today = dt.datetime.now(_rt().tz).date()
    try:
        with _rt().sessions.begin() as session:
            found = verification.item(session, officer_scope(), item_id)
            if found is None:
                abort(404)
            verification.mark(session, current_officer.id, found, form.get("mark", ""), form.get("note", ""),
                              name=form.get("name"), room=form.get("room"), end_it=form.get("end") == "1",
                              today=today)
    except verification.VerificationError as exc:
        flash(word("verify_error", exc.code), "error")
        return redirect(url_for("verification.item", item_id=item_id))
    flash(translate("verify_done"), "ok")
    return redirect(url_for("verification.index"))
