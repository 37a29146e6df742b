"""Attacks on registrations through the voice line, performed through the real signed webhooks, on both backends.

A stranger knows an ID number and the property code printed on the notice in the building; what they
declare is a claim that waits for the landlord, and what they hear never tells them what is on record.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from gateway.app import create_app
from parsers import mask_id
from store.declarations import find_person
from store.enrolment import Enrolment, enrol
from store.models import Declaration, InboundMessage, OutboundMessage, Person
from tests.constants import ID_A, ID_X, LANDLORD
from tests.support import PhoneCall, drain, sms

# LANDLORD has property 100001, 东街12号, and registers ID_A there; ID_X is never registered.
OTHER_LANDLORD = "+8613800138111"  # property 200002, 西路7号
TENANT = "+8613900002222"  # the real tenant's phone, given by the landlord
STRANGER = "+8613700009999"  # the attacker's mobile


def enrol_two(rt) -> None:
    with rt.sessions.begin() as session:
        enrol(session, Enrolment(phone=LANDLORD, name="陈房东", property_code="100001", address="东街12号",
                                 precinct="GL01"))
        enrol(session, Enrolment(phone=OTHER_LANDLORD, name="王房东", property_code="200002", address="西路7号",
                                 precinct="GL01"))


def registered_by_landlord(client, rt) -> Declaration:
    """张三 (ID_A, phone TENANT) registered by the landlord of 100001, room 301."""
    sms(client, f"登记 张三 {ID_A} {TENANT} 301", LANDLORD)
    drain(rt)
    [decl] = declarations(rt)
    assert decl.status == "active" and decl.person.phone == TENANT
    return decl


def declarations(rt) -> list[Declaration]:
    with rt.sessions() as session:
        return list(session.scalars(select(Declaration).options(joinedload(Declaration.person))
                                    .order_by(Declaration.id)))


def person(rt, number: str) -> Person:
    with rt.sessions() as session:
        return find_person(session, "ric", number)


def sent(rt, to: str | None = None, purpose: str | None = None) -> list[str]:
    with rt.sessions() as session:
        query = select(OutboundMessage.body).order_by(OutboundMessage.id)
        if to:
            query = query.where(OutboundMessage.to_number == to)
        if purpose:
            query = query.where(OutboundMessage.purpose == purpose)
        return list(session.scalars(query))


def call_item(rt, call: PhoneCall) -> InboundMessage:
    with rt.sessions() as session:
        return session.scalar(select(InboundMessage).where(InboundMessage.provider_sid.like(f"{call.sid}:%")))


def move_out_call(client, caller: str, number: str, code: str = "100001") -> PhoneCall:
    call = PhoneCall(client, caller)
    call.start()
    for digits in ("1", "2", number.replace("X", "*") + "#", "1", code + "#", "1", "1", "1"):
        call.press(digits)
    assert "<Hangup" in call.twiml
    return call


def move_in_call(client, caller: str, number: str, code: str, name: str) -> PhoneCall:
    call = PhoneCall(client, caller)
    call.start()
    for digits in ("1", "1", number.replace("X", "*") + "#", "1", code + "#", "1", "501#", "1"):
        call.press(digits)
    call.speak(name, 0.95)
    call.press("1")  # the name is right
    call.press("1")  # confirm the summary
    assert "<Hangup" in call.twiml
    return call


def status_call(client, caller: str, number: str) -> PhoneCall:
    call = PhoneCall(client, caller)
    call.start()
    for digits in ("1", "3", number.replace("X", "*") + "#", "1"):
        call.press(digits)
    assert "<Hangup" in call.twiml
    return call


def spoken_digits(call: PhoneCall) -> str:
    zh = "零一二三四五六七八九"
    return "".join(str(zh.index(ch)) if ch in zh else ch for ch in call.said if ch in zh or ch.isdigit())


class TestStrangersMoveOut:
    def test_leaves_the_tenant_registered_and_asks_the_landlord(self, client, rt):
        """A stranger's move-out of a landlord-declared tenant changes nothing; the landlord is told by SMS."""
        enrol_two(rt)
        decl = registered_by_landlord(client, rt)
        call = move_out_call(client, STRANGER, ID_A)
        drain(rt)
        [after] = declarations(rt)
        assert after.status == "active" and after.move_out is None
        [to_landlord] = sent(rt, LANDLORD, "landlord_confirm")
        assert f"Y {decl.receipt}" in to_landlord and mask_id(ID_A) in to_landlord and ID_A not in to_landlord
        item = call_item(rt, call)
        assert item.review_state == "open" and item.review_reason == "awaiting_landlord"

    def test_the_caller_learns_no_name_and_no_receipt(self, client, rt):
        """Neither the voice answer nor the SMS copy names the tenant or reads their receipt."""
        enrol_two(rt)
        decl = registered_by_landlord(client, rt)
        call = move_out_call(client, STRANGER, ID_A)
        drain(rt)
        [reply] = sent(rt, STRANGER)
        assert "张三" not in reply and decl.receipt not in reply
        assert "张三" not in call.said and decl.receipt not in spoken_digits(call)

    def test_answers_the_same_whether_or_not_the_id_lives_there(self, client, rt):
        """The move-out answer for a registered tenant equals the one for an ID never registered there."""
        enrol_two(rt)
        registered_by_landlord(client, rt)
        registered = move_out_call(client, STRANGER, ID_A)
        unknown = move_out_call(client, STRANGER, ID_X)
        drain(rt)
        assert registered.twiml == unknown.twiml
        first, second = sent(rt, STRANGER)
        assert first.replace(mask_id(ID_A), "#") == second.replace(mask_id(ID_X), "#")

    def test_the_landlords_y_applies_it(self, client, rt):
        """`Y <receipt>` from the landlord ends the registration on the claimed date and closes the item."""
        enrol_two(rt)
        decl = registered_by_landlord(client, rt)
        call = move_out_call(client, STRANGER, ID_A)
        drain(rt)
        sms(client, f"Y {decl.receipt}", LANDLORD)
        drain(rt)
        [after] = declarations(rt)
        item = call_item(rt, call)
        assert after.status == "ended" and after.move_out.isoformat() == item.payload["date"]
        assert item.review_state == "resolved"

    def test_the_landlords_n_disputes_it(self, client, rt):
        """`N <receipt>` keeps the registration and sends the claim to the officers as disputed."""
        enrol_two(rt)
        decl = registered_by_landlord(client, rt)
        call = move_out_call(client, STRANGER, ID_A)
        drain(rt)
        sms(client, f"N {decl.receipt}", LANDLORD)
        drain(rt)
        [after] = declarations(rt)
        item = call_item(rt, call)
        assert after.status == "active" and after.landlord_response is None
        assert item.review_state == "open" and item.review_reason == "disputed"

    def test_the_landlords_own_move_out_settles_it(self, client, rt):
        """When the landlord texts the move-out themselves, the waiting claim leaves the officers' queue."""
        enrol_two(rt)
        registered_by_landlord(client, rt)
        call = move_out_call(client, STRANGER, ID_A)
        drain(rt)
        sms(client, f"退租 {ID_A}", LANDLORD)
        drain(rt)
        assert declarations(rt)[0].status == "ended" and call_item(rt, call).review_state == "resolved"

    def test_another_call_does_not_ask_the_landlord_again(self, client, rt):
        """While one claim waits, repeated calls send the landlord no further SMS."""
        enrol_two(rt)
        registered_by_landlord(client, rt)
        for _ in range(3):
            move_out_call(client, STRANGER, ID_A)
        drain(rt)
        assert len(sent(rt, LANDLORD, "landlord_confirm")) == 1


