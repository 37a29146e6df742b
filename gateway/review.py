"""The officers' review queue and item pages. Views are thin: rules live in store.review and review_actions."""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from gateway import review_actions
from gateway.auth import current_officer, officer_required, officer_scope
from gateway.i18n import language, translate
from gateway.i18n_replies import TEMPLATES
from parsers import mask_id
from parsers.codes import describe
from store import audit, review
from store.models import Precinct
from store.scope import NeedsSupervisor

bp = Blueprint("review", __name__, url_prefix="/review")
PER_PAGE = 25
# Reasons the pipeline and jobs give, on top of parser codes (parsers.codes describes most of them).
EXTRA_REASONS = {
    "no_document": ("The person has no identity document: an officer confirms the declaration.",
                    "无证件：需民警确认申报。"),
    "low_confidence": ("The voice line could not recognise the name with confidence.", "语音识别姓名把握不足。"),
    "disputed": ("The landlord disputes a tenant's self-declaration.", "房东对租客自主申报有异议。"),
    "awaiting_landlord": ("A caller's self-declaration waits for the landlord's Y or N (or an officer's decision).",
                          "来电自主申报待房东回复Y或N（或民警决定）。"),
    "rate_limited": ("Too many messages from this number in an hour; no replies were sent.",
                     "该号码一小时内短信过多，未回复。"),
    "job_failed": ("Processing failed after every retry.", "多次重试后处理仍失败。"),
}


FULL_ID = re.compile(r"(?<!\d)(?:\d{17}[\dXx]|\d{15})(?![\dXx])")  # 18- and 15-character ID numbers, as typed


def reason_text(code: str) -> str:
    """Human description of a reason code in the UI language."""
    base = code.split(":", 1)[0]
    if base in EXTRA_REASONS:
        en, zh = EXTRA_REASONS[base]
        return zh if language() == "zh" else en
    return describe(base, language())


@bp.app_context_processor
def helpers() -> dict[str, object]:
    return {"reason_text": reason_text, "mask_id": mask_id}


@bp.app_template_filter("mask_ids")
def mask_ids(text: str) -> str:
    """A message preview with every ID number masked: lists show many messages and are not audited."""
    return FULL_ID.sub(lambda m: mask_id(m.group()), text)


def _rt():
    return current_app.extensions["declgate"]


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _utc_midnight(day: dt.date) -> dt.datetime:
    """The UTC instant a local calendar day starts (stored times are naive UTC)."""
    local = dt.datetime.combine(day, dt.time(), tzinfo=_rt().tz)
    return local.astimezone(dt.timezone.utc).replace(tzinfo=None)


def _filters() -> tuple[review.Filters, dict[str, str]]:
    args = request.args
    start, end = _date(args.get("from")), _date(args.get("to"))
    precinct = args.get("precinct", "")
    filters = review.Filters(
        reason=args.get("reason") or None, channel=args.get("channel") or None,
        precinct_id=int(precinct) if precinct.isdigit() else None,
        since=_utc_midnight(start) if start else None,
        until=_utc_midnight(end + dt.timedelta(days=1)) if end else None)
    shown = {k: args.get(k, "") for k in ("reason", "channel", "precinct", "from", "to")}
    return filters, shown


@bp.get("")
@officer_required
def queue():
    """List open items newest first, with counts per reason and filters."""
    filters, shown = _filters()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    scope = officer_scope()
    with _rt().sessions() as session:
        counts = review.reason_counts(session, scope, filters)
        items, total = review.open_items(session, scope, filters, page=page, per_page=PER_PAGE)
        precincts = (list(session.scalars(select(Precinct).order_by(Precinct.code)))
                     if scope.all_precincts else [])
        precinct_codes = {p.id: p.code for p in session.scalars(select(Precinct))}
    return render_template("review/queue.html", counts=counts, items=items, total=total, page=page,
                           pages=max(1, math.ceil(total / PER_PAGE)), shown=shown, precincts=precincts,
                           precinct_codes=precinct_codes)


@dataclass(frozen=True)
class Segment:
    text: str
    codes: tuple[str, ...]
    warning: bool


def segments(body: str, errors: list[dict], warnings: list[dict]) -> list[Segment]:
    """Cut the original text at every span boundary; each piece knows which codes cover it.

    The template prints each piece through autoescaping: the text is the sender's,
    so it is never marked safe.
    """
    spans = [(p, False) for p in errors] + [(p, True) for p in warnings]
    cuts = {0, len(body)}
    for problem, _ in spans:
        cuts.update(min(max(int(problem.get(k, 0)), 0), len(body)) for k in ("start", "end"))
    edges = sorted(cuts)
    pieces = []
    for start, end in zip(edges, edges[1:]):
        covering = [(p["code"], warn) for p, warn in spans if p.get("start", 0) <= start and end <= p.get("end", 0)]
        pieces.append(Segment(body[start:end], tuple(dict.fromkeys(c for c, _ in covering)),
                              bool(covering) and all(w for _, w in covering)))
    return pieces


