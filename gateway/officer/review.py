"""The officers' review queue and item pages. Views are thin: rules live in store.review and actions."""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from gateway.officer import actions
from gateway.officer.auth import current_officer, officer_required, officer_scope, reveal_required
from gateway.officer.landlords import flash_problems
from gateway.officer.register import followup_words
from gateway.pipeline import policy
from gateway.i18n import language, translate
from gateway.i18n.replies import TEMPLATES
from gateway.id_masking import Revealed
from gateway.web.query_args import date_arg, id_arg, page_arg, text_arg
from parsers import OutcomeStatus, contains_id, mask_id, mask_ids
from parsers.codes import describe
from parsers.masking import IdSpan, find_ids
from store import audit, enrolment_requests, media, review, staff
from store.enrolment import EnrolmentError
from store.models import Precinct, utc_midnight
from store.scope import NeedsSupervisor
from store.states import Channel

bp = Blueprint("review", __name__, url_prefix="/review")
PER_PAGE = 25
CHANNELS = (Channel.SMS, Channel.VOICE)  # what the queue can be filtered by
FILTERS = ("reason", "channel", "precinct", "from", "to")  # what a queue link may carry, besides the page


def reason_text(code: str) -> str:
    """Human description of a reason code in the UI language."""
    return describe(code, language())


@bp.app_context_processor
def helpers() -> dict[str, object]:
    return {"reason_text": reason_text, "mask_id": mask_id}


def _rt():
    return current_app.extensions["declgate"]


def _filters() -> tuple[review.Filters, dict[str, str]]:
    """The queue's filters, checked (a bad value is a 400 that names it), and as the links repeat them."""
    start, end = date_arg("from"), date_arg("to")
    reason, channel, precinct = text_arg("reason"), text_arg("channel", CHANNELS), id_arg("precinct")
    tz = _rt().tz
    filters = review.Filters(
        reason=reason, channel=channel, precinct_id=precinct,
        since=utc_midnight(start, tz) if start else None,
        until=utc_midnight(end + dt.timedelta(days=1), tz) if end else None)
    shown = dict(zip(FILTERS, (reason or "", channel or "", str(precinct or ""), str(start or ""), str(end or ""))))
    return filters, shown


def kept(shown: dict[str, str]) -> dict[str, str]:
    """The filters an item page carries on to its actions and back to the queue (the ones set)."""
    return {k: v for k, v in shown.items() if k in FILTERS and v}


def queue_url(shown: dict[str, str], **changes: object) -> str:
    """A link to the queue with the filters shown (and `changes`): only known names, never request.args."""
    args = {k: v for k, v in {**shown, **changes}.items() if k in (*FILTERS, "page") and v not in ("", None)}
    return url_for("review.queue", **args)


@bp.get("")
@officer_required
def queue():
    """List open items newest first, with counts per reason and filters."""
    filters, shown = _filters()
    page = page_arg()
    scope = officer_scope()
    with _rt().sessions() as session:
        counts = review.reason_counts(session, scope, filters)
        items, total = review.open_items(session, scope, filters, page=page, per_page=PER_PAGE)
        precincts = (list(session.scalars(scope.precincts(select(Precinct)).order_by(Precinct.code)))
                     if scope.only is None else [])
        precinct_codes = {p.id: p.code for p in session.scalars(select(Precinct))}
    return render_template("review/queue.html", counts=counts, items=items, total=total, page=page,
                           pages=max(1, math.ceil(total / PER_PAGE)), shown=shown, precincts=precincts,
                           precinct_codes=precinct_codes, queue_url=queue_url, channels=CHANNELS,
                           item_url=lambda inbound_id: url_for("review.item", inbound_id=inbound_id, **kept(shown)))


@dataclass(frozen=True)
class Segment:
    text: str
    codes: tuple[str, ...]
    warning: bool


def _masked(body: str, start: int, end: int, ids: list[IdSpan]) -> str:
    """body[start:end] as shown masked: widened to whole ID numbers, each replaced by its masked form.

    A problem's span may hold only part of an ID (`19900101` of `350102 19900101 1238`);
    shown alone, the parts would add up to the number.
    """
    for span in ids:
        if span.start < end and start < span.end:
            start, end = min(start, span.start), max(end, span.end)
    out, pos = [], start
    for span in ids:
        if start <= span.start and span.end <= end:
            out += [body[pos:span.start], span.masked]
            pos = span.end
    return "".join(out) + body[pos:end]


