"""An employer's contact manages the employer's agents over the JSON API (`/api/v1/agents`), as by SMS
(`授权`/`取消授权`): grant for one site or all, the same notice SMS, list, revoke; end to end, the agent's `用工` by
SMS follows the grants. The attacks: the agent's own token, another employer's contact, a landlord's token."""
from __future__ import annotations

from sqlalchemy import select

from parsers.notices import render_staff_agent_notice
from store.models import Agent, Employer, EmployerContact
from tests.constants import ID_A, ID_B, LANDLORD
from tests.gateway.api.helpers import log_in
from tests.gateway.employers.conftest import EMPLOYER
from tests.gateway.employers.test_agents import AGENT, SECOND_CONTACT, sent_to, staff_rows, text
from tests.gateway.employers.test_api import OTHER_EMPLOYER, other_employer

THIRD = "+8613911112222"  # a phone nobody granted anything


def in_force(rt) -> list[tuple[str, str | None, str | None]]:
    """(agent phone, granting employer's name or landlord's phone, site or property code) of every grant in
    force."""
    with rt.sessions() as session:
        rows = session.scalars(select(Agent).where(Agent.revoked_at.is_(None)).order_by(Agent.id))
        return [(a.phone, a.employer.name, a.site.code if a.site else None) if a.employer_id is not None
                else (a.phone, a.landlord.phone, a.property.code if a.property else None) for a in rows]


def type_of(response) -> str:
    assert response.mimetype == "application/problem+json", response.get_data(as_text=True)
    return response.get_json()["type"].rsplit("/", 1)[1]


def grant(client, rt, body: dict, phone: str = EMPLOYER, query: str = ""):
    return client.post(f"/api/v1/agents{query}", headers=log_in(client, rt, phone), json=body)


class TestAContactManagesAgents:
    def test_a_grant_for_one_site_texts_the_agent_who_then_declares_there_only(self, client, employer):
        """201 with the grant by site; the agent gets the very SMS `授权` sends; its `用工` by SMS is the
        employer's at 300002 and refused at 300001."""
        response = grant(client, employer, {"phone": AGENT[3:], "site": "300002"})
        assert response.status_code == 201, response.get_data(as_text=True)
        assert response.get_json() | {"created_at": None} == {"phone": AGENT, "site": "300002", "sites": ["300002"],
                                                               "channel": "web", "created_at": None}
        assert sent_to(employer, AGENT, "agent_notice") == [render_staff_agent_notice("闽江建设", "@宿舍楼",
                                                                                      language="zh")]
        assert "已登记" in text(client, employer, f"用工 张三 {ID_A} @宿舍楼 宿舍 101", AGENT)
        assert "您未获该房产授权" in text(client, employer, f"用工 李四 {ID_B} @工地", AGENT)
        assert staff_rows(employer) == [("张三", "active", "300002", AGENT)]

    def test_listed_to_every_contact_granted_again_changes_nothing_and_revoked_ends_it(self, client, employer):
        headers = log_in(client, employer, EMPLOYER)
        first = client.post("/api/v1/agents", headers=headers, json={"phone": AGENT, "site": "300001"})
        assert first.status_code == 201
        again = client.post("/api/v1/agents", headers=headers, json={"phone": AGENT, "site": "300001"})
        assert again.status_code == 200 and again.get_json()["sites"] == ["300001"]
        assert len(sent_to(employer, AGENT, "agent_notice")) == 1
        listed = client.get("/api/v1/agents", headers=log_in(client, employer, SECOND_CONTACT)).get_json()["agents"]
        assert [{k: a[k] for k in a if k != "created_at"} for a in listed] == [
            {"phone": AGENT, "site": "300001", "sites": ["300001"], "channel": "web"}]
        revoked = client.delete(f"/api/v1/agents/{AGENT}?site=300001", headers=headers)
        assert revoked.status_code == 200 and [a["site"] for a in revoked.get_json()["revoked"]] == ["300001"]
        assert "未登记为房东" in text(client, employer, f"用工 张三 {ID_A} @工地", AGENT)
        assert staff_rows(employer) == [] and in_force(employer) == []
        assert client.delete(f"/api/v1/agents/{AGENT}", headers=headers).status_code == 404

    def test_a_grant_for_all_sites_and_a_site_that_is_not_the_employers(self, client, employer):
        """No `site`: every site, the ones enrolled later too; another employer's site is a 404, as is
        naming a property: a 422 (an employer names sites)."""
        other_employer(employer)
        headers = log_in(client, employer, EMPLOYER)
        every = client.post("/api/v1/agents", headers=headers, json={"phone": AGENT})
        assert every.status_code == 201 and (every.get_json()["site"], every.get_json()["sites"]) == (
            None, ["300001", "300002"])
        assert sent_to(employer, AGENT, "agent_notice") == [render_staff_agent_notice("闽江建设", "@工地 @宿舍楼",
                                                                                      language="zh")]
        refused = client.post("/api/v1/agents", headers=headers, json={"phone": THIRD, "site": "400001"})
        assert refused.status_code == 404 and type_of(refused) == "not_found"
        named = client.post("/api/v1/agents", headers=headers, json={"phone": THIRD, "property": "100001"})
        assert named.status_code == 422 and named.get_json()["codes"][0]["field"] == "property"
        assert in_force(employer) == [(AGENT, "闽江建设", None)] and sent_to(employer, THIRD, "agent_notice") == []


