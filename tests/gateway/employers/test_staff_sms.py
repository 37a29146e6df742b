"""Employers declare staff by SMS through the signed webhook (§9.4): 用工 with lodgers, 离职, and the wrong senders."""
from __future__ import annotations

import logging

from sqlalchemy import func, select

from store.models import Declaration, InboundMessage, Person, StaffDeclaration
from tests.constants import ID_A, ID_B, ID_C, LANDLORD
from tests.gateway.employers.conftest import EMPLOYER
from tests.support import drain, reply_to, sms

WRONG_KIND = "未受理：此指令不适用：房东用“登记”，单位用“用工”。"
HIRE = f"用工 张三 {ID_A} @工地; 李四 {ID_B} @工地; 王五 {ID_C} 宿舍 @宿舍楼 101"


def text(client, rt, body: str, sender: str) -> tuple[str, str]:
    sent = sms(client, body, sender)
    drain(rt)
    [reply] = reply_to(rt, sent.sid)
    return sent.sid, reply


def staff_rows(rt) -> list[tuple[str, str, str, bool, str | None]]:
    """(name, status, site code, lodger, room) of every staff declaration, oldest first."""
    with rt.sessions() as session:
        return [(d.person.name, d.status, d.site.code, d.lodger, d.room)
                for d in session.scalars(select(StaffDeclaration).order_by(StaffDeclaration.id))]


def counts(rt) -> tuple[int, int, int]:
    with rt.sessions() as session:
        return (session.scalar(select(func.count()).select_from(StaffDeclaration)),
                session.scalar(select(func.count()).select_from(Declaration)),
                session.scalar(select(func.count()).select_from(Person)))


def test_three_workers_by_one_sms_one_lodging_then_one_leaves(client, employer):
    sid, reply = text(client, employer, HIRE, EMPLOYER)
    assert reply.count("已登记") == 3 and ID_A not in reply, reply  # IDs masked in the reply
    assert staff_rows(employer) == [("张三", "active", "300001", False, None), ("李四", "active", "300001", False, None),
                                    ("王五", "active", "300002", True, "101")]
    with employer.sessions() as session:
        receipts = set(session.scalars(select(StaffDeclaration.receipt)))
        assert all(r in reply for r in receipts) and len(receipts) == 3
        assert session.scalar(select(InboundMessage.precinct_id).where(InboundMessage.provider_sid == sid)) \
            is not None
    _, left = text(client, employer, "离职 尾号4477", "+8613600000001")  # the second contact phone
    assert left.startswith("已离职 李四 1101**********4477 回执"), left
    assert [row[1] for row in staff_rows(employer)] == ["active", "ended", "active"]
    assert counts(employer)[1] == 0  # no tenancy was made or touched


def test_same_person_again_at_the_same_employer_is_already_registered(client, employer):
    _, first = text(client, employer, HIRE, EMPLOYER)
    _, again = text(client, employer, f"用工 张三 {ID_A} @宿舍楼", EMPLOYER)  # another site, the same employer
    with employer.sessions() as session:
        receipt = session.scalar(select(StaffDeclaration.receipt).join(Person).where(Person.name == "张三"))
    assert again == f"此前已登记 张三 3501**********1238 回执{receipt}"
    assert len(staff_rows(employer)) == 3


def test_a_tenant_stays_a_tenant_when_hired_and_the_reverse(client, employer):
    text(client, employer, f"登记 张三 {ID_A} 301 @东街", LANDLORD)
    text(client, employer, f"用工 张三 {ID_A} 宿舍 @宿舍楼", EMPLOYER)
    text(client, employer, f"登记 张三 {ID_A} 301 @东街", LANDLORD)  # the tenancy's own dedupe still holds
    with employer.sessions() as session:
        assert list(session.scalars(select(Declaration.status))) == ["active"]
        assert list(session.scalars(select(StaffDeclaration.status))) == ["active"]
        assert session.scalar(select(func.count()).select_from(Person)) == 1  # one document, one person