def segments(body: str, errors: list[dict], warnings: list[dict], *, reveal: bool = False) -> list[Segment]:
    """Cut the original text at every span boundary; each piece knows which codes cover it.

    Masked (the default), every ID number is one piece, marked with the codes of any
    span touching it. Revealed, the pieces are the text as received. The template
    prints each piece through autoescaping: the text is the sender's, so it is never
    marked safe.
    """
    ids = [] if reveal else find_ids(body)
    spans = [(p, False) for p in errors] + [(p, True) for p in warnings]
    cuts = {0, len(body)}
    for problem, _ in spans:
        cuts.update(min(max(int(problem.get(k, 0)), 0), len(body)) for k in ("start", "end"))
    for span in ids:
        cuts = {c for c in cuts if not span.start < c < span.end} | {span.start, span.end}
    edges = sorted(cuts)
    by_start = {span.start: span for span in ids}
    pieces = []
    for start, end in zip(edges, edges[1:]):
        span = by_start.get(start)
        if span is not None:
            covering = [(p["code"], warn) for p, warn in spans if p.get("start", 0) < end and start < p.get("end", 0)]
            text = span.masked
        else:
            covering = [(p["code"], warn) for p, warn in spans
                        if p.get("start", 0) <= start and end <= p.get("end", 0)]
            text = body[start:end]
        pieces.append(Segment(Revealed(text) if reveal else text, tuple(dict.fromkeys(c for c, _ in covering)),
                              bool(covering) and all(w for _, w in covering)))
    return pieces


def _problems(body: str, parse: dict, reveal: bool) -> dict[str, list[dict]]:
    """The parse's errors and warnings with the text each one quotes, masked like the message."""
    ids = [] if reveal else find_ids(body)
    shown = {}
    for kind in ("errors", "warnings"):
        shown[kind] = []
        for p in parse.get(kind, []):
            start = min(max(int(p.get("start", 0)), 0), len(body))
            end = min(max(int(p.get("end", 0)), start), len(body))
            text = p.get("text") or ""
            text = Revealed(text) if reveal else _masked(body, start, end, ids) if text else text
            shown[kind].append({**p, "text": text})
    return shown


def _item_page(inbound_id: int, *, reveal: bool):
    """The item page, masked; revealed only after the look is recorded (and only if there is a number to see)."""
    scope = officer_scope()
    shown = _filters()[1]
    with _rt().sessions.begin() as session:
        try:
            inbound = review.item(session, scope, inbound_id)
        except LookupError:
            abort(404)
        body = inbound.body or ""
        has_id = contains_id(body)
        if reveal:
            if not has_id:
                return _back(inbound_id)  # nothing hidden: no look to record
            audit.record(session, current_officer.id, "view_full_id", f"inbound:{inbound.id}")
        parse = policy.shown_parse(inbound)
        problems = _problems(body, parse, reveal)
        history = review.history(session, scope, inbound)
        pieces = segments(body, parse.get("errors", []), parse.get("warnings", []), reveal=reveal)
        enrolments = enrolment_requests.pending(session, scope, inbound.from_number) if history.landlord is None \
            else []
        waiting = staff.waiting(session, scope, inbound.id)
        return render_template("review/item.html", inbound=inbound, parse=parse, problems=problems, history=history,
                               enrolments=enrolments,
                               pieces=pieces, templates=TEMPLATES, ui_lang=language(), revealed=reveal,
                               has_id=has_id, body=Revealed(body) if reveal else mask_ids(body),
                               precinct_code=current_officer.precinct_code, reviewable=review.REVIEWABLE,
                               keep=kept(shown), back_url=queue_url(shown),
                               images=media.of_message(session, inbound),
                               staff_waiting=waiting,
                               portraits={d.person_id: media.portrait_of(session, d.person_id)
                                          for d in (*history.declarations, *waiting)
                                          if d.person.document_type == "none"})


@bp.get("/<int:inbound_id>")
@officer_required
def item(inbound_id: int):
    """Show one item, ID numbers masked: the text with its errors highlighted, the sender, history and actions."""
    return _item_page(inbound_id, reveal=False)


@bp.post("/<int:inbound_id>/full-text")
@reveal_required
def full_text(inbound_id: int):
    """Show the message as received, ID numbers in full, recording who looked (a POST: no link can do it)."""
    return _item_page(inbound_id, reveal=True)


def _act(inbound_id: int | None, action):
    """Run an action; a missing item is 404, one reaching into another precinct 403 (with why), an action
    that no longer applies is a message."""
    try:
        return action()
    except LookupError:
        abort(404)
    except NeedsSupervisor as exc:
        abort(403, description=translate(exc.code))
    except review.ReviewError as exc:
        flash(translate(exc.code), "error")
    except EnrolmentError as exc:  # linking the sender enrols them: sentences that say what to fix
        flash_problems(exc)
    return None


def _back(inbound_id: int, done: bool = True):
    """Back to the item, or on to the next one when the officer chose "and next" and the action was done
    (the queue's filters kept either way)."""
    filters, shown = _filters()
    if done and request.method == "POST" and request.form.get("then") == "next":
        with _rt().sessions() as session:
            following = review.next_open(session, officer_scope(), filters, inbound_id)
        if following is None:
            flash(translate("queue_done"), "ok")
            return redirect(queue_url(shown))
        inbound_id = following
    return redirect(url_for("review.item", inbound_id=inbound_id, **kept(shown)))


def _to_copy(inbound_id: int, action, done: str):
    """Run an action that stores a new copy of the item: go on to the copy, or back to the item if it failed."""
    new_id = _act(inbound_id, action)
    if new_id is None:
        return _back(inbound_id, done=False)
    flash(translate(done, id=new_id), "ok")
    if request.form.get("then") == "next":
        return _back(inbound_id)
    return redirect(url_for("review.item", inbound_id=new_id, **kept(_filters()[1])))


