"""`POST /api/v1/enrolments`: a landlord asks to be enrolled, before they can log in.

No token (the number is not a landlord's yet), so it is limited like the log-in code: per phone and per
client address, counted over the last hour (store.enrolment_requests.too_many). The fields are checked with
the SMS grammar's rules and the request is the same one `注册 …` by SMS makes; the answer says it is pending.
It says nothing about whether the number or the address is enrolled already: an officer sees that.
"""
from __future__ import annotations

from flask import jsonify
from spectree import Response as Responses

from gateway import runtime
from gateway.api.access import phone_or_422, phone_scope
from gateway.api.blueprint import bp, spec
from gateway.api.idempotent import idempotent
from gateway.api.problems import ApiProblem, code_text, language, problem, raise_field_problems
from gateway.api.schemas import EnrolmentIn, EnrolmentPending, Problem
from gateway.officer.auth import client_address
from gateway.pipeline.policy import today_for
from parsers.structured import Enrol, read_enrol
from store import enrolment_requests as requests
from store.models import utcnow
from store.states import Channel

TAG = "enrolment"


@bp.post("/enrolments")
@idempotent(phone_scope)
@spec.validate(json=EnrolmentIn, resp=Responses(HTTP_202=EnrolmentPending, HTTP_422=Problem, HTTP_429=Problem),
               tags=[TAG])
def enrol(json: EnrolmentIn):
    """Ask to be enrolled with a property; an officer approves it and the property code comes by SMS."""
    rt = runtime.current()
    phone = phone_or_422(json.phone)
    lang = language()
    result = read_enrol(Enrol(name=json.name, document_type=json.document_type, document_number=json.document_number,
                              address=json.address, alias=json.alias, single_unit=json.single_unit),
                        today=today_for(utcnow()), language=lang)
    raise_field_problems(result)
    record = result.records[0]
    with rt.sessions.begin() as session:
        if requests.too_many(session, phone, client_address()):
            raise ApiProblem(problem(429, "rate_limited", headers={"Retry-After": "3600"}))
        submitted = requests.submit(session, requests.Wish(
            phone=phone, name=record.name or "", document_type=record.document.type,
            document_number=record.document.number, address=record.address or "", alias=record.property,
            single_unit=record.single_unit, language=lang), channel=Channel.WEB, client_address=client_address())
        created = submitted.created
    code = "enrolment_pending"
    return jsonify(status="pending", created=created,
                   codes=[{"code": code, "text": code_text(code, lang), "field": None}]), 202
