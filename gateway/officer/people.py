"""Searching people and their declarations; ID numbers masked unless an officer asks, and every look is audited."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request

from gateway.officer.auth import current_officer, officer_required, officer_scope
from gateway.id_masking import Revealed
from store import audit, search

bp = Blueprint("people", __name__, url_prefix="/people")


def _rt():
    return current_app.extensions["declgate"]


@bp.get("")
@officer_required
def search_page():
    """Show the search form. Searching is a POST: a link cannot run a search in an officer's name, and the
    query (often an ID number) stays out of URLs, browser history and access logs."""
    return render_template("people/search.html", query="", results=[], too_short=False)


@bp.post("")
@officer_required
def search_results():
    """Search by ID number, name, phone or address; the search itself is recorded, its query masked."""
    query = request.form.get("q", "").strip()
    results = []
    with _rt().sessions.begin() as session:
        if query:
            results = search.people(session, officer_scope(), query, _rt().settings.default_region)
            audit.record(session, current_officer.id, "search", "people", query=query, results=len(results))
        return render_template("people/search.html", query=Revealed(query), results=results,
                               too_short=bool(query) and len(query) < search.MIN_QUERY)


def _person_page(person_id: int, full_id: bool):
    with _rt().sessions.begin() as session:
        scope = officer_scope()
        person = scope.get_person(session, person_id)
        if person is None:
            abort(404)
        if full_id:
            audit.record(session, current_officer.id, "view_full_id", f"person:{person.id}",
                         document_type=person.document_type)
        return render_template("people/person.html", person=person, full_id=full_id,
                               full_number=Revealed(person.document_number or "") if full_id else None,
                               declarations=search.declarations_of(session, scope, person))


@bp.get("/<int:person_id>")
@officer_required
def person(person_id: int):
    """One person's declarations over time, ID masked."""
    return _person_page(person_id, full_id=False)


@bp.post("/<int:person_id>/full-id")
@officer_required
def full_id(person_id: int):
    """Show the full ID number once, recording who looked."""
    return _person_page(person_id, full_id=True)
