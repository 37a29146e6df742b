"""Properties, declarations and the status of a request, for the landlord a token stands for.

Reads answer at once. A change (move-in, move-out, cancel) is read into the ParseResult an SMS would give,
checked with the grammar's rules (a 422 problem with the SMS codes when a field is wrong), stored as an
inbound message of channel `web` and handed to the drain: the worker applies it with the SMS code, so the
queue, dedupe and rules are the same (gateway.pipeline.web_commands). The answer is 202 with the URL where
the result — receipt or codes — can be read.

Scope: a landlord reaches only their own properties and receipts, an agent only the properties landlords
granted it (store.agents); anything else is a 404, as if it did not exist (a receipt or property code of
another landlord cannot be told from an unknown one).
"""
from __future__ import annotations

import datetime as dt
import secrets

from flask import g, jsonify
from spectree import Response as Responses
from sqlalchemy import select

from gateway import runtime
from gateway.api.blueprint import bp, spec
from gateway.api.access import declarant_required, landlord_required
from gateway.api.idempotent import idempotent
from gateway.api.problems import ApiProblem, code_text, language, problem, raise_field_problems
from gateway.api.schemas import (Accepted, Declarations, DeclarationsQuery, MoveInRequest, MoveOutRequest,
                                 Problem, Properties, RequestStatus)
from gateway.pipeline import intake, queue
from gateway.pipeline.policy import today_for
from parsers import Command, mask_id, mask_ids
from parsers.structured import MoveIn, read_by_receipt, read_move_in, read_move_out_date
from store import agents, claims, idempotency
from store.agents import Acting
from store.models import Declaration, InboundMessage, Person, Property, utcnow
from store.states import Channel, DeclarationStatus

TAG = "declarations"
SID_PREFIX = "web:"
BEARER = {"bearer": []}


def _scope() -> str:
    return g.who


def _acting(session) -> Acting:
    """Who the token stands for, as of now (a grant revoked since the request began reaches nothing)."""
    acting = agents.find_acting(session, g.phone)
    if acting is None:
        raise ApiProblem(problem(401, "unauthorized", headers={"WWW-Authenticate": "Bearer"}))
    return acting


def _properties(session) -> list[Property]:
    return sorted(_acting(session).properties, key=lambda p: p.code)


@bp.get("/properties")
@landlord_required
@spec.validate(resp=Responses(HTTP_200=Properties, HTTP_401=Problem, HTTP_403=Problem), tags=[TAG], security=BEARER)
def properties():
    """The properties the phone may declare for: a landlord's own, and those other landlords granted it."""
    with runtime.current().sessions() as session:
        rows = _properties(session)
        return jsonify(properties=[{"code": p.code, "alias": p.alias, "address": mask_ids(p.address),
                                    "single_unit": bool(p.single_unit), "granted": p.landlord_id != g.landlord_id}
                                   for p in rows])


@bp.get("/declarations")
@landlord_required
@spec.validate(query=DeclarationsQuery, resp=Responses(HTTP_200=Declarations, HTTP_401=Problem, HTTP_403=Problem,
                                                       HTTP_404=Problem, HTTP_422=Problem), tags=[TAG], security=BEARER)
def declarations(query: DeclarationsQuery):
    """Declarations at the properties the phone may reach, newest first; ID numbers masked."""
    with runtime.current().sessions() as session:
        props = _properties(session)
        if query.property is not None:
            props = [p for p in props if p.code == query.property]
            if not props:
                return problem(404, "not_found")
        statement = (select(Declaration).join(Person).where(Declaration.property_id.in_([p.id for p in props]))
                     .order_by(Declaration.declared_at.desc(), Declaration.id.desc()).limit(500))
        if query.active:
            statement = statement.where(Declaration.status == DeclarationStatus.ACTIVE)
        codes = {p.id: p.code for p in props}
        rows = [{"receipt": d.receipt, "property": codes[d.property_id], "room": d.room, "name": _shown_name(d),
                 "document_type": d.person.document_type,
                 "document": mask_id(d.person.document_number) if d.person.document_number else None,
                 "move_in": d.move_in.isoformat(), "move_out": d.move_out.isoformat() if d.move_out else None,
                 "status": d.status, "channel": d.channel} for d in session.scalars(statement)] if props else []
    return jsonify(declarations=rows)


def submit(kind: str, parse: dict, payload: dict, summary: str, precinct_id: int | None):
    """Store the request once (per Idempotency-Key), wake the drain, answer 202 with its status URL (the staff
    endpoints' too: gateway.api.staff)."""
    rt = runtime.current()
    key = getattr(g, "idempotency_key", None)
    token = (idempotency.digest(_scope(), key, kind)[:40] if key else secrets.token_hex(20))
    _inbound_id, new = intake.store_request(rt, sid=SID_PREFIX + token, from_number=g.phone, body=summary,
                                            payload={"kind": kind, **payload}, parse=parse, precinct_id=precinct_id)
    if new:
        queue.wake(rt)
    url = f"/api/v1/requests/{token}"
    response = jsonify(request=token, status="received", status_url=url)
    response.status_code, response.headers["Location"] = 202, url
    return response


def summary_line(kind: str, place: str | None, record) -> str:
    """The request's line in the officers' queue (its `body`): kind, place, name, masked document, room; no ID."""
    document = mask_id(record.document.number) if record.document and record.document.number else "none"
    return " ".join(part for part in (kind, f"@{place}" if place else "", record.name or "", document,
                                      record.room or "") if part)


