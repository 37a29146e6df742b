"""Employers (用工单位) and their sites in the officer's precinct, with their current staff and lodgers.

Read-only for now: employers are enrolled with `declgate employer add|import`. An employer of another precinct
is as good as missing (404), like a landlord's property there.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template

from gateway.officer.auth import officer_required, officer_scope
from store import art57, employers, staff

bp = Blueprint("employers", __name__, url_prefix="/employers")


def _rt():
    return current_app.extensions["declgate"]


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


@bp.get("/<int:employer_id>")
@officer_required
def employer(employer_id: int):
    """One employer: contacts, sites (capacity against lodgers), and its current staff, IDs masked."""
    with _rt().sessions() as session:
        found = employers.get(session, officer_scope(), employer_id)
        if found is None:
            abort(404)
        rows = staff.active(session, found.id)
        lodgers = {site.id: sum(1 for r in rows if r.lodger and r.site_id == site.id) for site in found.sites}
        return render_template("employers/employer.html", employer=found, staff=rows, lodgers=lodgers,
                               contacts=employers.contacts(session, found.id),
                               history=art57.history(session, employer_id=found.id))
