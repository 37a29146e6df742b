"""The Flask app factory: one blueprint per surface, resources kept in app.extensions."""
from __future__ import annotations

import dataclasses
from typing import Any

from flask import Flask, Response, redirect, render_template, request, url_for
from sqlalchemy.exc import DataError, DBAPIError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from gateway import runtime as runtime_mod
from gateway.web import uploads
from gateway.settings import Settings, load_settings


class RowId(IntegerConverter):
    """`<int:…>` in a URL: an id the tables can hold, so /review/99999999999999999999 is a 404, not a 500."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(settings: Settings | None = None, *, rt: runtime_mod.Runtime | None = None,
               test_config: dict[str, Any] | None = None) -> Flask:
    settings = settings or load_settings()
    settings.check()
    app = Flask(__name__, instance_relative_config=False)
    app.url_map.converters["int"] = RowId  # before any blueprint adds a rule
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=uploads.MAX_REQUEST_BYTES,  # a webhook or an officer's form is a few KB: 413 past it
        SESSION_COOKIE_HTTPONLY=True,
        # Strict: a link or form on another site arrives without the officer's session, so it cannot make
        # a logged-in officer open a page (which writes an audit row) or act on their behalf.
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
    )
    if test_config:
        app.config.update(test_config)
    # One source of truth: a runtime handed in (tests, `declgate serve`) shares its connections
    # but answers with this app's settings.
    rt = dataclasses.replace(rt, settings=settings) if rt is not None else runtime_mod.build_runtime(settings)
    runtime_mod.install(rt)
    app.extensions["declgate"] = rt

    from gateway import api, i18n, id_masking
    from gateway.officer import (art57, audit, auth, employers, enrolments, landlords, operations, org, people,
                                 register, review, verification, visits)
    from gateway.stats import views as stats
    from gateway.telemetry import logs
    from gateway.web import headers, health, metrics, request_ids
    from gateway.webhooks import receipts, simulator, sms, voice

    id_masking.init_app(app)  # every printed value and log record, before anything renders or logs

    if settings.trusted_proxies:
        # The client's address and scheme as the load balancer saw them: the login's per-address limit
        # must count each officer's device, not the balancer.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies,  # type: ignore[method-assign]
                                x_proto=settings.trusted_proxies)
    headers.init_app(app, https=settings.secure_cookies)
    if not settings.demo and not settings.secure_cookies:
        app.logger.warning("PUBLIC_BASE_URL %s is not https: officer session cookies are sent without the Secure "
                           "flag and can be read on the network. Serve officers over HTTPS and set "
                           "PUBLIC_BASE_URL=https://…", settings.public_base_url)

    # Twilio's webhooks, signature-checked.
    app.register_blueprint(sms.bp)
    app.register_blueprint(voice.bp)
    app.register_blueprint(receipts.bp)
    app.register_blueprint(health.bp)
    metrics.init_app(app)
    uploads.init_app(app)  # before the CSRF check reads any form
    request_ids.init_app(app)  # reads a webhook's SID from its form: after the size limit is set
    # The officers' side: login, roles and CSRF for every form (the webhooks are exempt), UI strings.
    auth.init_app(app)
    i18n.init_app(app)
    for officer_bp in (review.bp, people.bp, register.bp, landlords.bp, employers.bp, enrolments.bp, audit.bp,
                      stats.bp, operations.bp, org.bp, art57.bp, visits.bp, verification.bp):
        app.register_blueprint(officer_bp)
    simulator.init_app(app)  # /dev/phone, demo mode only
    api.init_app(app)  # /api/v1 and the landlords' page /my

    @app.get("/")
    def index():
        """Officers land on their queue (the login page first, when needed)."""
        return redirect(url_for("review.queue"))

    @app.get("/favicon.ico")
    def favicon():
        """Browsers ask for /favicon.ico whatever the page says: answer with the icon rather than a 404."""
        return redirect(url_for("static", filename="favicon.svg"), code=301)

    @app.errorhandler(DBAPIError)
    def database_error(exc: DBAPIError):
        reason = type(exc.orig).__name__ if exc.orig else type(exc).__name__
        if request.path.startswith("/api/"):
            from gateway.api.problems import problem

            app.logger.error("API request to %s failed in the database (%s)", request.path, reason)
            return problem(400, "invalid_request") if isinstance(exc, DataError) else problem(503, "unavailable")
        if isinstance(exc, DataError):
            # Input the database can never hold: a 5xx would make Twilio retry it forever.
            app.logger.error("request to %s cannot be stored (%s)", request.path, reason)
            return Response("this request cannot be stored\n", status=400, mimetype="text/plain")
        # Twilio retries (or uses the fallback URL) on a 5xx: never acknowledge what was not stored.
        app.logger.error("database error on %s: %s", request.path, reason)
        return Response("database unavailable, retry later\n", status=503, mimetype="text/plain")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        """Plain text for Twilio and scripts; a page with the navigation for people in a browser."""
        from gateway.i18n import translate
        from gateway.web.query_args import BadQuery

        status = exc.code or 500
        if request.path.startswith("/api/"):
            from gateway.api.problems import from_http

            return exc.response if exc.response is not None else from_http(exc)
        message = translate(exc.key, **exc.values) if isinstance(exc, BadQuery) else None
        machine = request.path in ("/sms", "/sms/status", "/voice", "/healthz", "/readyz", "/metrics") \
            or request.path.startswith("/voice/")
        if machine or not request.accept_mimetypes.accept_html:
            return Response(f"{status} {message or exc.name}\n", status=status, mimetype="text/plain")
        title = translate(f"error_{status}")
        # A view that says why (abort(403, description=...)) has the reason shown; werkzeug's stock text is not.
        reason = message or (exc.description if exc.description != type(exc).description else None)
        return render_template("error.html", status=status, reason=reason,
                               title=exc.name if title == f"error_{status}" else title), status

    logs.configure(settings.log_format)
    return app