class TestStrangersMoveIn:
    def test_supersedes_nothing_and_keeps_name_and_phone(self, client, rt):
        """A stranger's move-in elsewhere for a registered ID leaves the registration and the person as they were."""
        enrol_two(rt)
        original = registered_by_landlord(client, rt)
        call = move_in_call(client, STRANGER, ID_A, "200002", "李四")
        drain(rt)
        first, claim = declarations(rt)
        assert first.id == original.id and first.status == "active" and first.move_out is None
        assert claim.status == "pending_review" and claim.landlord_response is None and claim.person_id == first.person_id
        held = person(rt, ID_A)
        assert held.name == "张三" and held.phone == TENANT
        [reply] = sent(rt, STRANGER)
        assert "张三" not in reply and original.receipt not in reply and claim.receipt in reply
        assert original.receipt not in spoken_digits(call) and spoken_digits(call).count(claim.receipt) == 2
        [asked] = sent(rt, OTHER_LANDLORD, "landlord_confirm")
        assert "李四" in asked and "张三" not in asked and f"Y {claim.receipt}" in asked

    def test_the_status_line_then_tells_the_attacker_nothing(self, client, rt):
        """After the claim, a status call from the attacker's phone hears the neutral answer, no receipt."""
        enrol_two(rt)
        original = registered_by_landlord(client, rt)
        move_in_call(client, STRANGER, ID_A, "200002", "李四")
        drain(rt)
        attacker = status_call(client, STRANGER, ID_A)
        nobody = status_call(client, STRANGER, ID_X)
        assert attacker.twiml == nobody.twiml
        assert original.receipt not in spoken_digits(attacker)

    def test_the_landlords_y_activates_it_and_only_then_supersedes(self, client, rt):
        """The claimed property's landlord confirming makes the claim active and ends the old registration,
        still without touching the stored name or phone."""
        enrol_two(rt)
        registered_by_landlord(client, rt)
        move_in_call(client, STRANGER, ID_A, "200002", "李四")
        drain(rt)
        claim = declarations(rt)[1]
        sms(client, f"Y {claim.receipt}", OTHER_LANDLORD)
        drain(rt)
        old, new = declarations(rt)
        assert old.status == "superseded" and new.status == "active" and new.landlord_response == "confirmed"
        held = person(rt, ID_A)
        assert held.name == "张三" and held.phone == TENANT

    def test_the_landlords_n_disputes_it(self, client, rt):
        """`N <receipt>` leaves the claim disputed in the officers' queue and the registration untouched."""
        enrol_two(rt)
        registered_by_landlord(client, rt)
        call = move_in_call(client, STRANGER, ID_A, "200002", "李四")
        drain(rt)
        sms(client, f"N {declarations(rt)[1].receipt}", OTHER_LANDLORD)
        drain(rt)
        old, claim = declarations(rt)
        assert old.status == "active" and claim.status == "disputed"
        item = call_item(rt, call)
        assert item.review_state == "open" and item.review_reason == "disputed"
        [answer] = sent(rt, OTHER_LANDLORD, "reply")
        assert "李四" in answer and "张三" not in answer  # the landlord who says "not mine" learns no stored name

    def test_another_landlords_y_does_nothing(self, client, rt):
        """Only the claimed property's landlord can confirm: another landlord's `Y` is an unknown receipt."""
        enrol_two(rt)
        registered_by_landlord(client, rt)
        move_in_call(client, STRANGER, ID_A, "200002", "李四")
        drain(rt)
        sms(client, f"Y {declarations(rt)[1].receipt}", LANDLORD)
        drain(rt)
        assert [d.status for d in declarations(rt)] == ["active", "pending_review"]


