"""Employers (用工单位) and their sites in the officer's precinct, with their current staff and lodgers; officers
enrol an employer with its first site, and add sites to one of their precinct (store.employers.enrol, the same
path as `declgate employer add|import`). An employer of another precinct is as good as missing (404), like a
landlord's property there; extending one by its credit code from another precinct is refused (403).
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from gateway.i18n import translate
from gateway.officer.auth import current_officer, officer_required, officer_scope
from gateway.officer.landlords import precinct_of
from store import art57, audit, employers, staff
from store.employers import SITE_KINDS, EmployerEntry, split_phones
from store.enrolment import EnrolmentError
from store.scope import NeedsSupervisor
from store.stats import precinct_choices

bp = Blueprint("employers", __name__, url_prefix="/employers")


def _rt():
    return current_app.extensions["declgate"]


def _capacity(text: str) -> int | None:
    """The capacity typed, None when left empty; text that is no count reads as -1, which enrol refuses."""
    text = text.strip()
    if not text:
        return None
    return int(text) if text.isdigit() else -1


def _site(form, **employer) -> EmployerEntry:
    return EmployerEntry(site_code=form.get("site_code", ""), site_kind=form.get("site_kind", "workplace"),
                         site_alias=form.get("site_alias", "").strip() or None,
                         site_address=form.get("site_address", ""), capacity=_capacity(form.get("capacity", "")),
                         **employer)


def _enrol(entry: EmployerEntry):
    """Enrol `entry` in the officer's scope. Returns (employer id, None) or (None, HTTP status) with the problems
    flashed, each with its field and stable code."""
    try:
        with _rt().sessions.begin() as session:
            site = employers.enrol(session, entry, _rt().settings.default_region, officer_scope())
            audit.record(session, current_officer.id, "enrol_employer", f"site:{site.code}",
                         employer=entry.credit_code.strip().upper())
            return site.employer_id, None
    except EnrolmentError as exc:
        for problem in exc.problems:
            flash(f"{problem.field} · {problem.code}: {problem.message}", "error")
        return None, 422
    except NeedsSupervisor as exc:
        flash(f"{exc.code}: {translate(exc.code)}", "error")
        return None, 403


@bp.get("")
@officer_required
def index():
    """Every employer in scope with its sites and how many work and lodge there."""
    with _rt().sessions() as session:
        found = employers.in_scope(session, officer_scope())
        counts = {e.id: staff.active(session, e.id) for e in found}
        return render_template("employers/index.html", employers=found,
                               working={i: len(rows) for i, rows in counts.items()},
                               lodging={i: sum(r.lodger for r in rows) for i, rows in counts.items()})


@bp.route("/new", methods=["GET", "POST"])
@officer_required
def new():
    """Enrol an employer with its first site (in the officer's own precinct; a supervisor picks one in scope)."""
    form = request.form
    if request.method == "POST":
        entry = _site(form, credit_code=form.get("credit_code", ""), name=form.get("name", ""),
                      address=form.get("address", ""), precinct=precinct_of(form),
                      phones=split_phones(form.get("phones", "")))
        employer_id, status = _enrol(entry)
        if employer_id is None:
            return _new_page(form), status
        flash(translate("saved"), "ok")
        return redirect(url_for("employers.employer", employer_id=employer_id))
    return _new_page({})


def _new_page(form):
    """The form; a supervisor picks the station among those in their scope."""
    with _rt().sessions() as session:
        stations = precinct_choices(session, current_officer.reach) if current_officer.picks_precinct else []
        return render_template("employers/new.html", form=form, kinds=SITE_KINDS, stations=stations)


@bp.get("/<int:employer_id>")
@officer_required
def employer(employer_id: int):
    """One employer: contacts, sites (capacity against lodgers), and its current staff, IDs masked."""
    return _page(employer_id, {})


@bp.post("/<int:employer_id>/sites")
@officer_required
def add_site(employer_id: int):
    """Add a site to an employer in scope."""
    with _rt().sessions() as session:
        found = employers.get(session, officer_scope(), employer_id)
        if found is None:
            abort(404)
        entry = _site(request.form, credit_code=found.credit_code, name=found.name, address=found.address,
                      precinct=found.precinct.code, phones=employers.contacts(session, found.id))
    added, status = _enrol(entry)
    if added is None:
        return _page(employer_id, request.form), status
    flash(translate("saved"), "ok")
    return redirect(url_for("employers.employer", employer_id=employer_id))


def _page(employer_id: int, form):
    with _rt().sessions() as session:
        found = employers.get(session, officer_scope(), employer_id)
        if found is None:
            abort(404)
        rows = staff.active(session, found.id)
        lodgers = {site.id: sum(1 for r in rows if r.lodger and r.site_id == site.id) for site in found.sites}
        return render_template("employers/employer.html", employer=found, staff=rows, lodgers=lodgers,
                               contacts=employers.contacts(session, found.id), form=form, kinds=SITE_KINDS,
                               history=art57.history(session, employer_id=found.id))
