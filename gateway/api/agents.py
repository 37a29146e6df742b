"""Agents over the API: list, grant (`授权` by SMS), revoke (`取消授权`), for a landlord or an employer's contact.

One rule for both kinds of grantor, as by SMS (gateway.pipeline.grant_commands): only the grantor manages
their own agents, so an agent's token is refused (403: it cannot pass a grant on); a grantor names only their
own properties or sites (another's code is a 404, as if it did not exist), and revoking a phone that is not
one's agent is a 404 too, so no grantor can end, or learn of, another's grants. A landlord's requests and
answers name `property`/`properties`, an employer's `site`/`sites`. A phone that is both a landlord and an
employer's contact manages the landlord's agents unless it asks `?as=employer`, as it logs in as the landlord.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import g, jsonify, request
from spectree import Response as Responses
from sqlalchemy.orm import Session

from gateway import runtime
from gateway.api.access import declarant_required, phone_or_422
from gateway.api.blueprint import bp, spec
from gateway.api.idempotent import idempotent
from gateway.api.problems import ApiProblem, language, problem
from gateway.api.schemas import AgentOut, AgentRequest, Agents, AgentsQuery, Problem, Revoked, RevokeQuery
from gateway.pipeline import delivery
from gateway.pipeline.grant_commands import Notice, agent_notice
from parsers.notices import render_agent_notice, render_staff_agent_notice
from store import agents as grants
from store import employers
from store.agents import Grantor, Place
from store.models import Agent
from store.states import Channel

TAG = "agents"
BEARER = {"bearer": []}


@dataclass
class Side:
    """Whose agents a request manages: a landlord's, named by property, or an employer's, named by site.

    `notice` is the SMS a new agent gets, the very one the SMS `授权` sends for that kind of grantor."""

    grantor: Grantor
    places: list[Place]
    field: str  # the request field naming one of `places`: "property" or "site"
    notice: Notice


def _side(session: Session, acting_as: str | None) -> Side:
    """The grantor the token's phone acts as, read now (a revoked contact or landlord manages nothing).

    A phone that is both a landlord and an employer's contact is the landlord unless it asks for the employer.
    Anyone else is refused, with the code of the grantor it asked to be: by default a landlord's agent gets
    `landlords_only` (as it always did) and an employer's agent `employer_contacts_only`, whose text says an
    agent cannot pass its grant on rather than calling it no landlord."""
    acting = grants.find_acting(session, g.phone)
    landlord = acting.landlord if acting is not None else None
    if landlord is not None and acting_as != "employer":
        return Side(landlord, list(landlord.properties), "property", render_agent_notice)
    employer = employers.by_contact(session, g.phone) if acting_as != "landlord" else None
    if employer is not None:
        return Side(employer, list(employer.sites), "site", render_staff_agent_notice)
    wanted = acting_as or ("landlord" if acting is not None else "employer")
    raise ApiProblem(problem(403, "landlords_only" if wanted == "landlord" else "employer_contacts_only"))


def _place(side: Side, named: AgentRequest | RevokeQuery) -> Place | None:
    """The grantor's own property or site the request names by code (None: all of them). The other kind's
    field is a 422; a code that is not the grantor's is a 404, whether or not it exists."""
    other = "site" if side.field == "property" else "property"
    if getattr(named, other) is not None:
        raise ApiProblem(problem(422, "invalid_request", codes=[{
            "code": "invalid_request", "field": other,
            "text": f"a {'landlord' if side.field == 'property' else 'employer'} names a {side.field}"}]))
    code = getattr(named, side.field)
    if code is None:
        return None
    found = next((place for place in side.places if place.code == code), None)
    if found is None:
        raise ApiProblem(problem(404, "not_found"))
    return found


def _out(row: Agent) -> dict:
    """A grant as the API shows it: a landlord's by property, an employer's by site (AgentOut)."""
    one, every, place = ("site", "sites", row.site) if row.employer_id is not None \
        else ("property", "properties", row.property)
    return {"phone": row.phone, one: place.code if place is not None else None,
            every: [p.code for p in grants.granted_places(row)], "channel": row.channel,
            "created_at": row.created_at.isoformat() + "Z"}


def _scope() -> str:
    """Idempotency-Keys are kept per grantor: `?as=` is part of whom a phone that is both acts for."""
    acting_as = request.args.get("as")
    return f"{g.who}?as={acting_as}" if acting_as else g.who


@bp.get("/agents")
@declarant_required
@spec.validate(query=AgentsQuery, resp=Responses(HTTP_200=Agents, HTTP_401=Problem, HTTP_403=Problem,
                                                 HTTP_422=Problem), tags=[TAG], security=BEARER)
def list_agents(query: AgentsQuery):
    """Your agents in force: who may declare for which of your properties (or your employer's sites)."""
    with runtime.current().sessions() as session:
        side = _side(session, query.acting_as)
        return jsonify(agents=[_out(row) for row in grants.of_grantor(session, side.grantor)])


@bp.post("/agents")
@declarant_required
@idempotent(_scope)
@spec.validate(query=AgentsQuery, json=AgentRequest,
               resp=Responses(HTTP_200=AgentOut, HTTP_201=AgentOut, HTTP_401=Problem, HTTP_403=Problem,
                              HTTP_404=Problem, HTTP_422=Problem), tags=[TAG], security=BEARER)
def grant_agent(json: AgentRequest, query: AgentsQuery):
    """Let a phone declare for one of your properties (an employer's contact: at one of its sites), or, with
    neither named, for all of them. Granting again what is granted changes nothing (200); a new grant (201)
    texts the agent once."""
    rt = runtime.current()
    phone = phone_or_422(json.phone)
    msg_id = None
    with rt.sessions.begin() as session:
        side = _side(session, query.acting_as)
        row, new = grants.grant(session, side.grantor, phone, _place(side, json), Channel.WEB)
        body = _out(row)
        if new:
            notice = agent_notice(side.notice, side.grantor, row, language=language())
            msg = delivery.queue_sms(session, phone, notice, in_reply_to=None, purpose="agent_notice")
            msg_id = msg.id if rt.sender.kind != "outbox" else None
    if msg_id is not None:
        delivery.enqueue_delivery(rt, msg_id)
    return jsonify(body), 201 if new else 200


@bp.delete("/agents/<phone>")
@declarant_required
@idempotent(_scope)
@spec.validate(query=RevokeQuery, resp=Responses(HTTP_200=Revoked, HTTP_401=Problem, HTTP_403=Problem,
                                                 HTTP_404=Problem, HTTP_422=Problem), tags=[TAG], security=BEARER)
def revoke_agent(phone: str, query: RevokeQuery):
    """End a phone's grants from you: the one for `?property=` (`?site=`), or every one. Not your agent: 404."""
    agent_phone = phone_or_422(phone)
    with runtime.current().sessions.begin() as session:
        side = _side(session, query.acting_as)
        ended = grants.revoke(session, side.grantor, agent_phone, _place(side, query))
        if not ended:
            return problem(404, "not_found")
        return jsonify(revoked=[_out(row) for row in ended])
