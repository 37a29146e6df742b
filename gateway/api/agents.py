"""A landlord's agents over the API: list, grant (`授权` by SMS), revoke (`取消授权`).

Only a landlord manages their own agents: an agent's token is refused (403), and a landlord names only their
own properties (another's code is a 404, as if it did not exist). Revoking a phone that is not one's agent is
a 404 too, so no landlord can end, or learn of, another landlord's grants.
"""
from __future__ import annotations

from flask import g, jsonify
from spectree import Response as Responses

from gateway import runtime
from gateway.api.access import landlord_required, phone_or_422
from gateway.api.blueprint import bp, spec
from gateway.api.idempotent import idempotent
from gateway.api.problems import ApiProblem, language, problem
from gateway.api.schemas import AgentOut, AgentRequest, Agents, Problem, Revoked, RevokeQuery
from gateway.pipeline import delivery
from gateway.pipeline.grant_commands import label
from parsers.notices import render_agent_notice
from store import agents as grants
from store.models import Agent, Landlord, Property
from store.states import Channel

TAG = "agents"
BEARER = {"bearer": []}


def _landlord(session) -> Landlord:
    if g.landlord_id is None:
        raise ApiProblem(problem(403, "landlords_only"))
    return session.get(Landlord, g.landlord_id)


def _own(landlord: Landlord, code: str | None) -> Property | None:
    if code is None:
        return None
    found = next((p for p in landlord.properties if p.code == code), None)
    if found is None:
        raise ApiProblem(problem(404, "not_found"))
    return found


def _out(row: Agent) -> dict:
    return {"phone": row.phone, "property": row.property.code if row.property is not None else None,
            "properties": [p.code for p in grants.granted_properties(row)], "channel": row.channel,
            "created_at": row.created_at.isoformat() + "Z"}


@bp.get("/agents")
@landlord_required
@spec.validate(resp=Responses(HTTP_200=Agents, HTTP_401=Problem, HTTP_403=Problem), tags=[TAG],
               security=BEARER)
def list_agents():
    """Your agents in force: who may declare for which of your properties."""
    with runtime.current().sessions() as session:
        landlord = _landlord(session)
        return jsonify(agents=[_out(row) for row in grants.of_landlord(session, landlord.id)])


@bp.post("/agents")
@landlord_required
@idempotent(lambda: g.who)
@spec.validate(json=AgentRequest, resp=Responses(HTTP_200=AgentOut, HTTP_201=AgentOut, HTTP_401=Problem,
                                                 HTTP_403=Problem, HTTP_404=Problem, HTTP_422=Problem),
               tags=[TAG], security=BEARER)
def grant_agent(json: AgentRequest):
    """Let a phone declare for one of your properties, or (no `property`) for all of them. Granting again
    what is granted changes nothing (200); a new grant (201) texts the agent once."""
    rt = runtime.current()
    phone = phone_or_422(json.phone)
    msg_id = None
    with rt.sessions.begin() as session:
        landlord = _landlord(session)
        prop = _own(landlord, json.property)
        row, new = grants.grant(session, landlord, phone, prop, Channel.WEB)
        body = _out(row)
        if new:
            notice = render_agent_notice(landlord.name, " ".join(label(p) for p in grants.granted_properties(row)),
                                         language=language())
            msg = delivery.queue_sms(session, phone, notice, in_reply_to=None, purpose="agent_notice")
            msg_id = msg.id if rt.sender.kind != "outbox" else None
    if msg_id is not None:
        delivery.enqueue_delivery(rt, msg_id)
    return jsonify(body), 201 if new else 200


@bp.delete("/agents/<phone>")
@landlord_required
@idempotent(lambda: g.who)
@spec.validate(query=RevokeQuery, resp=Responses(HTTP_200=Revoked, HTTP_401=Problem, HTTP_403=Problem,
                                                 HTTP_404=Problem, HTTP_422=Problem), tags=[TAG], security=BEARER)
def revoke_agent(phone: str, query: RevokeQuery):
    """End a phone's grants from you: the one for `?property=`, or every one. Not your agent: 404."""
    agent_phone = phone_or_422(phone)
    with runtime.current().sessions.begin() as session:
        landlord = _landlord(session)
        prop = _own(landlord, query.property)
        shown = [_out(row) for row in grants.of_landlord(session, landlord.id)
                 if row.phone == agent_phone and (prop is None or row.property_id == prop.id)]
        ended = grants.revoke(session, landlord, agent_phone, prop)
        if not ended:
            return problem(404, "not_found")
    return jsonify(revoked=shown)
