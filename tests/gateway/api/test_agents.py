"""Agents over the JSON API: a landlord grants and revokes; an agent logs in and reaches granted properties only."""
from __future__ import annotations

from sqlalchemy import select

from store.models import Agent, Declaration, OutboundMessage
from tests.constants import ID_A, ID_B, LANDLORD, OTHER_LANDLORD, STRANGER
from tests.gateway.api.helpers import log_in, result_of
from tests.support import drain, sms

AGENT = STRANGER


def texts_to(rt, phone: str, purpose: str) -> list[str]:
    with rt.sessions() as session:
        return list(session.scalars(select(OutboundMessage.body).where(OutboundMessage.to_number == phone,
                                                                       OutboundMessage.purpose.startswith(purpose))
                                    .order_by(OutboundMessage.id)))


def grants(rt) -> list[Agent]:
    with rt.sessions() as session:
        return list(session.scalars(select(Agent).where(Agent.revoked_at.is_(None))))


def grant(client, rt, body: dict, phone: str = LANDLORD):
    return client.post("/api/v1/agents", headers=log_in(client, rt, phone), json=body)


class TestGrantAndRevoke:
    def test_grant_is_idempotent_and_texts_the_agent_once(self, client, rt, people):
        headers = log_in(client, rt, LANDLORD)
        first = client.post("/api/v1/agents", headers=headers, json={"phone": "13700000000", "property": "100001"})
        assert first.status_code == 201, first.get_data(as_text=True)
        assert first.get_json() | {"created_at": None} == {"phone": AGENT, "property": "100001",
                                                            "properties": ["100001"], "channel": "web",
                                                            "created_at": None}
        again = client.post("/api/v1/agents", headers=headers, json={"phone": AGENT, "property": "100001"})
        assert again.status_code == 200
        [notice] = texts_to(rt, AGENT, "agent_notice")
        assert "陈房东" in notice and "@东街" in notice
        listed = client.get("/api/v1/agents", headers=headers).get_json()["agents"]
        assert [(a["phone"], a["property"]) for a in listed] == [(AGENT, "100001")]

    def test_the_idempotency_key_replays_the_first_answer(self, client, rt, people):
        headers = {**log_in(client, rt, LANDLORD), "Idempotency-Key": "k1"}
        first = client.post("/api/v1/agents", headers=headers, json={"phone": AGENT})
        second = client.post("/api/v1/agents", headers=headers, json={"phone": AGENT})
        assert (first.status_code, second.status_code) == (201, 201)
        assert first.get_json() == second.get_json() and first.get_json()["properties"] == ["100001", "100002"]
        assert len(grants(rt)) == 1

    def test_another_landlords_property_is_not_found(self, client, rt, people):
        response = grant(client, rt, {"phone": AGENT, "property": "200001"})
        assert response.status_code == 404 and response.mimetype == "application/problem+json"
        assert grants(rt) == []

    def test_revoke_one_property_or_all(self, client, rt, people):
        headers = log_in(client, rt, LANDLORD)
        for prop in ("100001", "100002"):
            client.post("/api/v1/agents", headers=headers, json={"phone": AGENT, "property": prop})
        one = client.delete(f"/api/v1/agents/{AGENT}?property=100001", headers=headers)
        assert one.status_code == 200 and [a["property"] for a in one.get_json()["revoked"]] == ["100001"]
        assert [g.property_id is not None for g in grants(rt)] == [True]
        rest = client.delete("/api/v1/agents/13700000000", headers=headers)
        assert rest.status_code == 200 and grants(rt) == []
        assert client.delete(f"/api/v1/agents/{AGENT}", headers=headers).status_code == 404

    def test_another_landlord_cannot_revoke_someone_elses_agent(self, client, rt, people):
        """ATTACK: OTHER_LANDLORD deletes LANDLORD's agent: 404, the grant stays."""
        grant(client, rt, {"phone": AGENT})
        theirs = log_in(client, rt, OTHER_LANDLORD)
        response = client.delete(f"/api/v1/agents/{AGENT}", headers=theirs)
        assert response.status_code == 404
        assert client.delete(f"/api/v1/agents/{AGENT}?property=100001", headers=theirs).status_code == 404
        assert client.get("/api/v1/agents", headers=theirs).get_json() == {"agents": []}
        assert len(grants(rt)) == 1

    def test_an_agent_cannot_manage_agents(self, client, rt, people):
        grant(client, rt, {"phone": AGENT})
        headers = log_in(client, rt, AGENT)
        assert client.post("/api/v1/agents", headers=headers, json={"phone": "13911112222"}).status_code == 403
        assert client.delete(f"/api/v1/agents/{AGENT}", headers=headers).status_code == 403
        assert client.get("/api/v1/agents", headers=headers).status_code == 403


