"""The audit log for supervisors (and whoever is granted `audit`): every search, full-ID view and decision, newest first."""
from __future__ import annotations

import math

from flask import Blueprint, current_app, render_template

from gateway.i18n import language, translate, word
from gateway.i18n.codes import ACTIONS
from gateway.i18n.replies import TEMPLATES
from gateway.officer.auth import audit_required, current_officer
from gateway.web.query_args import page_arg, text_arg
from store import audit, org

bp = Blueprint("audit", __name__, url_prefix="/audit")
PER_PAGE = 50


def detail_value(key: str, value: object) -> str:
    """One audit detail's value in words where it is a code (a reason, a reply template, a document type)."""
    if isinstance(value, bool):
        return translate("yes" if value else "no")
    if key == "reason" and isinstance(value, str):
        return word("reason", value)
    if key == "template" and value in TEMPLATES:
        return TEMPLATES[str(value)].label.text(language())
    if key == "document_type" and isinstance(value, str):
        return word("document", value)
    return "" if value is None else str(value)


@bp.get("")
@audit_required
def index():
    """List audit entries, optionally of one action."""
    action, page = text_arg("action", ACTIONS), page_arg()
    with current_app.extensions["declgate"].sessions() as session:
        reach = current_officer.reach
        own = org.unit_named(session, current_officer.unit_code) if current_officer.unit_code else None
        units = frozenset(org.units_under(session, own.id)) if reach is not None and own is not None else frozenset()
        entries, total = audit.page(session, action=action, number=page, per_page=PER_PAGE, precinct_ids=reach,
                                    unit_ids=units)
        return render_template("audit/index.html", entries=entries, total=total, page=page, action=action or "",
                               pages=max(1, math.ceil(total / PER_PAGE)), actions=tuple(ACTIONS),
                               detail_value=detail_value)