@bp.get("/<int:inbound_id>")
@officer_required
def item(inbound_id: int):
    """Show one item: the text with its errors highlighted, the sender, history and actions."""
    scope = officer_scope()
    with _rt().sessions.begin() as session:
        try:
            inbound = review.item(session, scope, inbound_id)
        except LookupError:
            abort(404)
        if FULL_ID.search(inbound.body or ""):
            # The raw text is shown as received, so this is a view of a full ID number.
            audit.record(session, current_officer.id, "view_full_id", f"inbound:{inbound.id}")
        parse = inbound.parse or {}
        history = review.history(session, scope, inbound)
        pieces = segments(inbound.body or "", parse.get("errors", []), parse.get("warnings", []))
        return render_template("review/item.html", inbound=inbound, parse=parse, history=history,
                               pieces=pieces, templates=TEMPLATES, ui_lang=language(),
                               precinct_code=current_officer.precinct_code)


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
        flash(translate(str(exc)), "error")
    except ValueError as exc:  # enrolment validation: sentences that say what to fix
        flash(str(exc), "error")
    return None


def _back(inbound_id: int):
    return redirect(url_for("review.item", inbound_id=inbound_id))


@bp.post("/<int:inbound_id>/edit")
@officer_required
def edit(inbound_id: int):
    """Store the corrected text as a new message from the same sender and queue it."""
    new_id = _act(inbound_id, lambda: review_actions.edit_and_reprocess(
        _rt(), current_officer.id, officer_scope(), inbound_id, request.form.get("body", "")))
    if new_id is None:
        return _back(inbound_id)
    flash(translate("done_edited", id=new_id), "ok")
    return redirect(url_for("review.item", inbound_id=new_id))


@bp.post("/<int:inbound_id>/link")
@officer_required
def link(inbound_id: int):
    """Enrol the sender as landlord of a property, then reprocess the message."""
    form = request.form
    precinct = form.get("precinct", "") if current_officer.sees_all_precincts else current_officer.precinct_code
    new_id = _act(inbound_id, lambda: review_actions.link_and_reprocess(
        _rt(), current_officer.id, officer_scope(), inbound_id, name=form.get("name", ""),
        property_code=form.get("property_code", ""), address=form.get("address", ""), precinct=precinct,
        alias=form.get("alias") or None, single_unit=bool(form.get("single_unit"))))
    if new_id is None:
        return _back(inbound_id)
    flash(translate("done_linked", id=new_id), "ok")
    return redirect(url_for("review.item", inbound_id=new_id))


@bp.post("/<int:inbound_id>/reject")
@officer_required
def reject(inbound_id: int):
    """Reject an item with a reason and, if chosen, a templated reply."""
    template = request.form.get("template") or None
    if template is not None and template not in TEMPLATES:
        abort(400)
    done = _act(inbound_id, lambda: review_actions.reject(
        _rt(), current_officer.id, officer_scope(), inbound_id, request.form.get("reason", "").strip(), template)
        or True)
    if done:
        flash(translate("done_rejected") + (" " + translate("reply_sent") if template else ""), "ok")
    return _back(inbound_id)


@bp.post("/<int:inbound_id>/spam")
@officer_required
def spam(inbound_id: int):
    """Close an item as spam."""
    if _act(inbound_id, lambda: review_actions.mark_spam(_rt(), current_officer.id, officer_scope(), inbound_id)
            or True):
        flash(translate("done_spam"), "ok")
    return _back(inbound_id)


@bp.post("/declaration/<int:decl_id>/accept")
@officer_required
def accept(decl_id: int):
    """Accept a pending declaration with the name typed from the recording."""
    result = _act(None, lambda: review_actions.accept(_rt(), current_officer.id, officer_scope(), decl_id,
                                                      request.form.get("name", "")))
    if result is not None:
        outcome, receipt = result
        key = "done_already_active" if outcome == "already_registered" else "done_accepted"
        flash(translate(key, receipt=receipt), "ok")
    back = request.form.get("inbound_id", "")
    return _back(int(back)) if back.isdigit() else redirect(url_for("review.queue"))


@bp.post("/declaration/<int:decl_id>/move-out")
@officer_required
def apply_move_out(decl_id: int):
    """Apply the move-out a caller claimed for this registration."""
    result = _act(None, lambda: review_actions.apply_move_out(_rt(), current_officer.id, officer_scope(), decl_id))
    if result is not None:
        date, receipt = result
        flash(translate("done_moved_out", date=date.isoformat(), receipt=receipt), "ok")
    back = request.form.get("inbound_id", "")
    return _back(int(back)) if back.isdigit() else redirect(url_for("review.queue"))


@bp.post("/bulk/reprocess")
@officer_required
def bulk_reprocess():
    """Reprocess every open item with one reason, e.g. after enrolling the landlord they came from."""
    reason = request.form.get("reason", "")
    count = review_actions.reprocess_reason(_rt(), current_officer.id, officer_scope(), reason) if reason else 0
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
    count = review_actions.reject_many(_rt(), current_officer.id, officer_scope(), ids,
                                       request.form.get("reason", "").strip())
    flash(translate("bulk_reject_done", count=count), "ok")
    return redirect(url_for("review.queue"))
