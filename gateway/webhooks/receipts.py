"""Twilio's status callbacks: SMS delivery receipts and how calls ended; signed like every webhook."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from gateway.pipeline import receipts
from gateway.telemetry import metrics
from gateway.webhooks.signature import signed

bp = Blueprint("receipts", __name__)
CALL_STATES = frozenset({"queued", "ringing", "in-progress", "completed", "busy", "failed", "no-answer", "canceled"})


@bp.post("/sms/status")
@signed
def sms_status() -> Response:
    """Record where one SMS we sent has got to; a repeated, late or unknown receipt changes nothing."""
    form = request.form
    sid = (form.get("MessageSid") or form.get("SmsSid") or "").strip()
    status = form.get("MessageStatus") or form.get("SmsStatus") or ""
    if not sid or len(sid) > 64 or not status:
        return Response("MessageSid and MessageStatus are required\n", status=400, mimetype="text/plain")
    receipts.record(current_app.extensions["declgate"], sid, status, form.get("ErrorCode"))
    return Response("", status=200, mimetype="text/plain")


@bp.post("/voice/status")
@signed
def call_status() -> Response:
    """Count how calls to the voice line ended (the number's status callback); nothing is stored."""
    status = (request.form.get("CallStatus") or "").strip().lower()
    metrics.CALLS_ENDED.labels(status=status if status in CALL_STATES else "other").inc()
    return Response("", status=200, mimetype="text/plain")
