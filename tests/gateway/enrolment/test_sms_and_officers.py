"""Landlords enrol themselves by SMS `注册`; officers of the address's precinct approve or reject.

On `people`: LANDLORD has 100001 (鼓楼区东街12号) and 100002 in GL01, OTHER_LANDLORD 200001 (台江区北路8号) in
GL02; officers `a` (GL01), `b` (GL02), supervisor `chief`. STRANGER is enrolled nowhere.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from gateway.i18n.codes import code_word
from store import enrolment_requests

from store.models import EnrolmentRequest, InboundMessage, Landlord, OutboundMessage, Property
from store.sealed import document_hash
from tests.constants import ID_A, ID_B, LANDLORD, STRANGER
from tests.support import audit_actions, drain, login, reply_to, row, sms, texted

OTHER_STRANGER = "+8613700000001"
NEAR_100001 = "鼓楼区东街14号"  # shares 鼓楼区东街1 with 100001's address: GL01 is suggested


def enrol_sms(ui, rt, sender: str = STRANGER, address: str = NEAR_100001, name: str = "王房东",
              number: str = ID_B) -> str:
    response = sms(ui, f"注册 {name} {number} {address}", sender)
    assert response.status_code == 200
    drain(rt)
    return response.sid


def requests_of(rt, phone: str) -> list[EnrolmentRequest]:
    with rt.sessions() as session:
        rows = list(session.scalars(select(EnrolmentRequest).where(EnrolmentRequest.phone == phone)
                                    .order_by(EnrolmentRequest.id)))
        for r in rows:
            r.suggested_precinct  # loaded while the session is open
        return rows


def sent_to(rt, phone: str, purpose: str | None = None) -> list[str]:
    with rt.sessions() as session:
        query = select(OutboundMessage.body).where(OutboundMessage.to_number == phone).order_by(OutboundMessage.id)
        if purpose:
            query = query.where(OutboundMessage.purpose == purpose)
        return list(session.scalars(query))


def as_officer(ui, username: str) -> None:
    ui.post("/logout")
    login(ui, username)


class TestEndToEnd:
    def test_held_declaration_is_receipted_once_the_officer_approves(self, ui, people):
        """A stranger's `登记` is held as unknown_sender; `注册` gets a pending reply; officer `a` approves in the
        page; the landlord gets one SMS with the property code and the earlier `登记` its receipt."""
        held = texted(ui, people, f"登记 张三 {ID_A} 301", STRANGER)
        assert row(people, InboundMessage, held).review_reason == "unknown_sender"
        sid = enrol_sms(ui, people)
        assert reply_to(people, sid) == ["待民警审核 王房东 1101**********4477：备案申请已收到，待派出所审核，结果短信通知。"]
        [request] = requests_of(people, STRANGER)
        assert (request.status, request.suggested_precinct.code, request.channel) == ("pending", "GL01", "sms")
        assert not request.address_conflict

        as_officer(ui, "a")
        assert f"/enrolments/{request.id}" in ui.get(f"/review/{held}").get_data(as_text=True)  # the held item says so
        listing = ui.get("/enrolments").get_data(as_text=True)
        assert f"/enrolments/{request.id}" in listing and ID_B not in listing
        page = ui.get(f"/enrolments/{request.id}").get_data(as_text=True)
        assert "1101**********4477" in page and ID_B not in page
        assert 'value="200002"' in page  # one past the highest code in use is suggested
        response = ui.post(f"/enrolments/{request.id}/approve", data={"property_code": "100003"})
        assert response.status_code == 302, response.get_data(as_text=True)
        drain(people)

        assert sent_to(people, STRANGER, "enrolment_decision") == [
            "房东注册已通过：鼓楼区东街14号，房产代码100003。现在可发送“登记 姓名 证件号 房号”申报租客。"]
        with people.sessions() as session:
            prop = session.scalar(select(Property).where(Property.code == "100003"))
            assert (prop.landlord.phone, prop.landlord.name, prop.precinct.code) == (STRANGER, "王房东", "GL01")
            copy = session.scalar(select(InboundMessage).where(InboundMessage.edited_from_id == held))
            assert copy.status == "processed"
        [receipted] = reply_to(people, copy.provider_sid)
        assert receipted.startswith("已登记 张三 3501**********1238 回执")
        assert row(people, InboundMessage, held).review_state == "resolved"
        assert row(people, EnrolmentRequest, request.id).status == "approved"
        [entry] = audit_actions(people, "enrolment_approve")
        assert (entry.officer.username, entry.target) == ("a", f"enrolment:{request.id}")

    def test_document_is_sealed_with_a_blind_index(self, ui, people):
        """Like a person's, the request's document number is stored encrypted; its hash finds it."""
        enrol_sms(ui, people)
        with people.sessions() as session:
            raw = session.execute(text("SELECT document_number, document_hash FROM enrolment_requests")).one()
            assert ID_B not in raw[0] and "4477" not in raw[0]
            assert raw[1] == document_hash(session, "ric", ID_B)

    def test_reject_texts_the_reason_and_keeps_the_number_unknown(self, ui, people):
        held = texted(ui, people, f"登记 张三 {ID_A} 301", STRANGER)
        enrol_sms(ui, people)
        [request] = requests_of(people, STRANGER)
        as_officer(ui, "a")
        assert ui.post(f"/enrolments/{request.id}/reject", data={"reason": " "}).status_code == 422
        response = ui.post(f"/enrolments/{request.id}/reject", data={"reason": "房产证信息不符"})
        assert response.status_code == 302
        drain(people)
        assert sent_to(people, STRANGER, "enrolment_decision") == ["房东注册未通过：房产证信息不符。如有疑问请联系辖区派出所。"]
        assert row(people, EnrolmentRequest, request.id).status == "rejected"
        assert row(people, InboundMessage, held).review_state == "open"
        with people.sessions() as session:
            assert session.scalar(select(Landlord).where(Landlord.phone == STRANGER)) is None
        # Decided once: a second decision changes nothing and sends nothing.
        assert ui.post(f"/enrolments/{request.id}/approve", data={"property_code": "100009"}).status_code == 409
        assert len(sent_to(people, STRANGER, "enrolment_decision")) == 1

    def test_enrolled_landlord_adds_a_property(self, ui, people):
        """`注册` from an enrolled landlord asks for another property; approval adds it to the same landlord."""
        sid = enrol_sms(ui, people, sender=LANDLORD, name="陈房东", number=ID_A, address="鼓楼区东街20号")
        assert "备案申请已收到" in reply_to(people, sid)[0]
        [request] = requests_of(people, LANDLORD)
        as_officer(ui, "a")
        assert ui.post(f"/enrolments/{request.id}/approve", data={"property_code": "100010"}).status_code == 302
        with people.sessions() as session:
            landlord = session.scalar(select(Landlord).where(Landlord.phone == LANDLORD))
            assert [p.code for p in landlord.properties] == ["100001", "100002", "100010"]


class TestDuplicatesAndConflicts:
    def test_the_same_enrol_while_pending_makes_one_request(self, ui, people):
        first, second = enrol_sms(ui, people), enrol_sms(ui, people, address="鼓楼区 东街14号。")
        assert len(requests_of(people, STRANGER)) == 1
        assert "备案申请已收到" in reply_to(people, second)[0] and reply_to(people, first) == reply_to(people, second)

    def test_the_database_holds_one_pending_request_per_phone_and_address(self, people):
        """Two workers storing the same SMS at once: the second insert is refused (and its batch retries)."""
        wish = enrolment_requests.Wish(phone=STRANGER, name="王房东", document_type="ric", document_number=ID_B,
                                       address=NEAR_100001)
        with people.sessions.begin() as session:
            enrolment_requests.submit(session, wish, channel="sms")
        with pytest.raises(IntegrityError), people.sessions.begin() as session:
            session.add(EnrolmentRequest(phone=STRANGER, name="王房东", document_type="ric", document_number=ID_B,
                                         address=NEAR_100001, address_key=enrolment_requests.address_key(NEAR_100001),
                                         channel="sms"))

    def test_after_a_rejection_the_landlord_may_ask_again(self, ui, people):
        enrol_sms(ui, people)
        [first] = requests_of(people, STRANGER)
        as_officer(ui, "a")
        assert ui.post(f"/enrolments/{first.id}/reject", data={"reason": "地址不全"}).status_code == 302
        enrol_sms(ui, people)
        assert [r.status for r in requests_of(people, STRANGER)] == ["rejected", "pending"]

    def test_an_address_enrolled_to_someone_else_is_flagged(self, ui, people):
        """100001's address written with a space and full-width digits is still LANDLORD's: flagged for officers."""
        sid = enrol_sms(ui, people, address="鼓楼区 东街１２号")
        [request] = requests_of(people, STRANGER)
        assert request.address_conflict
        assert reply_to(people, sid) == ["待民警审核 王房东 1101**********4477：备案申请已收到，待派出所审核，结果短信通知。"
                                         "该地址已由他人备案，待民警核实。"]
        as_officer(ui, "a")
        assert code_word("reason", "address_conflict", "zh") in ui.get("/enrolments").get_data(as_text=True)

    def test_an_address_another_phone_asked_for_is_flagged(self, ui, people):
        enrol_sms(ui, people)
        enrol_sms(ui, people, sender=OTHER_STRANGER, name="赵房东", number=ID_A)
        assert not requests_of(people, STRANGER)[0].address_conflict
        assert requests_of(people, OTHER_STRANGER)[0].address_conflict

    def test_the_landlords_own_address_is_no_conflict(self, ui, people):
        enrol_sms(ui, people, sender=LANDLORD, name="陈房东", number=ID_A, address="鼓楼区东街12号")
        assert not requests_of(people, LANDLORD)[0].address_conflict


class TestPrecincts:
    def test_officer_of_another_precinct_can_neither_see_nor_decide(self, ui, people):
        """Officer `b` (GL02) attacks a GL01 request by its id: every page and decision is a 404, nothing changes."""
        enrol_sms(ui, people)
        [request] = requests_of(people, STRANGER)
        as_officer(ui, "b")
        assert f"/enrolments/{request.id}" not in ui.get("/enrolments").get_data(as_text=True)
        assert ui.get(f"/enrolments/{request.id}").status_code == 404
        assert ui.post(f"/enrolments/{request.id}/approve",
                       data={"property_code": "200009", "precinct": "GL02"}).status_code == 404
        assert ui.post(f"/enrolments/{request.id}/reject", data={"reason": "no"}).status_code == 404
        assert row(people, EnrolmentRequest, request.id).status == "pending"
        assert sent_to(people, STRANGER, "enrolment_decision") == []

    def test_officer_enrols_only_into_their_own_precinct(self, ui, people):
        """A `precinct` field posted by an officer is ignored: the property lands in the officer's precinct."""
        enrol_sms(ui, people, address="晋安区新店镇1号")  # matches nothing: every officer sees it
        [request] = requests_of(people, STRANGER)
        assert request.suggested_precinct is None
        as_officer(ui, "b")
        assert f"/enrolments/{request.id}" in ui.get("/enrolments").get_data(as_text=True)
        assert ui.post(f"/enrolments/{request.id}/approve",
                       data={"property_code": "200009", "precinct": "GL01"}).status_code == 302
        with people.sessions() as session:
            assert session.scalar(select(Property).where(Property.code == "200009")).precinct.code == "GL02"

    def test_supervisor_chooses_the_precinct(self, ui, people):
        enrol_sms(ui, people, address="晋安区新店镇1号")
        [request] = requests_of(people, STRANGER)
        as_officer(ui, "chief")
        assert ui.post(f"/enrolments/{request.id}/approve",
                       data={"property_code": "300001", "precinct": "JA01"}).status_code == 302
        with people.sessions() as session:
            assert session.scalar(select(Property).where(Property.code == "300001")).precinct.code == "JA01"

    def test_a_code_in_use_is_refused_and_nothing_is_sent(self, ui, people):
        enrol_sms(ui, people)
        [request] = requests_of(people, STRANGER)
        as_officer(ui, "a")
        response = ui.post(f"/enrolments/{request.id}/approve", data={"property_code": "100001"})
        assert response.status_code == 422 and "100001" in response.get_data(as_text=True)
        assert row(people, EnrolmentRequest, request.id).status == "pending"
        assert sent_to(people, STRANGER, "enrolment_decision") == []
        with people.sessions() as session:
            assert session.scalar(select(func.count()).select_from(Landlord).where(Landlord.phone == STRANGER)) == 0
