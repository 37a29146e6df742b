"""Searching people and their declarations; ID numbers masked unless an officer asks, and every look is audited."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for

from gateway.i18n import translate
from gateway.media import fetch, images, portraits, storage
from gateway.officer.auth import current_officer, officer_required, officer_scope, reveal_required
from gateway.id_masking import Revealed
from gateway.web.uploads import accepts_upload
from store import audit, media, search
from store.models import MediaItem

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
            audit.record(session, current_officer.id, "search", "people", query=search.audited_query(query),
                         results=len(results))
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
                               declarations=search.declarations_of(session, scope, person),
                               staff=search.staff_of(session, scope, person),
                               portrait=media.portrait_of(session, person.id))


@bp.get("/<int:person_id>")
@officer_required
def person(person_id: int):
    """One person's declarations over time, ID masked."""
    return _person_page(person_id, full_id=False)


@bp.post("/<int:person_id>/full-id")
@reveal_required
def full_id(person_id: int):
    """Show the full ID number once, recording who looked."""
    return _person_page(person_id, full_id=True)


@bp.post("/<int:person_id>/portrait")
@officer_required
@accepts_upload
def upload_portrait(person_id: int):
    """An officer's photo of the person (taken at the door, or the one the landlord could not send): checked,
    stripped and stored like an MMS image, recorded in the audit log. The newest portrait is the one shown."""
    upload = request.files.get("portrait")
    data = upload.read(fetch.MAX_BYTES + 1) if upload else b""
    with _rt().sessions.begin() as session:
        person = officer_scope().get_person(session, person_id)
        if person is None:
            abort(404)
        try:
            if not data:
                raise images.BadImage("missing_media")
            key, size = portraits.keep(_rt().settings, data)
        except images.BadImage as exc:
            audit.record(session, current_officer.id, "portrait_refused", f"person:{person.id}", problem=exc.problem)
            flash(translate("portrait_refused"), "error")
            return redirect(url_for("people.person", person_id=person.id))
        item = MediaItem(status=media.STORED, key=key, size=size, person_id=person.id, officer_id=current_officer.id,
                         content_type=(upload.mimetype or "")[:64] or None)
        session.add(item)
        session.flush()
        audit.record(session, current_officer.id, "portrait_upload", f"person:{person.id}", media=item.id)
    flash(translate("portrait_saved"), "info")
    return redirect(url_for("people.person", person_id=person_id))


@bp.post("/media/<int:media_id>")
def media_full(media_id: int):
    """A stored image, full size, for officers whose precinct the person or message is in (404 otherwise).

    A face identifies a person as a full ID number does, so seeing it is what seeing the number is: a CSRF-checked
    POST (no link or <img> elsewhere can make it in an officer's name) that writes an audit row."""
    return _media(media_id, thumb=False)


@bp.get("/media/<int:media_id>/thumb")
def media_thumb(media_id: int):
    return _media(media_id, thumb=True)


def _media(media_id: int, thumb: bool) -> Response:
    """An image is fetched by an <img>, not navigated to: an anonymous request gets a plain 403, not the login
    page, and another precinct's image is as missing as one that does not exist."""
    if not current_officer.is_authenticated:
        abort(403)
    with _rt().sessions.begin() as session:
        item = session.get(MediaItem, media_id)
        if item is None or item.status != media.STORED or not item.key or not _in_scope(session, item):
            abort(404)
        key = item.key + (storage.THUMB if thumb else "")
        if not thumb:  # the full-size face is as identifying as a full ID number: who looked is recorded alike
            target = f"person:{item.person_id}" if item.person_id is not None else f"inbound:{item.inbound_id}"
            audit.record(session, current_officer.id, "view_portrait", target, media=item.id)
    data = portraits.store_of(_rt().settings).get(key)
    if data is None:
        abort(404)
    response = Response(data, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _in_scope(session, item: MediaItem) -> bool:
    """Whether the officer may see the image: the person's precinct, else the message's."""
    scope = officer_scope()
    if item.person_id is not None and scope.get_person(session, item.person_id) is not None:
        return True
    return item.inbound_id is not None and scope.get_inbound(session, item.inbound_id) is not None
