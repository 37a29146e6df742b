"""Employer contacts on the voice line (v2 §6) through the real, signed voice webhook: menu 4 declares a member of
staff at one of the employer's sites, menu 5 ends one, with the SMS path's store code and replies; nobody else
reaches the employer's sites or staff."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from gateway.webhooks.voice_port import DatabasePort
from ivr_flows import VoiceDeclaration
from store import employers
from store.models import Declaration, InboundMessage, StaffDeclaration
from tests.constants import ID_A, LANDLORD, STRANGER
from tests.gateway.employers.conftest import EMPLOYER
from tests.gateway.webhooks.test_voice import outbox, receipt_said
from tests.support import PhoneCall, drain, sms

SECOND_CONTACT = "+8613600000001"  # the employer's other contact phone
NAME_URL = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE400"
ADDRESS_URL = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE401"


def menu(client, schema, caller: str) -> PhoneCall:
    call = PhoneCall(client, caller, schema=schema)
    call.start()
    call.press("1")  # 普通话
    return call


def staff_rows(rt) -> list[tuple]:
    """(status, site code, lodger, room, channel, declarant, receipt, document type) of every staff declaration."""
    with rt.sessions() as session:
        return [(d.status, d.site.code, d.lodger, d.room, d.channel, d.declarant_phone, d.receipt,
                 d.person.document_type) for d in session.scalars(select(StaffDeclaration).order_by(StaffDeclaration.id))]


def tenancies(rt) -> int:
    with rt.sessions() as session:
        return session.scalar(select(func.count()).select_from(Declaration))


@pytest.fixture
def other_employer(employer):
    """STRANGER is the contact of a second employer, with sites 400001 and 400002 in GL02."""
    for code in ("400001", "400002"):
        with employer.sessions.begin() as session:
            employers.enrol(session, employers.EmployerEntry(
                credit_code="91350102MA2XYM4567", name="闽侯物流", address="闽侯县物流园1号", precinct="GL02",
                phones=[STRANGER], site_code=code))
    return employer


def test_a_contact_declares_a_lodger_at_one_of_two_sites_and_another_ends_them(client, employer, twiml_schema):
    call = menu(client, twiml_schema, EMPLOYER)
    assert "单位申报员工用工请按4" in call.said and "房东" not in call.said
    call.press("4")
    call.press(ID_A + "#")
    call.press("1")  # the ID read back
    assert "请输入场所编号" in call.said  # two sites: asked which
    call.press("300002#")
    call.press("1")  # the dormitory's address read back
    call.press("101#")
    call.press("1")  # sleeps at the site
    call.press("1")  # started today
    call.speak("王五", 0.9)
    call.press("1")
    assert "住宿舍" in call.said
    call.press("1")  # confirm
    assert "<Hangup" in call.twiml
    drain(employer)
    [row] = staff_rows(employer)
    assert row[:6] == ("active", "300002", True, "101", "voice", EMPLOYER) and row[7] == "ric"
    receipt = row[6]
    assert receipt_said(call).count(receipt) == 2
    [(purpose, to, body)] = outbox(employer)
    assert (purpose, to) == ("reply", EMPLOYER) and receipt in body and "已登记" in body and ID_A not in body
    assert tenancies(employer) == 0  # staff, not a tenancy

    leaving = menu(client, twiml_schema, SECOND_CONTACT)
    leaving.press("5")
    leaving.press(ID_A[-4:] + "#")
    leaving.press("300002#")
    leaving.press("1")
    leaving.press("1")  # today
    leaving.press("1")  # confirm
    assert "离职申报已提交" in leaving.said
    drain(employer)
    assert [r[0] for r in staff_rows(employer)] == ["ended"]
    purpose, to, body = outbox(employer)[-1]
    assert (purpose, to) == ("reply", SECOND_CONTACT) and body.startswith("已离职 王五") and ID_A not in body


def test_the_same_person_again_by_phone_is_already_registered(client, employer, twiml_schema):
    for _ in range(2):
        call = menu(client, twiml_schema, EMPLOYER)
        call.press("4")
        call.press(ID_A + "#")
        call.press("1")
        call.press("300001#")
        call.press("1")
        call.press("#")  # no room
        call.press("2")  # does not lodge
        call.press("1")
        call.speak("张三", 0.9)
        call.press("1")
        call.press("1")
        drain(employer)
    assert [r[:4] for r in staff_rows(employer)] == [("active", "300001", False, None)]
    assert "此前已登记" in outbox(employer)[-1][2]


def test_no_document_staff_wait_for_an_officer_with_recordings_and_drafts(client, employer, twiml_schema):
    call = menu(client, twiml_schema, EMPLOYER)
    call.press("4")
    call.press("0#")
    call.speak("王小明", 0.4)
    call.record(NAME_URL)
    call.speak("福建省莆田市荔城区", 0.6)
    call.record(ADDRESS_URL)
    call.press("300001#")
    call.press("1")
    call.press("#")
    call.press("1")
    call.press("1")
    call.press("1")  # confirm the no-document summary
    drain(employer)
    [row] = staff_rows(employer)
    assert (row[0], row[1], row[7]) == ("pending_review", "300001", "none")
    with employer.sessions() as session:
        decl = session.scalar(select(StaffDeclaration))
        payload = session.get(InboundMessage, decl.inbound_id).payload
        assert decl.person.name is None  # what the recogniser heard is a draft, never the name
    assert (payload["name_recording_url"], payload["address_recording_url"]) == (NAME_URL, ADDRESS_URL)
    assert (payload["name_draft"], payload["address_draft"]) == ("王小明", "福建省莆田市荔城区")
    assert row[6] in outbox(employer)[-1][2]


def test_a_landlord_and_a_stranger_get_nothing_of_the_employers(client, employer, twiml_schema):
    """The attack: a landlord types the employer's site code in menu 4; a stranger presses 4 at all."""
    call = menu(client, twiml_schema, LANDLORD)
    assert "员工" not in call.said
    call.press("4")
    call.press(ID_A + "#")
    call.press("1")
    for _ in range(3):
        call.press("300001#")  # the employer's site: "not found", like a code nobody has
    assert "没有找到这个房屋编号" in call.answers[-2] and "<Hangup" in call.twiml
    stranger = menu(client, twiml_schema, "+8613911112222")
    assert "按4" not in stranger.said
    stranger.press("4")
    assert "您按的键无效" in stranger.said
    drain(employer)
    assert staff_rows(employer) == [] and tenancies(employer) == 0