def ended_on(date: dt.date | None) -> dt.date:
    """The day a tenancy or a job ended, read as the SMS grammar reads it (today when not given, never in the
    future, at most the deadline back); a 422 naming the `date` field when it cannot be."""
    rt = runtime.current()
    day, code = read_move_out_date(date.isoformat() if date else None, today=today_for(utcnow()),
                                   deadline_days=rt.settings.deadline_days)
    if code:
        raise ApiProblem(problem(422, code, codes=[{"code": code, "text": code_text(code), "field": "date"}]))
    return day


def _own_property(session, code: str | None) -> Property | None:
    props = _properties(session)
    if code is None:
        return props[0] if len(props) == 1 else None
    found = next((p for p in props if p.code == code), None)
    if found is None:
        raise ApiProblem(problem(404, "not_found"))
    return found


def own_declaration(session, receipt: str) -> Declaration:
    """The declaration with this receipt, if the token may reach it; any other is a 404, as if it did not exist."""
    decl = _acting(session).by_receipt(session, receipt)
    if decl is None:
        raise ApiProblem(problem(404, "not_found"))
    return decl


@bp.post("/declarations")
@landlord_required
@idempotent(_scope)
@spec.validate(json=MoveInRequest, resp=Responses(HTTP_202=Accepted, HTTP_401=Problem, HTTP_403=Problem,
                                                  HTTP_404=Problem, HTTP_422=Problem), tags=[TAG], security=BEARER)
def move_in(json: MoveInRequest):
    """Declare a tenant moving in (document type `none`: name and hukou address, checked by an officer)."""
    rt = runtime.current()
    today = today_for(utcnow())
    result = read_move_in(MoveIn(name=json.name, document_type=json.document_type,
                                 document_number=json.document_number, room=json.room,
                                 date=json.date.isoformat() if json.date else None, phone=json.phone,
                                 property=json.property, hukou=json.hukou_address),
                          today=today, deadline_days=rt.settings.deadline_days, region=rt.settings.default_region,
                          language=language(), campaign_start=rt.campaign_start(today))
    raise_field_problems(result)
    with rt.sessions() as session:
        prop = _own_property(session, json.property)
        precinct = prop.precinct_id if prop else None
    summary = summary_line("move_in", prop.code if prop else None, result.records[0])
    return submit("move_in", result.to_json(), {}, summary, precinct)


@bp.post("/declarations/<receipt>/move-out")
@landlord_required
@idempotent(_scope)
@spec.validate(json=MoveOutRequest, resp=Responses(HTTP_202=Accepted, HTTP_401=Problem, HTTP_403=Problem,
                                                   HTTP_404=Problem, HTTP_422=Problem), tags=[TAG], security=BEARER)
def move_out(receipt: str, json: MoveOutRequest):
    """A tenant moved out: end the declaration with this receipt."""
    date = ended_on(json.date)
    return _by_receipt("move_out", Command.MOVE_OUT, receipt, {"receipt": receipt, "date": date.isoformat()})


@bp.delete("/declarations/<receipt>")
@landlord_required
@idempotent(_scope)
@spec.validate(resp=Responses(HTTP_202=Accepted, HTTP_401=Problem, HTTP_403=Problem,
                              HTTP_404=Problem), tags=[TAG], security=BEARER)
def cancel(receipt: str):
    """Withdraw a declaration made by mistake (like `撤销 <receipt>`)."""
    return _by_receipt("cancel", Command.CANCEL, receipt, {"receipt": receipt})


def _shown_name(decl: Declaration) -> str | None:
    """An active declaration shows the person's name, as `查询` does; any other voice claim (waiting, disputed,
    refused) what the caller said, not the stored name of the person it names. An ID an officer typed into a
    name is masked, as on every page."""
    name = decl.person.name if decl.status == DeclarationStatus.ACTIVE else claims.stated_name(decl)
    return mask_ids(name) if name else None


def _by_receipt(kind: str, command: Command, receipt: str, payload: dict):
    result = read_by_receipt(command, receipt, language=language())
    if result.errors:  # not a receipt at all: no declaration can have it
        return problem(404, "not_found")
    with runtime.current().sessions() as session:
        decl = own_declaration(session, receipt)
        precinct = decl.property.precinct_id
    return submit(kind, result.to_json(), payload, f"{kind} {receipt}", precinct)


@bp.get("/requests/<request_id>")
@declarant_required
@spec.validate(resp=Responses(HTTP_200=RequestStatus, HTTP_401=Problem, HTTP_404=Problem), tags=[TAG],
               security=BEARER)
def request_status(request_id: str):
    """Where a request (move-in, move-out, cancel; staff hired or leaving) stands: `received`, then its outcome,
    receipt and codes."""
    with runtime.current().sessions() as session:
        row = session.scalar(select(InboundMessage).where(InboundMessage.provider_sid == SID_PREFIX + request_id[:60],
                                                          InboundMessage.channel == Channel.WEB,
                                                          InboundMessage.from_number == g.phone))
        if row is None:
            return problem(404, "not_found")
        payload = row.payload or {}
        body = {"request": request_id, "kind": payload.get("kind", ""), "status": row.status,
                "result": payload.get("result")}
    if body["status"] not in ("received", "processed", "rejected"):
        body["status"] = "rejected"
    return jsonify(body)
