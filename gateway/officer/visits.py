"""Door-to-door entry (拉网排查): officers and assistants declare a person they found at an address.

A phone-width form: the property (searched by code or address, only the officer's precincts), room, move-in
date, and the person's document — or, with none, name, household-registration address and a photo taken with
the phone's camera. The fields are checked as an API declaration's are (parsers.structured), the entry goes
through the dedupe of every channel (store.visits), and the landlord gets one SMS when someone undeclared was
found living at their property.
"""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from gateway.i18n import language, translate
from gateway.media import fetch, images, portraits
from gateway.officer.auth import current_officer, officer_required, officer_scope
from gateway.pipeline import delivery
from gateway.pipeline.policy import today_for
from gateway.web.uploads import accepts_upload
from parsers.codes import describe
from parsers.notices import render_visit_notice
from parsers.structured import DOCUMENT_TYPES, MoveIn, read_move_in
from store import audit, languages, media, visits
from store.models import MediaItem, utcnow

bp = Blueprint("visits", __name__, url_prefix="/visit")

UI_PROBLEMS = {"unknown_property": "visit_pick_property", "portrait_refused": "portrait_refused"}
FIELDS = ("property", "room", "date", "document_type", "document_number", "name", "hukou", "phone")


def _rt():
    return current_app.extensions["declgate"]


def _say(code: str, lang: str) -> str:
    """A problem in words: the form's own (a property to pick, a photo refused), else the SMS code's."""
    return translate(UI_PROBLEMS[code]) if code in UI_PROBLEMS else describe(code, lang)


def _form_page(form: dict, problems: list[str], status: int = 200):
    query = request.args.get("q", "").strip()
    with _rt().sessions() as session:
        scope = officer_scope()
        if query:
            choices = visits.find_properties(session, scope, query)
        else:
            choices = visits.find_properties(session, scope, form.get("property", "")) if form.get("property") \
                else []
        return render_template("visits/form.html", form=form, query=query, choices=choices,
                               problems=problems, document_types=DOCUMENT_TYPES,
                               today=today_for(utcnow()).isoformat()), status


@bp.get("")
@officer_required
def form():
    """The entry form; `?q=` finds properties of the officer's precincts by code or address."""
    return _form_page({"property": request.args.get("property", "")}, [])


@bp.post("")
@officer_required
@accepts_upload
def enter():
    """Check the fields, store the entry and show its receipt (or why not: the form again, filled in)."""
    rt = _rt()
    form = {name: request.form.get(name, "").strip() for name in FIELDS}
    lang = language()
    today = today_for(utcnow())
    result = read_move_in(MoveIn(name=form["name"], document_type=form["document_type"] or "ric",
                                 document_number=form["document_number"], room=form["room"],
                                 date=form["date"] or None, phone=form["phone"], property=form["property"],
                                 hukou=form["hukou"]),
                          today=today, deadline_days=rt.settings.deadline_days, region=rt.settings.default_region,
                          language=lang, campaign_start=rt.campaign_start(today))
    problems = [problem.code for problem in result.errors]
    record = result.records[0]
    no_document = record.document is not None and record.document.type == "none"
    upload = request.files.get("portrait")
    photo = upload.read(fetch.MAX_BYTES + 1) if upload else b""
    if no_document and not record.hukou:
        problems.append("missing_hukou")
    if no_document and not photo:
        problems.append("missing_portrait")  # the officer is at the door: the photo is taken now
    kept = None
    if no_document and photo:
        try:
            kept = portraits.keep(rt.settings, photo)
        except images.BadImage:
            problems.append("portrait_refused")
    with rt.sessions() as session:
        prop = officer_scope().get_property(session, form["property"]) if form["property"] else None
        if prop is None:
            problems.insert(0, "unknown_property")  # another station's property is as unknown as none at all
        elif not record.room and not prop.single_unit:
            problems.append("missing_room")
    if problems:
        return _form_page(form, [_say(code, lang) for code in dict.fromkeys(problems)], 422)
    with rt.sessions.begin() as session:
        scope = officer_scope()
        prop = scope.get_property(session, form["property"])
        if prop is None:  # moved to another station a moment ago
            return _form_page(form, [_say("unknown_property", lang)], 422)
        late = any(warning.code == "late" for warning in result.warnings)
        with session.begin_nested() as savepoint:
            entered = visits.enter(session, scope, current_officer.id, prop.code, record, late=late)
            if entered.duplicate:
                savepoint.rollback()  # already declared there: nothing changes, not even a name or phone
        decl = entered.declaration
        notice_id = None
        if entered.duplicate:
            audit.record(session, current_officer.id, "visit", f"declaration:{decl.id}", property=prop.code,
                         outcome=entered.outcome, receipt=decl.receipt)
        else:
            if kept is not None:
                item = MediaItem(status=media.STORED, key=kept[0], size=kept[1], officer_id=current_officer.id,
                                 content_type=(upload.mimetype or "")[:64] or None)
                media.attach(item, decl)
                session.add(item)
                session.flush()
                audit.record(session, current_officer.id, "portrait_upload", f"person:{decl.person_id}",
                             media=item.id)
            landlord = prop.landlord.phone
            body = render_visit_notice(name=record.name, document_number=record.document.number
                                       if record.document else None, room=decl.room, address=prop.address,
                                       receipt=decl.receipt, language=languages.remembered(session, landlord) or "zh")
            notice_id = delivery.queue_sms(session, landlord, body, in_reply_to=None, purpose="visit_notice").id
        page = render_template("visits/done.html", decl=decl, prop=prop, outcome=str(entered.outcome),
                               duplicate=entered.duplicate)
    if notice_id is not None:
        delivery.send_notice(rt, notice_id)
    return page