def test_another_employers_contact_cannot_reach_these_sites_or_staff(client, other_employer, twiml_schema):
    hire = menu(client, twiml_schema, EMPLOYER)
    for key in ("4", ID_A + "#", "1", "300001#", "1", "#", "1", "1"):
        hire.press(key)
    hire.speak("张三", 0.9)
    hire.press("1")
    hire.press("1")
    drain(other_employer)
    call = menu(client, twiml_schema, STRANGER)
    call.press("4")
    call.press(ID_A + "#")
    call.press("1")
    call.press("300001#")
    assert "没有找到这个场所编号" in call.said
    call.press("300002#")
    call.press("300001#")
    assert "场所编号三次都没有找到" in call.said and "<Hangup" in call.twiml
    ending = menu(client, twiml_schema, STRANGER)
    for key in ("5", ID_A[-4:] + "#", "400001#", "1", "1", "1"):
        ending.press(key)
    drain(other_employer)
    assert [r[:2] for r in staff_rows(other_employer)] == [("active", "300001")]
    purpose, to, body = outbox(other_employer)[-1]
    assert (purpose, to) == ("reply", STRANGER) and "未找到该在住租客" in body  # as to `离职` an unknown person
    assert "张三" not in body and ID_A[-4:] not in body


def test_a_site_that_is_not_the_callers_is_refused_when_the_call_is_applied(other_employer):
    """Checked again in the worker: a staff call for a site that is not (or no longer) the caller's employer's
    stores nothing, and the caller is told so."""
    port = DatabasePort(other_employer)
    port.submit("CA" + "9" * 32, VoiceDeclaration(
        kind="staff_start", document_type="ric", document_number=ID_A, property_code="300001", room=None,
        date=dt.date.today(), name="张三", name_recording_url=None, address_recording_url=None,
        name_confidence=0.9, caller=STRANGER, language="zh", lodger=True))
    drain(other_employer)
    assert staff_rows(other_employer) == []
    [(purpose, to, body)] = outbox(other_employer)
    assert (purpose, to) == ("reply", STRANGER) and "您未获该房产授权" in body


