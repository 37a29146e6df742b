"""Officer accounts on the web: login/logout, role decorators, CSRF for every form.

Twilio webhooks (the `sms` and `voice` blueprints) are exempt from CSRF: they
carry no session and are verified by their X-Twilio-Signature instead.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

from flask import (Blueprint, Flask, abort, current_app, flash, redirect, render_template, request,
                   url_for)
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user
from flask_wtf.csrf import CSRFProtect
from redis.exceptions import RedisError
from werkzeug.local import LocalProxy

from gateway.i18n import translate
from gateway.redirects import local_path, safe_next
from store import logins
from store.models import Officer
from store.scope import Scope

WEBHOOK_BLUEPRINTS = frozenset({"sms", "voice"})
IP_MAX_FAILURES = 20  # per address per window: many accounts tried from one device
IP_WINDOW_SECONDS = 15 * 60
SUPERVISOR_ROLES = ("supervisor", "admin")
# (endpoint, UI string key, supervisors only): base.html shows the ones whose blueprint is registered.
NAV_ITEMS = [("review.queue", "nav_review", False), ("people.search_page", "nav_people", False),
             ("landlords.index", "nav_landlords", False), ("stats.index", "nav_stats", False),
             ("audit.index", "nav_audit", True)]

bp = Blueprint("auth", __name__)
csrf = CSRFProtect()
login_manager = LoginManager()


@dataclass(frozen=True)
class OfficerUser(UserMixin):
    """The logged-in officer, copied out of the session's row so templates never touch a closed session."""

    id: int
    username: str
    role: str
    precinct_id: int
    precinct_code: str

    @property
    def sees_all_precincts(self) -> bool:
        return self.role in SUPERVISOR_ROLES

    def get_id(self) -> str:
        return str(self.id)

    @classmethod
    def of(cls, officer: Officer) -> OfficerUser:
        return cls(officer.id, officer.username, officer.role, officer.precinct_id, officer.precinct.code)


current_officer: OfficerUser = LocalProxy(lambda: current_user)  # type: ignore[assignment]

officer_required = login_required


def supervisor_required(view):
    """Only supervisors and admins; an officer gets 403 (the page exists, it is not theirs)."""

    @functools.wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_officer.sees_all_precincts:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def officer_scope() -> Scope:
    """What the logged-in officer may see: their precinct, or everything for supervisors and admins."""
    return Scope.everything() if current_officer.sees_all_precincts else Scope(current_officer.precinct_id)


@login_manager.user_loader
def _load(officer_id: str) -> OfficerUser | None:
    rt = current_app.extensions["declgate"]
    with rt.sessions() as session:
        officer = session.get(Officer, int(officer_id)) if officer_id.isdigit() else None
        return OfficerUser.of(officer) if officer is not None else None


def _ip_key(rt) -> str:
    return rt.key("login-failures", request.remote_addr or "unknown")


def _ip_blocked(rt) -> bool:
    try:
        return int(rt.redis.get(_ip_key(rt)) or 0) >= IP_MAX_FAILURES
    except RedisError:
        return False  # the per-account lockout still applies when Redis is away


def _count_ip_failure(rt) -> None:
    try:
        pipe = rt.redis.pipeline()
        pipe.incr(_ip_key(rt))
        pipe.expire(_ip_key(rt), IP_WINDOW_SECONDS)
        pipe.execute()
    except RedisError:
        pass


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form; check the password with lockouts per account and per address."""
    if request.method == "GET":
        return render_template("auth/login.html", next=local_path(request.args.get("next")) or "")
    rt = current_app.extensions["declgate"]
    target = safe_next(request.form.get("next"))
    if _ip_blocked(rt):
        flash(translate("login_ip_limited", minutes=IP_WINDOW_SECONDS // 60), "error")
        return render_template("auth/login.html", next=target), 429
    with rt.sessions.begin() as session:
        result = logins.attempt(session, request.form.get("username", ""), request.form.get("password", ""))
        user = OfficerUser.of(result.officer) if result.officer is not None else None
    if user is None:
        _count_ip_failure(rt)
        message = (translate("login_locked", minutes=result.locked_minutes) if result.locked_minutes
                   else translate("login_failed"))
        flash(message, "error")
        return render_template("auth/login.html", next=target), 401
    login_user(user)
    return redirect(target)


@bp.post("/logout")
def logout():
    """End the session."""
    logout_user()
    flash(translate("logged_out"), "info")
    return redirect(url_for("auth.login"))


class OfficerSessions(SecureCookieSessionInterface):
    """Officers' signed-cookie sessions, never opened on a Twilio webhook.

    Twilio sends no cookie, yet Flask would build a signing serializer to look for one and check
    again before answering whether to set one: a twentieth of a webhook's CPU, for nothing. A
    webhook that touched the session would fail loudly (a null session refuses writes) rather
    than hand Twilio a cookie.
    """

    def __init__(self, webhook_paths: frozenset[str]) -> None:
        self.webhook_paths = webhook_paths

    def open_session(self, app: Flask, request):  # type: ignore[override]
        if request.path in self.webhook_paths:
            return None  # Flask then uses its null session
        return super().open_session(app, request)

    def save_session(self, app: Flask, session, response) -> None:  # type: ignore[override]
        if not isinstance(session, self.null_session_class):
            super().save_session(app, session, response)


def webhook_paths(app: Flask) -> frozenset[str]:
    """The fixed paths the webhook blueprints serve (a rule with variables would simply keep a session)."""
    return frozenset(rule.rule for rule in app.url_map.iter_rules()
                     if rule.endpoint.partition(".")[0] in WEBHOOK_BLUEPRINTS and not rule.arguments)


def init_app(app: Flask) -> None:
    """Call after the webhook blueprints are registered: their paths are read from the URL map."""
    app.session_interface = OfficerSessions(webhook_paths(app))
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # checked below, with the webhook exemption
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid for the session: a long review must not fail
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    app.register_blueprint(bp)

    @app.before_request
    def check_csrf() -> None:
        if not app.config.get("WTF_CSRF_ENABLED", True):
            return
        if request.method in app.config.get("WTF_CSRF_METHODS", ("POST", "PUT", "PATCH", "DELETE")) \
                and request.blueprint not in WEBHOOK_BLUEPRINTS:
            csrf.protect()

    @app.context_processor
    def officer_context() -> dict[str, object]:
        return {"current_officer": current_user, "nav_items": NAV_ITEMS, "endpoints": app.view_functions}