@bp.post("/<int:inbound_id>/edit")
@officer_required
def edit(inbound_id: int):
    """Store the corrected text as a new message from the same sender and queue it."""
    return _to_copy(inbound_id, lambda: actions.edit_and_reprocess(
        _rt(), current_officer.id, officer_scope(), inbound_id, request.form.get("body", "")), "done_edited")


@bp.post("/<int:inbound_id>/link")
@officer_required
def link(inbound_id: int):
    """Enrol the sender as landlord of a property, then reprocess the message."""
    form = request.form
    precinct = form.get("precinct", "") if current_officer.picks_precinct else current_officer.precinct_code
    return _to_copy(inbound_id, lambda: actions.link_and_reprocess(
        _rt(), current_officer.id, officer_scope(), inbound_id, name=form.get("name", ""),
        property_code=form.get("property_code", ""), address=form.get("address", ""), precinct=precinct,
        alias=form.get("alias") or None, single_unit=bool(form.get("single_unit"))), "done_linked")


@bp.post("/<int:inbound_id>/reject")
@officer_required
def reject(inbound_id: int):
    """Reject an item with a reason and, if chosen, a templated reply."""
    template = request.form.get("template") or None
    if template is not None and template not in TEMPLATES:
        abort(400)
    done = _act(inbound_id, lambda: actions.reject(
        _rt(), current_officer.id, officer_scope(), inbound_id, request.form.get("reason", "").strip(), template)
        or True)
    if done:
        flash(translate("done_rejected") + (" " + translate("reply_sent") if template else ""), "ok")
    return _back(inbound_id, done=bool(done))


@bp.post("/<int:inbound_id>/spam")
@officer_required
def spam(inbound_id: int):
    """Close an item as spam."""
    done = _act(inbound_id, lambda: actions.mark_spam(_rt(), current_officer.id, officer_scope(), inbound_id)
                or True)
    if done:
        flash(translate("done_spam"), "ok")
    return _back(inbound_id, done=bool(done))


@bp.post("/declaration/<int:decl_id>/accept")
@officer_required
def accept(decl_id: int):
    """Accept a pending declaration with the name typed from the recording (and, for a person with no document,
    the hukou address as corrected); what is still missing is said, and the declarant told."""
    return _accepted(actions.accept, decl_id)


@bp.post("/staff/<int:staff_id>/accept")
@officer_required
def accept_staff(staff_id: int):
    """Accept an employer's no-document staff member (name and hukou address as read), as a tenant is accepted."""
    return _accepted(actions.accept_staff, staff_id)


def _accepted(accept, ident: int):
    """Run an accept action with the form's name and hukou address; say what is still missing; back to the item."""
    form = request.form
    result = _act(None, lambda: accept(_rt(), current_officer.id, officer_scope(), ident, form.get("name", ""),
                                       hukou=form.get("hukou")))
    if result is not None:
        key = "done_already_active" if result.outcome == OutcomeStatus.ALREADY_REGISTERED else "done_accepted"
        flash(translate(key, receipt=result.receipt), "ok")
        if result.missing:
            flash(translate("followup_flash", what=followup_words(result.missing)), "info")
    back = form.get("inbound_id", "")
    return _back(int(back), done=result is not None) if back.isdigit() else redirect(url_for("review.queue"))


@bp.post("/declaration/<int:decl_id>/move-out")
@officer_required
def apply_move_out(decl_id: int):
    """Apply the move-out a caller claimed for this registration."""
    result = _act(None, lambda: actions.apply_move_out(_rt(), current_officer.id, officer_scope(), decl_id))
    if result is not None:
        date, receipt = result
        flash(translate("done_moved_out", date=date.isoformat(), receipt=receipt), "ok")
    back = request.form.get("inbound_id", "")
    return _back(int(back), done=result is not None) if back.isdigit() else redirect(url_for("review.queue"))


@bp.post("/bulk/reprocess")
@officer_required
def bulk_reprocess():
    """Reprocess every open item with one reason, e.g. after enrolling the landlord they came from."""
    reason = request.form.get("reason", "")
    count = actions.reprocess_reason(_rt(), current_officer.id, officer_scope(), reason) if reason else 0
    flash(translate("bulk_reprocess_done", count=count), "ok")
    return redirect(url_for("review.queue", reason=reason or None))


@bp.post("/bulk/reject")
@officer_required
def bulk_reject():
    """Reject the selected items with one reason."""
    ids = [int(v) for v in request.form.getlist("ids") if v.isdigit()]
    if not ids:
        flash(translate("nothing_selected"), "error")
        return redirect(url_for("review.queue"))
    count = actions.reject_many(_rt(), current_officer.id, officer_scope(), ids,
                                       request.form.get("reason", "").strip())
    flash(translate("bulk_reject_done", count=count), "ok")
    return redirect(url_for("review.queue"))