def test_landlord_sending_staff_is_wrong_declarant_kind_and_stores_nothing(client, employer):
    sid, reply = text(client, employer, f"用工 张三 {ID_A} @东街", LANDLORD)
    assert reply == WRONG_KIND, reply
    assert counts(employer) == (0, 0, 0)
    with employer.sessions() as session:
        codes = session.scalar(select(InboundMessage.codes).where(InboundMessage.provider_sid == sid))
    assert codes == ["wrong_declarant_kind"]


def test_employer_sending_move_in_for_a_site_is_wrong_declarant_kind(client, employer):
    _, reply = text(client, employer, f"登记 张三 {ID_A} 101 @宿舍楼", EMPLOYER)
    assert reply == WRONG_KIND, reply
    _, reply = text(client, employer, f"登记 张三 {ID_A} 101 @100001", EMPLOYER)  # nor at a landlord's property
    assert reply == WRONG_KIND, reply
    assert counts(employer) == (0, 0, 0)


def test_employer_cannot_reach_another_employers_or_a_landlords_code(client, employer):
    _, reply = text(client, employer, f"用工 张三 {ID_A} @100001", EMPLOYER)  # a landlord's property code
    assert reply.startswith("未受理") and "张三" in reply, reply
    assert counts(employer) == (0, 0, 0)


def test_staff_from_a_stranger_is_unknown_sender(client, employer):
    _, reply = text(client, employer, f"用工 张三 {ID_A} @工地", "+8613700000000")
    assert "未登记" in reply, reply
    assert counts(employer) == (0, 0, 0)


def test_a_new_person_hired_and_declared_as_a_tenant_in_one_batch_is_one_person(client, employer, caplog):
    """Both messages are worked in one batch: the tenant record must find the person the staff record made
    (else the batch trips on the people's unique index and is worked again message by message)."""
    caplog.set_level(logging.INFO, logger="gateway.pipeline.batch")
    hired = sms(client, f"用工 李四 {ID_B} @工地", EMPLOYER)
    rented = sms(client, f"登记 李四 {ID_B} 302 @东街", LANDLORD)
    drain(employer)
    assert reply_to(employer, hired.sid)[0].startswith("已登记 李四")
    assert reply_to(employer, rented.sid)[0].startswith("已登记 李四")
    with employer.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 1
    assert not [r for r in caplog.records if "batch failed" in r.getMessage()]


def test_a_landlord_who_is_also_an_employer_contact_declares_both(client, employer):
    """One phone, two roles: `用工` is the employer's, `登记` the landlord's; neither disturbs the other."""
    from store.employers import EmployerEntry, enrol

    with employer.sessions.begin() as session:
        enrol(session, EmployerEntry(credit_code="91440300MA5FQWER7A", name="陈记餐馆", address="鼓楼区东街1号",
                                     precinct="GL01", phones=(LANDLORD,), site_code="300005"))
    _, hired = text(client, employer, f"用工 张三 {ID_A}", LANDLORD)  # the employer's only site
    _, rented = text(client, employer, f"登记 张三 {ID_A} 301 @东街", LANDLORD)
    assert hired.startswith("已登记 张三") and rented.startswith("已登记 张三"), (hired, rented)
    assert staff_rows(employer) == [("张三", "active", "300005", False, None)]
    assert counts(employer) == (1, 1, 1)


def test_employer_withdraws_a_mistaken_staff_declaration_by_its_receipt_only(client, employer):
    text(client, employer, f"登记 张三 {ID_A} 301 @东街", LANDLORD)
    with employer.sessions() as session:
        tenancy = session.scalar(select(Declaration.receipt))
    _, reply = text(client, employer, f"撤销 {tenancy}", EMPLOYER)  # a tenant's receipt: not the employer's
    assert reply == "未受理：查无此回执号。", reply
    text(client, employer, f"用工 李四 {ID_B} @工地", EMPLOYER)
    with employer.sessions() as session:
        receipt = session.scalar(select(StaffDeclaration.receipt))
    _, reply = text(client, employer, f"撤销 {receipt}", EMPLOYER)
    assert reply == f"已撤销 李四 1101**********4477 回执{receipt}", reply
    assert [row[1] for row in staff_rows(employer)] == ["cancelled"]
    with employer.sessions() as session:
        assert list(session.scalars(select(Declaration.status))) == ["active"]
