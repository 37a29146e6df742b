"""An employer contact's sites and staff (§9.4 `用工`/`离职` on the internet channel), for the employer a token's
phone is a contact of, or the sites employers granted it as their agent (store.agents.ForEmployer).

As for a landlord's declarations (gateway.api.declarations), reads answer at once and a change is read into
the ParseResult the SMS would give, stored as an inbound message of channel `web` and applied by the worker
with the SMS code (gateway.pipeline.staff_commands, store.staff): the same dedupe, receipts and codes. A
landlord's token gets `wrong_declarant_kind` here; a site or receipt the phone may not reach is a 404.
"""
from __future__ import annotations

from flask import g, jsonify
from spectree import Response as Responses

from gateway import runtime
from gateway.api.access import employer_required
from gateway.api.blueprint import bp, spec
from gateway.api.declarations import BEARER, ended_on, submit, summary_line
from gateway.api.idempotent import idempotent
from gateway.api.problems import ApiProblem, language, problem, raise_field_problems
from gateway.api.schemas import Accepted, HireRequest, LeaveRequest, Problem, Sites, StaffList, StaffQuery
from gateway.pipeline.policy import today_for
from parsers import Command, mask_id, mask_ids
from parsers.structured import MoveIn, read_by_receipt, read_hire
from store import agents, staff
from store.agents import ForEmployer
from store.models import Site, utcnow

TAG = "staff"


def _scope() -> str:
    return g.who


def _staffing(session) -> list[ForEmployer]:
    """The employers the token's phone acts for, as of now (a revoked agent reaches nothing)."""
    staffing = agents.for_employers(session, g.phone)
    if not staffing:
        raise ApiProblem(problem(401, "unauthorized", headers={"WWW-Authenticate": "Bearer"}))
    return staffing


def _own_site(staffing: list[ForEmployer], code: str | None) -> tuple[ForEmployer, Site | None]:
    """The site a request names by code (None: the only one, if there is one) and for which employer; a site
    the phone may not reach is a 404."""
    every = [(fe, site) for fe in staffing for site in fe.sites]
    if code is None:
        return every[0] if len(every) == 1 else (staffing[0], None)
    found = next(((fe, site) for fe, site in every if site.code == code.strip()), None)
    if found is None:
        raise ApiProblem(problem(404, "not_found"))
    return found


@bp.get("/sites")
@employer_required
@spec.validate(resp=Responses(HTTP_200=Sites, HTTP_401=Problem, HTTP_403=Problem), tags=[TAG], security=BEARER)
def sites():
    """The employer's sites (workplaces, dormitories, building sites) its staff are declared at (an agent's:
    the sites it was granted)."""
    with runtime.current().sessions() as session:
        staffing = _staffing(session)
        return jsonify(employer="、".join(fe.employer.name for fe in staffing), sites=[
            {"code": s.code, "alias": s.alias, "kind": s.kind, "address": s.address, "capacity": s.capacity}
            for fe in staffing for s in fe.sites])


@bp.get("/staff")
@employer_required
@spec.validate(query=StaffQuery, resp=Responses(HTTP_200=StaffList, HTTP_401=Problem, HTTP_403=Problem,
                                                HTTP_404=Problem, HTTP_422=Problem), tags=[TAG], security=BEARER)
def staff_list(query: StaffQuery):
    """The employer's current staff, by site and room; ID numbers masked."""
    with runtime.current().sessions() as session:
        staffing = _staffing(session)
        if query.site is not None:
            fe, site = _own_site(staffing, query.site)
            reach = [(fe, [site])]
        else:
            reach = [(fe, fe.sites if fe.as_agent else None) for fe in staffing]
        rows = [{"receipt": d.receipt, "site": d.site.code, "room": d.room, "lodger": bool(d.lodger),
                 "name": mask_ids(d.person.name) if d.person.name else None, "document_type": d.person.document_type,
                 "document": mask_id(d.person.document_number) if d.person.document_number else None,
                 "start": d.start.isoformat(), "status": d.status, "channel": d.channel}
                for fe, sites in reach for d in staff.active(session, fe.employer.id, sites)]
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
        fe, site = _own_site(_staffing(session), json.site)
        precinct = fe.employer.precinct_id
    summary = summary_line("staff", site.code if site else None, result.records[0])
    return submit("staff", result.to_json(), {}, summary, precinct)


@bp.post("/staff/<receipt>/leave")
@employer_required
@idempotent(_scope)
@spec.validate(json=LeaveRequest, resp=Responses(HTTP_202=Accepted, HTTP_401=Problem, HTTP_403=Problem,
                                                 HTTP_404=Problem, HTTP_422=Problem), tags=[TAG], security=BEARER)
def leave(receipt: str, json: LeaveRequest):
    """A member of staff left: end the staff declaration with this receipt (like `离职`)."""
    rt = runtime.current()
    date = ended_on(json.date)
    result = read_by_receipt(Command.STAFF_END, receipt, language=language())
    if result.errors:  # not a receipt at all
        return problem(404, "not_found")
    with rt.sessions() as session:
        fe, decl = agents.staff_by_receipt(session, _staffing(session), receipt)
        if fe is None or decl is None:
            return problem(404, "not_found")  # another employer's receipt is as good as unknown
        precinct = fe.employer.precinct_id
    return submit("staff_leave", result.to_json(), {"receipt": receipt, "date": date.isoformat()},
                  f"staff_leave {receipt}", precinct)
