"""The tree of units and stations on the web: supervisors read it, admins edit it as the CSV that
`declgate org import` reads (the same all-or-nothing import, its problems listed by line)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from gateway.i18n import translate
from gateway.officer.auth import current_officer, supervisor_required
from gateway.web.uploads import accepts_upload
from store import audit, org

bp = Blueprint("org", __name__, url_prefix="/org")


@bp.route("", methods=["GET", "POST"])
@accepts_upload
@supervisor_required
def index():
    """Show the tree; an admin saves an edited CSV of it (the form starts from the tree as it is)."""
    rt = current_app.extensions["declgate"]
    problems: tuple[str, ...] = ()
    text = None
    if request.method == "POST":
        if current_officer.role != "admin":
            abort(403, description=translate("org_admins_only"))
        text = request.form.get("csv", "")
        try:
            with rt.sessions.begin() as session:
                count = org.import_csv(session, text)
                audit.record(session, current_officer.id, "org_import", "org", rows=count)
        except org.OrgError as exc:
            problems = exc.problems
        else:
            flash(translate("org_saved", rows=count), "ok")
            return redirect(url_for("org.index"))
    with rt.sessions() as session:
        nodes = org.tree(session)
        current = org.export_csv(session)
    return render_template("org/index.html", nodes=nodes, csv=text if text is not None else current,
                           problems=problems), (400 if problems else 200)
