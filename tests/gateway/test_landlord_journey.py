"""A landlord nobody enrolled, from the first SMS to declaring on every channel: `注册` by SMS, an officer's
approval in the UI, then the same tenant declared by SMS, by the JSON API (what /my uses) and by calling the
voice line — one registration in the end, whatever the channel (the dedupe is one)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from store.models import Declaration, EnrolmentRequest, OutboundMessage
from tests.constants import ID_A, ID_B, STRANGER
from tests.gateway.api.helpers import log_in, result_of
from tests.support import PhoneCall, drain, login, reply_to, sms


def declarations(rt) -> list[Declaration]:
    with rt.sessions() as session:
        return list(session.scalars(select(Declaration).order_by(Declaration.id).options(
            joinedload(Declaration.person), joinedload(Declaration.property))))


def test_enrol_then_declare_on_every_channel(ui, people, twiml_schema):
    # 1. The stranger asks to enrol by SMS and is told it is pending.
    sent = sms(ui, f"注册 王房东 {ID_B} 鼓楼区东街14号 单套", STRANGER)
    drain(people)
    assert "备案申请已收到" in reply_to(people, sent.sid)[0]

    # 2. An officer of the suggested precinct approves it in the UI; the landlord is texted the code.
    with people.sessions() as session:
        request_id = session.scalar(select(EnrolmentRequest.id).where(EnrolmentRequest.phone == STRANGER))
    login(ui, "a")
    assert ui.post(f"/enrolments/{request_id}/approve", data={"property_code": "100009"}).status_code == 302
    ui.post("/logout")
    drain(people)
    with people.sessions() as session:
        decision = session.scalar(select(OutboundMessage.body).where(OutboundMessage.to_number == STRANGER,
                                                                     OutboundMessage.purpose == "enrolment_decision"))
    assert "100009" in decision

    # 3. By SMS.
    sms(ui, f"登记 张三 {ID_A}", STRANGER)
    drain(people)
    [decl] = declarations(people)
    assert (decl.status, decl.channel, decl.property.code) == ("active", "sms", "100009")

    # 4. By the JSON API (what /my does on a phone): the same person at the same property is already there.
    headers = log_in(ui, people, STRANGER)
    response = ui.post("/api/v1/declarations", headers=headers,
                       json={"name": "张三", "document_type": "ric", "document_number": ID_A, "property": "100009"})
    outcome = result_of(ui, people, response, headers)
    assert outcome["status"] == "processed", outcome
    assert [o["status"] for o in outcome["result"]["outcomes"]] == ["already_registered"]

    # 5. By calling the voice line from the landlord's phone (menu 4).
    call = PhoneCall(ui, STRANGER, schema=twiml_schema)
    call.start()
    call.press("1")
    call.press("4")
    call.press(ID_A + "#")
    call.press("1")
    call.press("#")  # a single-unit property: no room
    call.press("1")
    call.speak("张三", 0.9)
    call.press("1")
    call.press("1")
    drain(people)

    # One registration, whichever way the landlord declared.
    [decl] = declarations(people)
    assert decl.status == "active" and decl.person.document_number == ID_A
