"""Employers' agents (§9.3/§9.4): a contact's `授权 <phone> [@site]`, the agent's `用工`/`离职` by SMS and the API
at the granted sites only, the employer's copy, and revocation; the attacks: the other site, tenants, passing a
grant on, another employer's receipt, a revoked agent's token."""
from __future__ import annotations

from sqlalchemy import select

from store.models import OutboundMessage, StaffDeclaration
from tests.constants import ID_A, ID_B, ID_C
from tests.gateway.api.helpers import log_in, result_of
from tests.gateway.employers.conftest import EMPLOYER
from tests.gateway.employers.test_api import OTHER_EMPLOYER, other_employer
from tests.support import drain, reply_to, sms

AGENT = "+8613700000000"
SECOND_CONTACT = "+8613600000001"  # the employer's other contact (conftest's CSV)


def text(client, rt, body: str, sender: str) -> str:
    sent = sms(client, body, sender)
    drain(rt)
    [reply] = reply_to(rt, sent.sid)
    return reply


def sent_to(rt, phone: str, purpose_prefix: str) -> list[str]:
    with rt.sessions() as session:
        return [m.body for m in session.scalars(select(OutboundMessage).where(OutboundMessage.to_number == phone)
                                                .order_by(OutboundMessage.id)) if m.purpose.startswith(purpose_prefix)]


def staff_rows(rt) -> list[tuple[str, str, str, str]]:
    """(name, status, site code, declarant phone) of every staff declaration, oldest first."""
    with rt.sessions() as session:
        return [(d.person.name, d.status, d.site.code, d.declarant_phone)
                for d in session.scalars(select(StaffDeclaration).order_by(StaffDeclaration.id))]


class TestBySms:
    def test_an_agent_declares_at_the_granted_site_and_the_employer_gets_one_copy(self, client, employer):
        """The grant texts the agent once; its 用工 of two people is the employer's with the agent as declarant,
        and each of the employer's two contacts gets one copy for the message."""
        assert text(client, employer, f"授权 {AGENT[3:]} @宿舍楼", EMPLOYER).startswith("已授权代理人")
        [notice] = sent_to(employer, AGENT, "agent_notice")
        assert "闽江建设" in notice and "@宿舍楼" in notice
        reply = text(client, employer, f"用工 张三 {ID_A} 宿舍 101; 李四 {ID_B} 宿舍 102", AGENT)
        assert reply.count("已登记") == 2, reply
        assert staff_rows(employer) == [("张三", "active", "300002", AGENT), ("李四", "active", "300002", AGENT)]
        [copy] = sent_to(employer, EMPLOYER, "agent_copy")
        assert copy.startswith(f"代理人{AGENT}") and copy.count("已登记") == 2 and ID_A not in copy
        assert sent_to(employer, SECOND_CONTACT, "agent_copy") == [copy]  # every contact is the employer
        left = text(client, employer, "离职 尾号1238", AGENT)
        assert left.startswith("已离职 张三"), left
        assert len(sent_to(employer, EMPLOYER, "agent_copy")) == 2
        assert len(sent_to(employer, SECOND_CONTACT, "agent_copy")) == 2

    def test_the_other_site_tenants_and_passing_the_grant_on_are_refused(self, client, employer):
        text(client, employer, f"授权 {AGENT} @宿舍楼", EMPLOYER)
        assert "您未获该房产授权" in text(client, employer, f"用工 张三 {ID_A} @工地", AGENT)
        assert "此指令不适用" in text(client, employer, f"登记 张三 {ID_A} 301", AGENT)
        assert "未登记为房东" in text(client, employer, "授权 13711112222", AGENT)
        assert staff_rows(employer) == []

    def test_another_employers_receipt_is_unknown_to_the_agent(self, client, employer):
        other_employer(employer)
        text(client, employer, f"用工 王五 {ID_C}", OTHER_EMPLOYER)
        with employer.sessions() as session:
            receipt = session.scalar(select(StaffDeclaration.receipt))
        text(client, employer, f"授权 {AGENT}", EMPLOYER)
        assert "查无此回执号" in text(client, employer, f"撤销 {receipt}", AGENT)
        assert staff_rows(employer) == [("王五", "active", "400001", OTHER_EMPLOYER)]

    def test_revoked_the_agent_is_a_stranger_again(self, client, employer):
        text(client, employer, f"授权 {AGENT}", EMPLOYER)
        headers = log_in(client, employer, AGENT)
        assert client.get("/api/v1/sites", headers=headers).status_code == 200
        assert text(client, employer, f"取消授权 {AGENT}", EMPLOYER).startswith("已取消授权")
        assert "未登记为房东" in text(client, employer, f"用工 张三 {ID_A} @工地", AGENT)
        assert client.get("/api/v1/sites", headers=headers).status_code == 401
        assert staff_rows(employer) == []


class TestByApi:
    def test_an_agent_sees_and_declares_at_granted_sites_only(self, client, employer):
        """The agent's token lists the granted site only; a hire there is recorded with it as declarant, the
        other site is a 404, and the landlords' calls are wrong_declarant_kind."""
        text(client, employer, f"授权 {AGENT} @工地", EMPLOYER)
        headers = log_in(client, employer, AGENT)
        assert [s["code"] for s in client.get("/api/v1/sites", headers=headers).get_json()["sites"]] == ["300001"]
        status = result_of(client, employer, client.post("/api/v1/staff", headers=headers,
                                                         json={"name": "张三", "document_number": ID_A}), headers)
        assert status["result"]["outcomes"][0]["status"] == "registered"
        assert staff_rows(employer) == [("张三", "active", "300001", AGENT)]
        assert len(sent_to(employer, EMPLOYER, "agent_copy")) == 1
        assert client.post("/api/v1/staff", headers=headers,
                           json={"name": "李四", "document_number": ID_B, "site": "300002"}).status_code == 404
        assert client.get("/api/v1/properties", headers=headers).status_code == 403
        receipt = status["result"]["outcomes"][0]["receipt"]
        left = result_of(client, employer, client.post(f"/api/v1/staff/{receipt}/leave", headers=headers, json={}),
                         headers)
        assert left["result"]["outcomes"][0]["status"] == "left"
        assert len(sent_to(employer, EMPLOYER, "agent_copy")) == 2
