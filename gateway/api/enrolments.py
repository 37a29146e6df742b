"""`POST /api/v1/enrolments`: a landlord (or, with `"kind": "employer"`, an employer) asks to be enrolled, before
they can log in.

No token (the number is not a landlord's yet), so it is limited like the log-in code: per phone and per
client address, counted over the last hour (store.enrolment_requests.too_many). The fields are checked with
the SMS grammar's rules and the request is the same one `注册 …` by SMS makes; the answer says it is pending.
An employer's fields are checked like an officer's form (store.employers.validate: a bad credit code is
`bad_credit_code`). It says nothing about whether the number, the address or the credit code is enrolled
already: an officer sees that.
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
from store import employers
from store import enrolment_requests as requests
from store.models import utcnow
from store.states import Channel

TAG = "enrolment"


@bp.post("/enrolments")
@idempotent(phone_scope)
@spec.validate(json=EnrolmentIn, resp=Responses(HTTP_202=EnrolmentPending, HTTP_422=Problem, HTTP_429=Problem),
               tags=[TAG])
def enrol(json: EnrolmentIn):
    """Ask to be enrolled with a property, or as an employer with its first site; an officer approves it and the
    property's or site's code comes by SMS."""
    rt = runtime.current()
    phone = phone_or_422(json.phone)
    lang = language()
    wish = _employer_wish(json, phone, lang) if json.kind == requests.EMPLOYER else _landlord_wish(json, phone, lang)
    with rt.sessions.begin() as session:
        if requests.too_many(session, phone, client_address()):
            raise ApiProblem(problem(429, "rate_limited", headers={"Retry-After": "3600"}))
        created = requests.submit(session, wish, channel=Channel.WEB, client_address=client_address()).created
    code = "enrolment_pending"
    return jsonify(status="pending", created=created,
                   codes=[{"code": code, "text": code_text(code, lang), "field": None}]), 202


def _landlord_wish(json: EnrolmentIn, phone: str, lang: str) -> requests.Wish:
    """The landlord's fields checked with the SMS grammar's rules (a 422 with its codes)."""
    result = read_enrol(Enrol(name=json.name, document_type=json.document_type,
                              document_number=json.document_number or "", address=json.address, alias=json.alias,
                              single_unit=json.single_unit),
                        today=today_for(utcnow()), language=lang)
    raise_field_problems(result)
    record = result.records[0]
    return requests.Wish(phone=phone, name=record.name or "", document_type=record.document.type,
                         document_number=record.document.number, address=record.address or "",
                         alias=record.property, single_unit=record.single_unit, language=lang)


# store.employers' problems as the API's codes: the credit code has its own, the rest name the field.
_EMPLOYER_CODES = {("credit_code", "invalid"): "bad_credit_code"}


def _employer_wish(json: EnrolmentIn, phone: str, lang: str) -> requests.Wish:
    """The employer's fields checked like an officer's form (the precinct and site code are the officer's)."""
    entry = employers.EmployerEntry(credit_code=json.credit_code or "", name=json.name, address=json.address,
                                    precinct="", phones=[phone], site_code="", site_kind=json.site_kind,
                                    site_address=json.site_address or "", site_alias=json.alias,
                                    capacity=json.capacity)
    found = employers.validate(entry, runtime.current().settings.default_region, decided=False)
    if found:
        codes = [_EMPLOYER_CODES.get((p.field, p.code), "invalid_request") for p in found]
        raise ApiProblem(problem(422, codes[0], codes=[
            {"code": code, "text": code_text(code, lang), "field": p.field} for code, p in zip(codes, found)]))
    return requests.Wish(phone=phone, name=json.name.strip(), document_type="none", document_number=None,
                         address=json.address.strip(), alias=(json.alias or "").strip() or None, language=lang,
                         kind=requests.EMPLOYER, credit_code=json.credit_code, site_address=json.site_address,
                         site_kind=json.site_kind, capacity=json.capacity)
