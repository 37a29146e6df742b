"""Agents (代理人) through the signed SMS webhook: a landlord grants, the agent declares, the landlord is copied."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from store.enrolment import Enrolment, enrol
from store.models import Agent, Declaration, OutboundMessage, Property
from tests.constants import ID_A, ID_B, ID_C, LANDLORD, OTHER_LANDLORD, STRANGER
from tests.support import drain, inbound, reply_to, sms

AGENT = STRANGER  # enrolled nowhere: only the grants make it able to declare


@pytest.fixture
def landlords(rt):
    """LANDLORD: 100001 (东街) and 100002 (西巷); OTHER_LANDLORD: 200001 (东街 too), single unit."""
    with rt.sessions.begin() as session:
        enrol(session, Enrolment(phone=LANDLORD, name="陈房东", property_code="100001", address="东街12号",
                                 precinct="GL01", alias="东街"))
        enrol(session, Enrolment(phone=LANDLORD, name="陈房东", property_code="100002", address="西巷3号",
                                 precinct="GL01", alias="西巷"))
        enrol(session, Enrolment(phone=OTHER_LANDLORD, name="李房东", property_code="200001", address="北路8号",
                                 precinct="GL02", alias="东街", single_unit=True))
    return rt


def text(client, rt, body: str, sender: str) -> tuple[str, str]:
    """Send one SMS, run the worker; (its SID, its one reply)."""
    sent = sms(client, body, sender)
    drain(rt)
    [reply] = reply_to(rt, sent.sid)
    return sent.sid, reply


def sent_to(rt, phone: str, purpose_prefix: str = "") -> list[OutboundMessage]:
    with rt.sessions() as session:
        return [m for m in session.scalars(select(OutboundMessage).where(OutboundMessage.to_number == phone)
                                           .order_by(OutboundMessage.id)) if m.purpose.startswith(purpose_prefix)]


def active(rt) -> list[Declaration]:
    with rt.sessions() as session:
        return list(session.scalars(select(Declaration).where(Declaration.status == "active")
                                    .order_by(Declaration.id)))


def property_id(rt, code: str) -> int:
    with rt.sessions() as session:
        return session.scalar(select(Property.id).where(Property.code == code))


def grant(client, rt, body: str = "授权 13700000000 @东街", sender: str = LANDLORD) -> str:
    return text(client, rt, body, sender)[1]


class TestGrant:
    def test_landlord_grants_and_the_agent_is_told_once(self, client, landlords):
        reply = grant(client, landlords)
        assert reply.startswith("已授权代理人") and AGENT in reply and "@东街" in reply
        [notice] = sent_to(landlords, AGENT, "agent_notice")
        assert "陈房东" in notice.body and "@东街" in notice.body
        again = grant(client, landlords)  # idempotent: no second grant, no second notice
        assert again == reply
        assert len(sent_to(landlords, AGENT, "agent_notice")) == 1
        with landlords.sessions() as session:
            [row] = session.scalars(select(Agent)).all()
            assert row.phone == AGENT and row.property.code == "100001" and row.channel == "sms"

    def test_english_grant_and_revoke_are_answered_in_english(self, client, landlords):
        reply = grant(client, landlords, "AGENT 13700000000 @100002")
        assert reply == f"Agent allowed: {AGENT} @西巷"
        [notice] = sent_to(landlords, AGENT, "agent_notice")
        assert notice.body.startswith("Landlord 陈房东 made you their agent") and "@西巷" in notice.body
        assert grant(client, landlords, "UNAGENT 13700000000") == f"Agent revoked: {AGENT} @西巷"

    def test_grant_without_property_covers_them_all(self, client, landlords):
        reply = grant(client, landlords, "授权 13700000000")
        assert "@东街" in reply and "@西巷" in reply

    def test_property_of_another_landlord_is_unknown_property(self, client, landlords):
        reply = grant(client, landlords, "授权 13700000000 @200001")
        assert "找不到@后的房产" in reply
        with landlords.sessions() as session:
            assert session.scalars(select(Agent)).all() == []

    def test_an_agent_cannot_pass_a_grant_on(self, client, landlords):
        grant(client, landlords)
        reply = grant(client, landlords, "授权 13900001111", sender=AGENT)
        assert "未登记为房东" in reply


class TestAgentDeclares:
    def test_declaration_has_the_agent_as_declarant_and_the_landlord_gets_one_copy(self, client, landlords):
        grant(client, landlords, "授权 13700000000")
        sid, reply = text(client, landlords, f"登记 张三 {ID_A} 301 @东街; 李四 {ID_B} 302 @东街", AGENT)
        decls = active(landlords)
        assert len(decls) == 2 and all(d.declarant_phone == AGENT for d in decls)
        assert all(d.receipt in reply for d in decls) and ID_A not in reply
        with landlords.sessions() as session:
            assert {d.property.landlord.phone for d in session.scalars(select(Declaration))} == {LANDLORD}
        [copy] = sent_to(landlords, LANDLORD, "agent_copy")  # one SMS for the message, not one per record
        assert copy.body == f"代理人{AGENT}：" + reply
        assert inbound(landlords, sid).landlord_id is not None

    def test_a_landlord_declaring_for_themselves_has_no_declarant_and_no_copy(self, client, landlords):
        text(client, landlords, f"登记 张三 {ID_A} 301 @东街", LANDLORD)
        [decl] = active(landlords)
        assert decl.declarant_phone is None
        assert sent_to(landlords, LANDLORD, "agent_copy") == []

    def test_one_property_granted_needs_no_selector(self, client, landlords):
        grant(client, landlords)
        _, reply = text(client, landlords, f"登记 张三 {ID_A} 301", AGENT)
        [decl] = active(landlords)
        assert decl.receipt in reply and decl.property_id == property_id(landlords, "100001")

    def test_two_landlords_same_alias_needs_the_code(self, client, landlords):
        grant(client, landlords)
        grant(client, landlords, "授权 13700000000", sender=OTHER_LANDLORD)
        _, reply = text(client, landlords, f"登记 张三 {ID_A} 301 @东街", AGENT)
        assert "请加“@房产代码”" in reply and active(landlords) == []
        _, reply = text(client, landlords, f"登记 张三 {ID_A} 301", AGENT)
        assert "请加“@房产代码”" in reply
        _, reply = text(client, landlords, f"登记 张三 {ID_A} @200001", AGENT)
        [decl] = active(landlords)
        assert decl.receipt in reply and decl.declarant_phone == AGENT
        [copy] = sent_to(landlords, OTHER_LANDLORD, "agent_copy")
        assert decl.receipt in copy.body and sent_to(landlords, LANDLORD, "agent_copy") == []

    def test_each_landlord_is_copied_only_their_own_tenants(self, client, landlords):
        grant(client, landlords)
        grant(client, landlords, "授权 13700000000", sender=OTHER_LANDLORD)
        text(client, landlords, f"登记 张三 {ID_A} 301 @100001; 李四 {ID_B} @200001", AGENT)
        _, listing = text(client, landlords, "查询", AGENT)
        assert "张三" in listing and "李四" in listing
        mine = sent_to(landlords, LANDLORD, "agent_copy")[-1].body
        theirs = sent_to(landlords, OTHER_LANDLORD, "agent_copy")[-1].body
        assert "张三" in mine and "李四" not in mine
        assert "李四" in theirs and "张三" not in theirs

    def test_a_landlord_who_is_also_an_agent_reaches_both(self, client, landlords):
        grant(client, landlords, "授权 13900139000 @西巷")
        _, reply = text(client, landlords, f"登记 王五 {ID_C} 9 @西巷", OTHER_LANDLORD)
        _, own = text(client, landlords, f"登记 张三 {ID_A} @200001", OTHER_LANDLORD)
        assert len(active(landlords)) == 2 and "已登记" in reply and "已登记" in own
        with landlords.sessions() as session:
            rows = {d.property.code: d.declarant_phone for d in session.scalars(select(Declaration))}
        assert rows == {"100002": OTHER_LANDLORD, "200001": None}


class TestAttacks:
    """An agent of LANDLORD tries to reach OTHER_LANDLORD's tenants: by property, receipt, list, move-out."""

    @pytest.fixture
    def other_tenant(self, client, landlords):
        grant(client, landlords)  # AGENT may act at 100001 only
        text(client, landlords, f"登记 李四 {ID_B}", OTHER_LANDLORD)
        [decl] = active(landlords)
        return decl

    def test_declaring_at_a_property_not_granted(self, client, landlords, other_tenant):
        for selector in ("@200001", "@西巷", "@999999"):
            _, reply = text(client, landlords, f"登记 张三 {ID_A} 301 {selector}", AGENT)
            assert "您未获该房产授权" in reply
        assert [d.id for d in active(landlords)] == [other_tenant.id]

    def test_cancel_by_receipt_of_another_landlord(self, client, landlords, other_tenant):
        _, reply = text(client, landlords, f"撤销 {other_tenant.receipt}", AGENT)
        assert "查无此回执号" in reply
        assert [d.id for d in active(landlords)] == [other_tenant.id]

    def test_list_and_move_out_of_another_landlord(self, client, landlords, other_tenant):
        _, listing = text(client, landlords, "查询", AGENT)
        assert "李四" not in listing
        _, reply = text(client, landlords, "查询 @200001", AGENT)
        assert "李四" not in reply and "您未获该房产授权" in reply
        _, reply = text(client, landlords, f"退租 {ID_B}", AGENT)
        assert "未找到该在住租客" in reply
        _, reply = text(client, landlords, f"退租 {ID_B} @200001", AGENT)
        assert "您未获该房产授权" in reply
        assert [d.id for d in active(landlords)] == [other_tenant.id]
        assert sent_to(landlords, OTHER_LANDLORD, "agent_copy") == []

    def test_a_revoked_agent_is_a_stranger_again(self, client, landlords):
        grant(client, landlords)
        _, reply = text(client, landlords, f"登记 张三 {ID_A} 301", AGENT)
        [decl] = active(landlords)
        revoked = grant(client, landlords, "取消授权 13700000000")  # no @: every grant of that phone
        assert revoked.startswith("已取消授权") and AGENT in revoked
        for body in (f"登记 李四 {ID_B} 302", f"撤销 {decl.receipt}", "查询"):
            _, reply = text(client, landlords, body, AGENT)
            assert "未登记为房东" in reply
        assert [d.id for d in active(landlords)] == [decl.id]

    def test_revoking_one_property_keeps_the_others(self, client, landlords):
        grant(client, landlords, "授权 13700000000 @东街")
        grant(client, landlords, "授权 13700000000 @西巷")
        grant(client, landlords, "取消授权 13700000000 @东街")
        _, reply = text(client, landlords, f"登记 张三 {ID_A} 301 @东街", AGENT)
        assert "您未获该房产授权" in reply
        _, reply = text(client, landlords, f"登记 张三 {ID_A} 301", AGENT)  # 西巷 is the one left
        [decl] = active(landlords)
        assert decl.property_id == property_id(landlords, "100002") and decl.receipt in reply

    def test_another_landlord_cannot_revoke_someone_elses_agent(self, client, landlords):
        grant(client, landlords)
        reply = grant(client, landlords, "取消授权 13700000000", sender=OTHER_LANDLORD)
        assert "不是您此房产的代理人" in reply
        text(client, landlords, f"登记 张三 {ID_A} 301", AGENT)
        assert len(active(landlords)) == 1