class TestAttacks:
    def test_the_agents_own_token_cannot_pass_the_grant_on(self, client, employer):
        """ATTACK: the agent grants a third phone, revokes itself, lists: 403 employer_contacts_only."""
        grant(client, employer, {"phone": AGENT, "site": "300002"})
        headers = log_in(client, employer, AGENT)
        for response in (client.post("/api/v1/agents", headers=headers, json={"phone": THIRD, "site": "300002"}),
                         client.post("/api/v1/agents?as=employer", headers=headers, json={"phone": THIRD}),
                         client.delete(f"/api/v1/agents/{AGENT}", headers=headers),
                         client.get("/api/v1/agents", headers=headers)):
            assert response.status_code == 403 and type_of(response) == "employer_contacts_only"
        assert in_force(employer) == [(AGENT, "闽江建设", "300002")] and sent_to(employer, THIRD, "agent_notice") == []

    def test_another_employers_contact_can_neither_revoke_nor_grant_here(self, client, employer):
        """ATTACK: 榕城物流's contact revokes 闽江建设's agent and grants at 闽江建设's site: 404 each time."""
        other_employer(employer)
        grant(client, employer, {"phone": AGENT, "site": "300001"})
        theirs = log_in(client, employer, OTHER_EMPLOYER)
        for response in (client.delete(f"/api/v1/agents/{AGENT}", headers=theirs),
                         client.delete(f"/api/v1/agents/{AGENT}?site=300001", headers=theirs),
                         client.post("/api/v1/agents", headers=theirs, json={"phone": THIRD, "site": "300001"})):
            assert response.status_code == 404 and type_of(response) == "not_found"
        assert client.get("/api/v1/agents", headers=theirs).get_json() == {"agents": []}
        assert in_force(employer) == [(AGENT, "闽江建设", "300001")] and sent_to(employer, THIRD, "agent_notice") == []
        assert "已登记" in text(client, employer, f"用工 张三 {ID_A} @工地", AGENT)

    def test_a_landlords_token_sees_and_reaches_only_its_own_grants(self, client, employer):
        """ATTACK: the landlord lists, revokes the employer's agent, grants at the employer's site: it sees its
        own grant only (by property, as ever), and the employer's stays."""
        grant(client, employer, {"phone": AGENT, "site": "300001"})
        mine = log_in(client, employer, LANDLORD)
        own = client.post("/api/v1/agents", headers=mine, json={"phone": THIRD, "property": "100001"})
        assert own.status_code == 201
        listed = client.get("/api/v1/agents", headers=mine).get_json()["agents"]
        assert [{k: a[k] for k in a if k != "created_at"} for a in listed] == [
            {"phone": THIRD, "property": "100001", "properties": ["100001"], "channel": "web"}]
        assert client.delete(f"/api/v1/agents/{AGENT}", headers=mine).status_code == 404
        assert client.post("/api/v1/agents", headers=mine, json={"phone": AGENT, "site": "300001"}).status_code == 422
        as_employer = client.get("/api/v1/agents?as=employer", headers=mine)
        assert as_employer.status_code == 403 and type_of(as_employer) == "employer_contacts_only"
        assert in_force(employer) == [(AGENT, "闽江建设", "300001"), (THIRD, LANDLORD, "100001")]
        assert [a["phone"] for a in client.get("/api/v1/agents", headers=log_in(client, employer, EMPLOYER))
                .get_json()["agents"]] == [AGENT]

    def test_an_employers_contact_is_no_landlord(self, client, employer):
        response = client.get("/api/v1/agents?as=landlord", headers=log_in(client, employer, EMPLOYER))
        assert response.status_code == 403 and type_of(response) == "landlords_only"


class TestAPhoneThatIsBoth:
    def test_it_is_the_landlord_unless_it_asks_as_employer(self, client, employer):
        """The landlord's phone made a contact of 闽江建设 too: without `as` it manages its landlord's agents,
        with `?as=employer` the employer's, each named and listed its own way."""
        with employer.sessions.begin() as session:
            firm = session.scalar(select(Employer).where(Employer.name == "闽江建设"))
            session.add(EmployerContact(employer_id=firm.id, phone=LANDLORD))
        headers = log_in(client, employer, LANDLORD)
        assert client.post("/api/v1/agents", headers=headers, json={"phone": AGENT, "property": "100001"}
                           ).get_json()["properties"] == ["100001"]
        staffing = client.post("/api/v1/agents?as=employer", headers=headers, json={"phone": THIRD, "site": "300002"})
        assert staffing.status_code == 201 and staffing.get_json()["sites"] == ["300002"]
        [notice] = sent_to(employer, THIRD, "agent_notice")
        assert notice == render_staff_agent_notice("闽江建设", "@宿舍楼", language="zh")
        assert [a["phone"] for a in client.get("/api/v1/agents", headers=headers).get_json()["agents"]] == [AGENT]
        assert [a["phone"] for a in client.get("/api/v1/agents?as=employer", headers=headers)
                .get_json()["agents"]] == [THIRD]
        assert client.delete(f"/api/v1/agents/{THIRD}", headers=headers).status_code == 404
        assert client.delete(f"/api/v1/agents/{THIRD}?as=employer", headers=headers).status_code == 200
        assert in_force(employer) == [(AGENT, LANDLORD, "100001")]
