"""Log-in by phone: a code by SMS (through the one outbound path), then a bearer token; log-out.

Every log-in, failed log-in and log-out is an audit entry (store.audit) with the client's address, so
supervisors see who used the web channel; the code itself is never logged or stored.
"""
from __future__ import annotations

import functools
from collections.abc import Callable

from flask import Response, g, jsonify, request
from spectree import Response as Responses

from gateway import runtime
from gateway.api.blueprint import bp, spec
from gateway.api.idempotent import idempotent
from gateway.api.problems import ApiProblem, problem
from gateway.api.schemas import LoginCodeRequest, LoginCodeSent, LoginRequest, Problem, Token
from gateway.officer.auth import client_address
from gateway.pipeline import delivery
from parsers.notices import render_login_code
from parsers.phones import to_e164
from store import api_access, audit
from store.agents import Acting, ForEmployer

TAG = "log-in"


def phone_or_422(raw: str) -> str:
    """The number in E.164, or a 422: a number that is no number is a bad request, not a stranger."""
    phone = to_e164(raw, runtime.current().settings.default_region)
    if phone is None:
        raise ApiProblem(problem(422, "invalid_request",
                                 codes=[{"code": "invalid_request", "text": "not a phone number", "field": "phone"}]))
    return phone


def phone_scope() -> str:
    body = request.get_json(silent=True)
    raw = body.get("phone") if isinstance(body, dict) and isinstance(body.get("phone"), str) else ""
    return f"phone:{to_e164(raw, runtime.current().settings.default_region) or '-'}"


@bp.post("/login/code")
@idempotent(phone_scope)
@spec.validate(json=LoginCodeRequest, resp=Responses(HTTP_202=LoginCodeSent, HTTP_422=Problem, HTTP_429=Problem),
               tags=[TAG])
def login_code(json: LoginCodeRequest):
    """Text a one-time 6-digit code to an enrolled landlord's or employer contact's phone (the same answer for any
    number)."""
    from gateway.api.problems import language

    rt = runtime.current()
    phone = phone_or_422(json.phone)
    with rt.sessions.begin() as session:
        made = api_access.request_code(session, phone, client_address())
        if made.refused:
            raise ApiProblem(problem(429, made.refused, headers={"Retry-After": "3600"}))
        msg_id = None
        if made.code is not None:
            msg = delivery.queue_sms(session, phone, render_login_code(made.code, language=language()),
                                     in_reply_to=None, purpose="login_code")
            msg_id = msg.id if rt.sender.kind != "outbox" else None
    if msg_id is not None:
        delivery.enqueue_delivery(rt, msg_id)
    return jsonify(sent=True, expires_in=api_access.CODE_MINUTES * 60), 202


@bp.post("/login")
@spec.validate(json=LoginRequest, resp=Responses(HTTP_200=Token, HTTP_401=Problem, HTTP_422=Problem), tags=[TAG])
def login(json: LoginRequest):
    """Exchange the code for a bearer token (a retry is not replayed: a token is never kept in clear)."""
    rt = runtime.current()
    phone = phone_or_422(json.phone)
    with rt.sessions.begin() as session:
        acting = api_access.check_code(session, phone, json.code)
        if acting is None:
            audit.record(session, None, "api_login_failed", f"phone:{phone}", address=client_address())
            failed = True
        else:
            token, row = api_access.issue_token(session, acting, phone, hours=rt.settings.api_token_hours)
            audit.record(session, None, "api_login", _who(acting), address=client_address())
            failed = False
            expires_at = row.expires_at
    if failed:
        return problem(401, "bad_code")
    return jsonify(token=token, token_type="Bearer", expires_at=expires_at.isoformat() + "Z")


def bearer() -> str | None:
    """The request's bearer token, if it carries one."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _who(acting: Acting | list[ForEmployer]) -> str:
    """The audit target of a log-in (and the scope of Idempotency-Keys): the landlord, an agent by phone, or the
    employer of a contact."""
    if isinstance(acting, list):
        return f"employer:{acting[0].employer.id}" if not acting[0].as_agent else f"agent:{acting[0].phone}"
    return f"landlord:{acting.landlord.id}" if acting.landlord is not None else f"agent:{acting.phone}"


def _unauthorized():
    return problem(401, "unauthorized", headers={"WWW-Authenticate": "Bearer"})


def landlord_required(view: Callable) -> Callable:
    """The view runs for a landlord or an agent with a token in force (g.phone; g.landlord_id is None for an
    agent that is no landlord); anyone else gets a 401 problem. What they may reach is store.agents.Acting's."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        token = bearer()
        if not token:
            return _unauthorized()
        with runtime.current().sessions() as session:
            acting = api_access.acting_for(session, token)
            if acting is None:  # an employer's token is no stranger's: it is at the wrong door (§9.4)
                return problem(403, "wrong_declarant_kind") if api_access.staffing_for(session, token) \
                    else _unauthorized()
            g.phone, g.who = acting.phone, _who(acting)
            g.landlord_id = acting.landlord.id if acting.landlord is not None else None
        return view(*args, **kwargs)
    return wrapper


def employer_required(view: Callable) -> Callable:
    """The view runs for an employer's contact or agent with a token in force (g.phone, g.who); a landlord's or
    landlord's agent's token gets a 403 `wrong_declarant_kind` problem, anyone else a 401."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        token = bearer()
        if not token:
            return _unauthorized()
        with runtime.current().sessions() as session:
            staffing = api_access.staffing_for(session, token)
            if not staffing:
                return problem(403, "wrong_declarant_kind") if api_access.acting_for(session, token) \
                    else _unauthorized()
            g.phone, g.who = staffing[0].phone, _who(staffing)
        return view(*args, **kwargs)
    return wrapper


def declarant_required(view: Callable) -> Callable:
    """The view runs for any phone that may log in (landlord, agent or employer contact) with a token in force
    (g.phone, g.who); anyone else gets a 401 problem."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        token = bearer()
        if not token:
            return _unauthorized()
        with runtime.current().sessions() as session:
            phone = api_access.phone_for(session, token)
            who = api_access.declarant(session, phone) if phone else None
            if who is None:
                return _unauthorized()
            g.phone, g.who = phone, _who(who)
        return view(*args, **kwargs)
    return wrapper


@bp.post("/logout")
@declarant_required
@spec.validate(resp=Responses(HTTP_204=None, HTTP_401=Problem), tags=[TAG], security={"bearer": []})
def logout():
    """Revoke the token this request carries."""
    with runtime.current().sessions.begin() as session:
        api_access.revoke(session, bearer() or "")
        audit.record(session, None, "api_logout", g.who, address=client_address())
    return Response(status=204)


@bp.post("/logout/everywhere")
@declarant_required
@spec.validate(resp=Responses(HTTP_204=None, HTTP_401=Problem), tags=[TAG], security={"bearer": []})
def logout_everywhere():
    """Revoke every token of this phone, this one included: log in again on a new handset after losing one."""
    with runtime.current().sessions.begin() as session:
        ended = api_access.revoke_all(session, g.phone)
        audit.record(session, None, "api_logout_all", g.who, address=client_address(), ended=ended)
    return Response(status=204)
