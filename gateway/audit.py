"""The audit log for supervisors: every search, full-ID view and decision, newest first."""
from __future__ import annotations

import math

from flask import Blueprint, current_app, render_template, request

from gateway.auth import supervisor_required
from store import audit

bp = Blueprint("audit", __name__, url_prefix="/audit")
PER_PAGE = 50


@bp.get("")
@supervisor_required
def index():
    """List audit entries, optionally of one action."""
    action = request.args.get("action") or None
    page = max(1, request.args.get("page", 1, type=int) or 1)
    with current_app.extensions["declgate"].sessions() as session:
        entries, total = audit.page(session, action=action, number=page, per_page=PER_PAGE)
        return render_template("audit/index.html", entries=entries, total=total, page=page, action=action or "",
                               pages=max(1, math.ceil(total / PER_PAGE)))
