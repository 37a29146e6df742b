"""An employer contact's sites and staff (§9.4 `用工`/`离职` on the internet channel), for the employer a token's
phone is a contact of.

As for a landlord's declarations (gateway.api.declarations), reads answer at once and a change is read into
the ParseResult the SMS would give, stored as an inbound message of channel `web` and applied by the worker
with the SMS code (gateway.pipeline.staff_commands, store.staff): the same dedupe, receipts and codes. A
landlord's or agent's token gets `wrong_declarant_kind` here; another employer's site or receipt is a 404.
"""
from __future__ import annotations

from flask import g, jsonify
from spectree import Response as Responses

from gateway import runtime
from gateway.api.access import employer_required
from gateway.api.blueprint import bp, spec
from gateway.api.declarations import BEARER, submit
from gateway.api.idempotent import idempotent
from gateway.api.problems import ApiProblem, code_text, language, problem, raise_field_problems
from gateway.api.schemas import Accepted, HireRequest, LeaveRequest, Problem, Sites, StaffList, StaffQuery
from gateway.pipeline.policy import today_for
from parsers import Command, mask_id
from parsers.structured import MoveIn, read_by_receipt, read_hire, read_move_out_date
from store import employers, staff
from store.models import Employer, Site, utcnow

TAG = "staff"


def _scope() -> str:
    return g.who


def _employer(session) -> Employer:
    """The token's employer, as of now (a phone no longer a contact reaches nothing)."""
    employer = employers.by_contact(session, g.phone)
    if employer is None or employer.id != g.employer_id:
        raise ApiProblem(problem(401, "unauthorized", headers={"WWW-Authenticate": "Bearer"}))
    return employer


def _own_site(employer: Employer, code: str | None) -> Site | None:
    """The site a request names (None: the employer's only one, if it has one); another's is a 404."""
    if code is None:
        return employer.sites[0] if len(employer.sites) == 1 else None
    found = next((site for site in employer.sites if site.code == code.strip()), None)
    if found is None:
        raise ApiProblem(problem(404, "not_found"))
    return found


@bp.get("/sites")
@employer_required
@spec.validate(resp=Responses(HTTP_200=Sites, HTTP_401=Problem, HTTP_403=Problem), tags=[TAG], security=BEARER)
def sites():
    """The employer's sites (workplaces, dormitories, building sites) its staff are declared at."""
    with runtime.current().sessions() as session:
        employer = _employer(session)
        return jsonify(employer=employer.name, sites=[
            {"code": s.code, "alias": s.alias, "kind": s.kind, "address": s.address, "capacity": s.capacity}
            for s in employer.sites])


@bp.get("/staff")
@employer_required
@spec.validate(query=StaffQuery, resp=Responses(HTTP_200=StaffList, HTTP_401=Problem, HTTP_403=Problem,
                                                HTTP_404=Problem, HTTP_422=Problem), tags=[TAG], security=BEARER)
def staff_list(query: StaffQuery):
    """The employer's current staff, by site and room; ID numbers masked."""
    with runtime.current().sessions() as session:
        employer = _employer(session)
        only = [_own_site(employer, query.site)] if query.site is not None else None
        rows = [{"receipt": d.receipt, "site": d.site.code, "room": d.room, "lodger": bool(d.lodger),
                 "name": d.person.name, "document_type": d.person.document_type,
                 "document": mask_id(d.person.document_number) if d.person.document_number else None,
                 "start": d.start.isoformat(), "status": d.status, "channel": d.channel}
                for d in staff.active(session, employer.id, only)]
    return jsonify(staff=rows)


@bp.post("/staff")
@employer_required
@idempotent(_scope)
@spec.validate(json=HireRequest, resp=Responses(HTTP_202=Accepted, HTTP_401=Problem, HTTP_403=Problem,
                                                HTTP_404=Problem, HTTP_422=Problem), tags=[TAG], security=BEARER)
def hire(json: HireRequest):
    """Declare a member of staff at a site (like `用工`; document type `none`: name and hukou address)."""
    rt = runtime.current()
    today = today_for(utcnow())
    result = read_hire(MoveIn(name=json.name, document_type=json.document_type, document_number=json.document_number,
                              room=json.room, date=json.date.isoformat() if json.date else None, phone=json.phone,
                              property=json.site, hukou=json.hukou_address),
                       lodger=json.lodger, today=today, deadline_days=rt.settings.deadline_days,
                       region=rt.settings.default_region, language=language(), campaign_start=rt.campaign_start(today))
    raise_field_problems(result)
    with rt.sessions() as session:
        employer = _employer(session)
        site = _own_site(employer, json.site)
        precinct = employer.precinct_id
    record = result.records[0]
    summary = " ".join(part for part in ("staff", f"@{site.code}" if site else "", record.name or "",
                                         mask_id(record.document.number) if record.document and
                                         record.document.number else "none", record.room or "") if part)
    return submit("staff", result.to_json(), {}, summary, precinct)


@bp.post("/staff/<receipt>/leave")
@employer_required
@idempotent(_scope)
@spec.validate(json=LeaveRequest, resp=Responses(HTTP_202=Accepted, HTTP_401=Problem, HTTP_403=Problem,
                                                 HTTP_404=Problem, HTTP_422=Problem), tags=[TAG], security=BEARER)
def leave(receipt: str, json: LeaveRequest):
    """A member of staff left: end the staff declaration with this receipt (like `离职`)."""
    rt = runtime.current()
    date, code = read_move_out_date(json.date.isoformat() if json.date else None, today=today_for(utcnow()),
                                    deadline_days=rt.settings.deadline_days)
    if code:
        raise ApiProblem(problem(422, code, codes=[{"code": code, "text": code_text(code), "field": "date"}]))
    result = read_by_receipt(Command.STAFF_END, receipt, language=language())
    if result.errors:  # not a receipt at all
        return problem(404, "not_found")
    with rt.sessions() as session:
        employer = _employer(session)
        if staff.by_receipt(session, employer.id, receipt) is None:
            return problem(404, "not_found")  # another employer's receipt is as good as unknown
        precinct = employer.precinct_id
    return submit("staff_leave", result.to_json(), {"receipt": receipt, "date": date.isoformat()},
                  f"staff_leave {receipt}", precinct)
