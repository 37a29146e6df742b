"""Officer accounts on the web: login/logout, role decorators, CSRF for every form.

Twilio webhooks (the `sms` and `voice` blueprints) are exempt from CSRF: they
carry no session and are verified by their X-Twilio-Signature instead.
"""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

from flask import (Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user
from flask_wtf.csrf import CSRFProtect, generate_csrf
from redis.exceptions import RedisError
from werkzeug.local import LocalProxy

from gateway.i18n import translate
from gateway.id_masking import Public
from gateway.web.redirects import local_path, safe_next
from store import logins, officer_sessions
from store.models import Officer
from store.scope import Scope, reach

WEBHOOK_BLUEPRINTS = frozenset({"sms", "voice", "receipts"})
# The JSON API authenticates by a bearer token in a header, never a cookie: a page on another site cannot
# make a browser send it, so it needs no CSRF token, and it neither reads nor sets the officers' cookie.
TOKEN_PATH_PREFIX = "/api/"
TOKEN_BLUEPRINTS = frozenset({"api"})
IP_MAX_FAILURES = 20  # per address per window: many accounts tried from one device
IP_WINDOW_SECONDS = 15 * 60
SUPERVISOR_ROLES = ("supervisor", "admin")
# (endpoint, UI string key, who: False for everyone, True for supervisors, "audit" for whoever may audit):
# base.html shows the ones whose blueprint is registered.
NAV_ITEMS = [("review.queue", "nav_review", False), ("people.search_page", "nav_people", False),
             ("register.index", "nav_register", False),
             ("visits.form", "nav_visit", False),
             ("verification.index", "nav_verification", False),
             ("landlords.index", "nav_landlords", False), ("employers.index", "nav_employers", False),
             ("enrolments.index", "nav_enrolments", False),
             ("stats.index", "nav_stats", False),
             ("audit.index", "nav_audit", "audit"), ("operations.not_delivered", "nav_deliveries", False),
             ("operations.queue_page", "nav_queue", True), ("org.index", "nav_org", True)]

bp = Blueprint("auth", __name__)
csrf = CSRFProtect()
login_manager = LoginManager()


@dataclass(frozen=True)
class OfficerUser(UserMixin):
    """The logged-in officer, copied out of the session's row so templates never touch a closed session."""

    id: int
    username: str
    role: str
    precinct_id: int | None
    precinct_code: str  # their station's code; "" for an officer placed at a unit
    session_token: str = field(default="", repr=False)  # the login's token: what Flask-Login keeps in the cookie
    unit_code: str = ""
    grants: frozenset[str] = frozenset()
    reach: frozenset[int] | None = frozenset()  # the precincts under their place in the tree; None: all

    @property
    def is_supervisor(self) -> bool:
        return self.role in SUPERVISOR_ROLES

    @property
    def sees_all_precincts(self) -> bool:
        return self.reach is None

    @property
    def picks_precinct(self) -> bool:
        """Forms ask which precinct, unless the officer's scope is just their own station."""
        return self.reach != frozenset({self.precinct_id})

    @property
    def may_audit(self) -> bool:
        return self.is_supervisor or "audit" in self.grants

    @property
    def may_reveal(self) -> bool:
        """Full ID numbers: everyone but an assistant (协管员), unless granted."""
        return self.role != "assistant" or "reveal" in self.grants

    @property
    def place_code(self) -> str:
        return self.unit_code or self.precinct_code

    def get_id(self) -> str:
        """Flask-Login's "alternative token": the cookie names a session row, not the officer, so ending
        the row ends the login wherever the cookie went."""
        return self.session_token

    @classmethod
    def of(cls, officer: Officer, session_token: str = "", reach: frozenset[int] | None = frozenset()) -> OfficerUser:
        return cls(officer.id, officer.username, officer.role, officer.precinct_id,
                   officer.precinct.code if officer.precinct else "", session_token,
                   unit_code=officer.unit.code if officer.unit else "", grants=frozenset(officer.grants.split()),
                   reach=reach)


current_officer: OfficerUser = LocalProxy(lambda: current_user)  # type: ignore[assignment]

officer_required = login_required


def supervisor_required(view):
    """Only supervisors and admins; an officer gets 403 saying so (the page exists, it is not theirs: "not
    found or not in your precinct" would send them looking for the wrong problem)."""

    @functools.wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_officer.is_supervisor:
            abort(403, description=translate("needs_supervisor_role"))
        return view(*args, **kwargs)

    return wrapped


def audit_required(view):
    """The audit page: supervisors and admins, and anyone granted `audit`; an assistant never by role."""

    @functools.wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_officer.may_audit:
            abort(403, description=translate("needs_supervisor_role"))
        return view(*args, **kwargs)

    return wrapped


def reveal_required(view):
    """Full ID numbers: an assistant (协管员) sees them masked only, unless granted `reveal`."""

    @functools.wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_officer.may_reveal:
            abort(403, description=translate("needs_reveal_grant"))
        return view(*args, **kwargs)

    return wrapped


def officer_scope() -> Scope:
    """What the logged-in officer may see: the precincts under their place in the tree (store.scope.reach)."""
    return Scope(current_officer.reach)


@login_manager.user_loader
def _load(token: str) -> OfficerUser | None:
    """The officer of a live session (not revoked, not idle too long, not older than a shift), else nobody."""
    rt = current_app.extensions["declgate"]
    with rt.sessions.begin() as session:
        officer = officer_sessions.officer_for(session, token, idle=_idle(rt), lifetime=_lifetime(rt))
        return OfficerUser.of(officer, token, reach(session, officer)) if officer is not None else None


def _idle(rt) -> dt.timedelta:
    return dt.timedelta(minutes=rt.settings.session_idle_minutes)


def _lifetime(rt) -> dt.timedelta:
    return dt.timedelta(hours=rt.settings.session_max_hours)


def client_address() -> str:
    """The client's address: ProxyFix has already put the balancer's X-Forwarded-For in remote_addr when
    TRUSTED_PROXIES says there is one, and ignored the header (which anyone can send) otherwise."""
    return request.remote_addr or "unknown"


def _ip_key(rt) -> str:
    return rt.key("login-failures", client_address())


def _reserve_ip_attempt(rt) -> bool:
    """Count this attempt against the address before checking it (INCR is atomic, so a burst cannot all
    slip under the limit); False when the address is already past it. Given back on success."""
    try:
        pipe = rt.redis.pipeline()
        pipe.incr(_ip_key(rt))
        pipe.expire(_ip_key(rt), IP_WINDOW_SECONDS)
        count = pipe.execute()[0]
        if count > IP_MAX_FAILURES:
            rt.redis.decr(_ip_key(rt))
            return False
    except RedisError:
        pass  # the per-account back-off in the database still applies when Redis is away
    return True


def _give_back_ip_attempt(rt) -> None:
    try:
        rt.redis.decr(_ip_key(rt))
    except RedisError:
        pass


def csrf_token() -> Public:
    """The form's CSRF token, printed as it is (gateway.id_masking masks every other printed value)."""
    return Public(generate_csrf())


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form; check the password behind per-address and per-account back-offs."""
    if request.method != "POST":  # GET, and the HEAD Flask answers with it: neither is a login attempt
        return render_template("auth/login.html", next=local_path(request.args.get("next")) or "")
    rt = current_app.extensions["declgate"]
    target = safe_next(request.form.get("next"))
    if not _reserve_ip_attempt(rt):
        flash(translate("login_ip_limited", minutes=IP_WINDOW_SECONDS // 60), "error")
        return render_template("auth/login.html", next=target), 429
    with rt.sessions.begin() as session:
        result = logins.attempt(session, request.form.get("username", ""), request.form.get("password", ""),
                                client_address())
        if result.officer is not None:
            token = officer_sessions.open_session(session, result.officer.id, _lifetime(rt))
            user = OfficerUser.of(result.officer, token, reach(session, result.officer))
    if result.officer is None:
        message = (translate("login_wait", minutes=result.wait_minutes) if result.wait_minutes
                   else translate("login_failed"))
        flash(message, "error")
        return render_template("auth/login.html", next=target), 401
    _give_back_ip_attempt(rt)
    _fresh_cookie_session()
    login_user(user)
    return redirect(target)


def _fresh_cookie_session() -> None:
    """Start the signed cookie afresh at login (a new CSRF token too): nothing planted before the login,
    by a shared computer's last user or anyone else, carries over. Only the language choice stays."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


@bp.post("/logout")
def logout():
    """End the session: its row is revoked, so a copy of the cookie is worth nothing either."""
    if current_user.is_authenticated:
        rt = current_app.extensions["declgate"]
        with rt.sessions.begin() as db:
            officer_sessions.revoke(db, current_officer.session_token)
    logout_user()
    _fresh_cookie_session()
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
        if request.path in self.webhook_paths or request.path.startswith(TOKEN_PATH_PREFIX):
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
    # In place of Flask-WTF's csrf_token(), whose output the masking would alter: as a global (macros imported
    # without context) and in every context, where Flask-WTF's context processor put its own.
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"csrf_token": csrf_token})
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    app.register_blueprint(bp)

    @app.before_request
    def check_csrf() -> None:
        if not app.config.get("WTF_CSRF_ENABLED", True):
            return
        if request.method in app.config.get("WTF_CSRF_METHODS", ("POST", "PUT", "PATCH", "DELETE")) \
                and request.blueprint not in WEBHOOK_BLUEPRINTS | TOKEN_BLUEPRINTS \
                and not request.path.startswith(TOKEN_PATH_PREFIX):
            csrf.protect()

    @app.context_processor
    def officer_context() -> dict[str, object]:
        return {"current_officer": current_user, "nav_items": NAV_ITEMS, "endpoints": app.view_functions}
