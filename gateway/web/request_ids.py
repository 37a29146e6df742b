"""A request id on every request, and the provider SID of every webhook, for the log lines they make."""
from __future__ import annotations

from flask import Flask, Response, request

from gateway.telemetry import logs

WEBHOOK_BLUEPRINTS = frozenset({"sms", "voice", "receipts"})


def init_app(app: Flask) -> None:
    """Take the proxy's X-Request-Id (or make one), answer with it, and name the Twilio SID a webhook is about."""

    @app.before_request
    def remember_ids() -> None:
        logs.REQUEST_ID.set(logs.request_id(request.headers.get("X-Request-Id")))
        sid = None
        if request.blueprint in WEBHOOK_BLUEPRINTS and request.method == "POST":
            sid = request.form.get("MessageSid") or request.form.get("CallSid")
        logs.PROVIDER_SID.set(sid[:64] if sid else None)

    @app.after_request
    def answer_id(response: Response) -> Response:
        request_id = logs.REQUEST_ID.get()
        if request_id:
            response.headers["X-Request-Id"] = request_id
        return response