class TestAgentLogsIn:
    def test_a_stranger_gets_no_code_until_granted(self, client, rt, people):
        assert client.post("/api/v1/login/code", json={"phone": AGENT}).status_code == 202
        assert texts_to(rt, AGENT, "login_code") == []
        grant(client, rt, {"phone": AGENT, "property": "100002"})
        log_in(client, rt, AGENT)

    def test_sees_and_declares_on_granted_properties_only(self, client, rt, people):
        """ATTACK: the agent of LANDLORD's 100002 tries 100001 and OTHER_LANDLORD's tenant by receipt."""
        sms(client, f"登记 李四 {ID_B}", OTHER_LANDLORD)
        sms(client, f"登记 王五 {ID_A} 1 @100001", LANDLORD)
        drain(rt)
        with rt.sessions() as session:
            others = list(session.scalars(select(Declaration.receipt).order_by(Declaration.id)))
        grant(client, rt, {"phone": AGENT, "property": "100002"})
        headers = log_in(client, rt, AGENT)
        props = client.get("/api/v1/properties", headers=headers).get_json()["properties"]
        assert [(p["code"], p["granted"]) for p in props] == [("100002", True)]
        assert client.get("/api/v1/declarations", headers=headers).get_json() == {"declarations": []}
        assert client.get("/api/v1/declarations?property=100001", headers=headers).status_code == 404
        for receipt in others:
            assert client.delete(f"/api/v1/declarations/{receipt}", headers=headers).status_code == 404
            assert client.post(f"/api/v1/declarations/{receipt}/move-out", headers=headers,
                               json={}).status_code == 404
        refused = client.post("/api/v1/declarations", headers=headers,
                              json={"name": "张三", "document_number": ID_A, "room": "301", "property": "100001"})
        assert refused.status_code == 404
        response = client.post("/api/v1/declarations", headers=headers,
                               json={"name": "张三", "document_number": ID_A, "room": "301"})
        status = result_of(client, rt, response, headers)
        [outcome] = status["result"]["outcomes"]
        assert outcome["status"] == "superseded"
        with rt.sessions() as session:
            decl = session.scalar(select(Declaration).where(Declaration.receipt == outcome["receipt"]))
            assert (decl.property.code, decl.declarant_phone, decl.channel) == ("100002", AGENT, "web")
        [copy] = texts_to(rt, LANDLORD, "agent_copy")
        assert outcome["receipt"] in copy and AGENT in copy and ID_A not in copy
        listed = client.get("/api/v1/declarations", headers=headers).get_json()["declarations"]
        assert [d["receipt"] for d in listed] == [outcome["receipt"]]

    def test_a_revoked_agents_token_reaches_nothing(self, client, rt, people):
        grant(client, rt, {"phone": AGENT})
        headers = log_in(client, rt, AGENT)
        assert client.get("/api/v1/properties", headers=headers).status_code == 200
        client.delete(f"/api/v1/agents/{AGENT}", headers=log_in(client, rt, LANDLORD))
        assert client.get("/api/v1/properties", headers=headers).status_code == 401
        response = client.post("/api/v1/declarations", headers=headers,
                               json={"name": "张三", "document_number": ID_A, "room": "301"})
        assert response.status_code == 401