class TestStatusLine:
    def test_a_stranger_hears_identical_answers_for_registered_and_unregistered_ids(self, client, rt):
        """From a stranger's phone the TwiML is byte for byte the same; only the registered ID's phone gets an SMS."""
        enrol_two(rt)
        decl = registered_by_landlord(client, rt)
        registered = status_call(client, STRANGER, ID_A)
        unregistered = status_call(client, STRANGER, ID_X)
        assert registered.twiml == unregistered.twiml
        assert decl.receipt not in spoken_digits(registered)
        drain(rt)
        status = sent(rt, purpose="status")
        assert len(status) == 1 and sent(rt, TENANT, "status") == status and decl.receipt in status[0]

    def test_the_phone_on_record_still_hears_its_registration(self, client, rt):
        """Calling from the phone on record reads the receipt (twice), as spec 4 says."""
        enrol_two(rt)
        decl = registered_by_landlord(client, rt)
        mine = status_call(client, TENANT, ID_A)
        assert spoken_digits(mine).count(decl.receipt) == 2

    def test_status_sms_to_one_person_are_limited_per_day(self, client, rt):
        """Strangers looking one ID up again and again send its phone three SMS a day, then none; the answer stays."""
        enrol_two(rt)
        registered_by_landlord(client, rt)
        answers = {status_call(client, caller, ID_A).twiml
                   for caller in ("+8613700000001", "+8613700000002", "+8613700000003", "+8613700000004",
                                  "+8613700000005")}
        drain(rt)
        assert len(sent(rt, TENANT, "status")) == 3
        assert len(answers) == 1

    def test_lookups_per_caller_are_limited_per_hour(self, settings, rt):
        """Past its hourly look-ups a number hears the same answer and sends nothing, even for a registered ID."""
        client = create_app(settings.with_(status_lookups_per_hour=2, status_sms_per_day=10), rt=rt).test_client()
        enrol_two(rt)
        registered_by_landlord(client, rt)
        first = status_call(client, STRANGER, ID_X)
        status_call(client, STRANGER, ID_X)
        over = status_call(client, STRANGER, ID_A)
        drain(rt)
        assert over.twiml == first.twiml
        assert sent(rt, TENANT, "status") == []
        status_call(client, "+8613700000001", ID_A)  # another number still has its allowance
        drain(rt)
        assert len(sent(rt, TENANT, "status")) == 1
