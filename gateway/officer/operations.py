"""What operators and officers need of the running system: replies that were not delivered (every officer, their
precinct), and the job queue with its failed jobs (supervisors see it, admins requeue).

The queue page reads RQ's own registries. rq-dashboard would show more, but it is a second Flask app with its
own templates, scripts and polling API to put behind our login, CSP and Chinese UI; this page is one view and a
template.
"""
from __future__ import annotations

import functools
import math
import time

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from rq import Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job

from gateway.i18n import translate
from gateway.officer.auth import current_officer, officer_required, officer_scope, supervisor_required
from gateway.telemetry import heartbeat
from gateway.web.query_args import page_arg
from parsers import mask_ids
from store import audit, deliveries

bp = Blueprint("operations", __name__)
PER_PAGE = 50
FAILED_SHOWN = 100


def admin_required(view):
    """Only admins: requeueing work is an operator's decision."""

    @functools.wraps(view)
    @officer_required
    def wrapped(*args, **kwargs):
        if current_officer.role != "admin":
            abort(403)
        return view(*args, **kwargs)

    return wrapped


@bp.get("/deliveries")
@officer_required
def not_delivered():
    """List the replies that did not reach the landlord's phone, with Twilio's error code."""
    page = page_arg()
    with current_app.extensions["declgate"].sessions() as session:
        scope = officer_scope()
        rows, total = deliveries.not_delivered(session, scope, page=page, per_page=PER_PAGE)
        withheld = {msg.id for msg, inbound in rows if inbound is not None and not scope.holds_wholly(session, inbound)}
        return render_template("operations/deliveries.html", rows=rows, total=total, page=page, withheld=withheld,
                               pages=max(1, math.ceil(total / PER_PAGE)))


@bp.get("/queue")
@supervisor_required
def queue_page():
    """Show the job queue: waiting and failed jobs, the workers RQ knows and when each last swept."""
    rt = current_app.extensions["declgate"]
    registry = rt.queue.failed_job_registry
    failed = []
    for job_id in registry.get_job_ids(0, FAILED_SHOWN - 1):
        try:
            job = Job.fetch(job_id, connection=rt.redis)
        except NoSuchJobError:
            continue
        error = (job.latest_result().exc_string if job.latest_result() else "") or ""
        failed.append({"id": job.id, "function": job.func_name, "args": job.args, "ended_at": job.ended_at,
                       "error": mask_ids(error.strip().splitlines()[-1] if error.strip() else "")})
    workers = [{"name": w.name, "state": w.get_state(), "job": w.get_current_job_id(), "heartbeat": w.last_heartbeat}
               for w in Worker.all(queue=rt.queue)]
    return render_template("operations/queue.html", queued=rt.queue.count, failed=failed,
                           failed_total=registry.count, workers=workers,
                           swept=sorted(heartbeat.seen(rt.redis, rt.settings.queue_name).items()),
                           can_requeue=current_officer.role == "admin", now=time.time())


@bp.post("/queue/requeue")
@admin_required
def requeue_failed():
    """Put failed jobs back on the queue (one, or all): jobs are idempotent, a handled message is left alone."""
    rt = current_app.extensions["declgate"]
    registry = rt.queue.failed_job_registry
    chosen = request.form.get("job_id")
    ids = [chosen] if chosen else registry.get_job_ids()
    done = 0
    for job_id in ids:
        try:
            registry.requeue(job_id)
            done += 1
        except (NoSuchJobError, ValueError):  # gone, or requeued by someone else meanwhile
            continue
    with rt.sessions.begin() as session:
        audit.record(session, current_officer.id, "requeue", "queue", jobs=done)
    flash(translate("queue_requeued", count=done), "info")
    return redirect(url_for("operations.queue_page"))
