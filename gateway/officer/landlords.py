"""Landlords and properties: list, enrol, edit, and print the tenant notice of a property."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from gateway.officer.auth import current_officer, officer_required, officer_scope
from gateway.i18n import translate
from store import agents, art57, audit, property_edits
from store.enrolment import Enrolment, EnrolmentError, enrol
from store.models import Landlord
from store.scope import NeedsSupervisor

bp = Blueprint("landlords", __name__, url_prefix="/landlords")


def _rt():
    return current_app.extensions["declgate"]


def flash_problems(exc: EnrolmentError) -> None:
    """One message per problem, each saying how to fix it, so the officer can go down the list."""
    for problem in exc.problems:
        flash(problem.message, "error")


def precinct_of(form) -> str:
    """Officers enrol into their own precinct; supervisors choose."""
    return form.get("precinct", "").strip() if current_officer.picks_precinct else current_officer.precinct_code


@bp.get("")
@officer_required
def index():
    """List the landlords of the officer's precinct with their properties there."""
    scope = officer_scope()
    with _rt().sessions() as session:
        landlords = list(session.scalars(scope.landlords(
            select(Landlord).options(selectinload(Landlord.properties))).order_by(Landlord.name, Landlord.id)))
        shown = {ll.id: scope.properties_of(ll) for ll in landlords}
        counts = property_edits.active_counts(session, [p.id for props in shown.values() for p in props])
        return render_template("landlords/index.html", landlords=landlords, shown=shown, counts=counts)


@bp.route("/new", methods=["GET", "POST"])
@officer_required
def new():
    """Enrol a landlord with a property (or add a property to an enrolled phone, if all theirs are in scope)."""
    form = request.form
    if request.method == "POST":
        entry = Enrolment(phone=form.get("phone", ""), name=form.get("name", ""),
                          property_code=form.get("property_code", ""), address=form.get("address", ""),
                          precinct=precinct_of(form), alias=form.get("alias") or None,
                          single_unit=bool(form.get("single_unit")))
        try:
            with _rt().sessions.begin() as session:
                prop = enrol(session, entry, _rt().settings.default_region, officer_scope())
                audit.record(session, current_officer.id, "enrol", f"property:{prop.code}",
                             landlord=prop.landlord.phone)
                landlord_id = prop.landlord_id
        except EnrolmentError as exc:
            flash_problems(exc)
            return render_template("landlords/new.html", form=form), 422
        except NeedsSupervisor as exc:
            flash(translate(exc.code), "error")
            return render_template("landlords/new.html", form=form), 403
        flash(translate("saved"), "ok")
        return redirect(url_for("landlords.landlord", landlord_id=landlord_id))
    return render_template("landlords/new.html", form={"phone": request.args.get("phone", "")})


@bp.route("/<int:landlord_id>", methods=["GET", "POST"])
@officer_required
def landlord(landlord_id: int):
    """Show a landlord with their properties in scope; POST renames them (if all their properties are)."""
    scope = officer_scope()
    with _rt().sessions.begin() as session:
        found = scope.get_landlord(session, landlord_id)
        if found is None:
            abort(404)
        if request.method == "POST":
            try:
                property_edits.rename_landlord(session, scope, found, request.form.get("name", ""),
                                               current_officer.id)
                flash(translate("saved"), "ok")
            except EnrolmentError as exc:
                flash_problems(exc)
            except NeedsSupervisor as exc:
                abort(403, description=translate(exc.code))
        props = scope.properties_of(found)
        counts = property_edits.active_counts(session, [p.id for p in props])
        shown = {p.id for p in props}  # a grant for one property of another precinct is that precinct's to see
        grants = [a for a in agents.of_landlord(session, found.id) if a.property_id is None or a.property_id in shown]
        return render_template("landlords/landlord.html", landlord=found, properties=props, counts=counts,
                               may_change=scope.may_change(found), agents=grants,
                               history=art57.history(session, landlord_id=found.id))


@bp.route("/property/<code>/edit", methods=["GET", "POST"])
@officer_required
def edit_property(code: str):
    """Edit a property's address, alias or single-unit flag."""
    with _rt().sessions.begin() as session:
        prop = officer_scope().get_property(session, code)
        if prop is None:
            abort(404)
        if request.method == "POST":
            form = request.form
            try:
                with session.begin_nested():
                    property_edits.update_property(session, prop, address=form.get("address", ""),
                                                   alias=form.get("alias"), single_unit=bool(form.get("single_unit")),
                                                   officer_id=current_officer.id, region=_rt().settings.default_region)
            except EnrolmentError as exc:
                flash_problems(exc)
                return render_template("landlords/property.html", prop=prop), 422
            flash(translate("saved"), "ok")
            return redirect(url_for("landlords.landlord", landlord_id=prop.landlord_id))
        return render_template("landlords/property.html", prop=prop)


@bp.get("/property/<code>/notice")
@officer_required
def notice(code: str):
    """The tenant notice for one property: its code in big digits, the voice line, how to call."""
    with _rt().sessions() as session:
        prop = officer_scope().get_property(session, code)
        if prop is None:
            abort(404)
        return render_template("landlords/notice.html", prop=prop,
                               voice_number=_rt().settings.voice_number or "—")
