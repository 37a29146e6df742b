"""The audit log for supervisors: every search, full-ID view and decision, newest first."""
from __future__ import annotations

import math

from flask import Blueprint, current_app, render_template

from gateway.officer.auth import supervisor_required
from gateway.web.query_args import page_arg, text_arg
from store import audit

bp = Blueprint("audit", __name__, url_prefix="/audit")
PER_PAGE = 50


@bp.get("")
@supervisor_required
def index():
    """List audit entries, optionally of one action."""
    action, page = text_arg("action"), page_arg()
    with current_app.extensions["declgate"].sessions() as session:
        entries, total = audit.page(session, action=action, number=page, per_page=PER_PAGE)
        return render_template("audit/index.html", entries=entries, total=total, page=page, action=action or "",
                               pages=max(1, math.ceil(total / PER_PAGE)))