def test_a_landlord_who_is_also_a_contact_chooses_tenant_or_staff(client, employer, twiml_schema):
    with employer.sessions.begin() as session:
        employers.enrol(session, employers.EmployerEntry(
            credit_code="91350102MA2XYM4567", name="陈记餐馆", address="鼓楼区东街1号", precinct="GL01",
            phones=[LANDLORD], site_code="500001"))
    call = menu(client, twiml_schema, LANDLORD)
    assert "房东申报租客或单位申报员工请按4" in call.said
    call.press("4")
    assert "申报租客请按1，申报员工请按2" in call.said
    call.press("2")
    for key in (ID_A + "#", "1", "#", "2", "1"):  # one site: not asked
        call.press(key)
    call.speak("张三", 0.9)
    call.press("1")
    call.press("1")
    drain(employer)
    assert [r[:2] + r[5:6] for r in staff_rows(employer)] == [("active", "500001", LANDLORD)]
    assert tenancies(employer) == 0


def test_a_start_past_the_deadline_is_late_by_voice_as_by_sms(client, employer, twiml_schema):
    """The employer's late declarations are what the follow-up list and Art. 57 count: a call is no way round."""
    start = dt.date.today() - dt.timedelta(days=30)
    call = menu(client, twiml_schema, EMPLOYER)
    call.press("4")
    call.press(ID_A + "#")
    call.press("1")
    call.press("300001#")
    call.press("1")
    call.press("#")  # no room
    call.press("2")  # does not lodge
    call.press("2")  # another date
    call.press(start.strftime("%Y%m%d") + "#")
    call.press("1")  # the date read back
    call.speak("张三", 0.9)
    call.press("1")
    call.press("1")
    drain(employer)
    with employer.sessions() as session:
        [row] = session.scalars(select(StaffDeclaration)).all()
        assert (row.start, row.late, row.channel) == (start, True, "voice")


def test_an_employers_agent_declares_by_phone_at_the_granted_site_and_the_employer_is_copied(client, employer,
                                                                                           twiml_schema):
    """§9.3: agents work for employers too, on every channel; the grant names the dormitory only, so the call
    skips the site step, and the employer's contact gets the copy as for the agent's `用工`."""
    agent = "+8613700000000"
    sms(client, f"授权 {agent} @宿舍楼", EMPLOYER)
    drain(employer)
    call = menu(client, twiml_schema, agent)
    assert "单位申报员工用工请按4" in call.said
    call.press("4")
    call.press(ID_A + "#")
    call.press("1")
    assert "请输入场所编号" not in call.said  # one granted site: not asked
    call.press("#")  # no room
    call.press("1")  # lodges
    call.press("1")  # started today
    call.speak("王五", 0.9)
    call.press("1")
    call.press("1")  # confirm
    drain(employer)
    [row] = staff_rows(employer)
    assert row[:6] == ("active", "300002", True, None, "voice", agent)
    copies = [body for purpose, to, body in outbox(employer) if to == EMPLOYER and purpose != "reply"]
    assert copies and copies[-1].startswith(f"代理人{agent}") and row[6] in copies[-1] and ID_A not in copies[-1]
    sms(client, f"取消授权 {agent}", EMPLOYER)
    drain(employer)
    assert "单位申报员工用工请按4" not in menu(client, twiml_schema, agent).said  # revoked: a stranger again
