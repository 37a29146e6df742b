"""Whole calls through the real, signed voice webhooks: call state in Redis, same dedupe as SMS."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from gateway.app import create_app
from store.models import Declaration, InboundMessage, OutboundMessage
from tests.constants import ID_A, LANDLORD, STRANGER, TENANT
from tests.support import PhoneCall, drain, move_in_until_summary, signed_post, sms

ID_X = "32010619920815018X"  # ends in X: typed with *


def all_declarations(rt):
    with rt.sessions() as session:
        return list(session.scalars(select(Declaration).options(joinedload(Declaration.person))
                                    .order_by(Declaration.id)))


def outbox(rt):
    with rt.sessions() as session:
        return [(m.purpose, m.to_number, m.body) for m in
                session.scalars(select(OutboundMessage).order_by(OutboundMessage.id))]


def receipt_said(call: PhoneCall) -> str:
    """The receipt as read out digit by digit (Mandarin digits or spaced Latin digits)."""
    zh = "零一二三四五六七八九"
    said = call.said
    digits = "".join(str(zh.index(ch)) if ch in zh else ch for ch in said if ch in zh or ch.isdigit())
    return digits


class TestMoveInCall:
    def test_whole_call_stores_a_claim_and_texts_caller_and_landlord(self, client, enrolled, twiml_schema):
        """A confirmed move-in is stored via the queue as a claim for the landlord; its receipt is read twice
        and both SMS go out."""
        call = PhoneCall(client, TENANT, schema=twiml_schema)
        move_in_until_summary(call)
        call.press("1")  # confirm the summary
        assert "<Hangup" in call.twiml
        drain(enrolled)
        [decl] = all_declarations(enrolled)
        assert decl.status == "pending_review" and decl.landlord_response is None
        assert decl.channel == "voice" and decl.room == "301"
        assert decl.person.name == "张三" and decl.person.document_number == ID_A and decl.person.phone is None
        assert receipt_said(call).count(decl.receipt) == 2
        sent = outbox(enrolled)
        purposes = {p: (to, body) for p, to, body in sent}
        assert purposes["reply"][0] == TENANT and decl.receipt in purposes["reply"][1]
        assert purposes["landlord_confirm"][0] == LANDLORD
        assert f"Y {decl.receipt}" in purposes["landlord_confirm"][1]
        assert all(ID_A not in body for _, _, body in sent)

    def test_landlord_confirms_or_disputes_by_sms(self, client, enrolled, twiml_schema):
        """The landlord's `Y <receipt>` makes the claim active; a later `N <receipt>` marks it disputed and
        queues it for officers."""
        call = PhoneCall(client, TENANT, schema=twiml_schema)
        move_in_until_summary(call)
        call.press("1")
        drain(enrolled)
        [decl] = all_declarations(enrolled)
        sms(client, f"Y {decl.receipt}", LANDLORD)
        drain(enrolled)
        [confirmed] = all_declarations(enrolled)
        assert confirmed.landlord_response == "confirmed" and confirmed.status == "active"
        assert confirmed.person.phone == TENANT  # none was on record: the claimant's mobile is kept
        sms(client, f"N {decl.receipt}", LANDLORD)
        drain(enrolled)
        [decl] = all_declarations(enrolled)
        assert decl.status == "disputed" and decl.landlord_response == "disputed"
        with enrolled.sessions() as session:
            origin = session.get(InboundMessage, decl.inbound_id)
            assert origin.review_state == "open" and origin.review_reason == "disputed"

    def test_star_types_the_x_check_character(self, client, enrolled, twiml_schema):
        """An ID ending in X is typed with * and stored with X."""
        call = PhoneCall(client, TENANT, schema=twiml_schema)
        move_in_until_summary(call, ID_X)
        call.press("1")
        drain(enrolled)
        assert all_declarations(enrolled)[0].person.document_number == ID_X

    def test_a_retried_step_neither_advances_nor_stores_twice(self, client, enrolled, twiml_schema):
        """Twilio posting the confirming step twice gets the same answer and one declaration."""
        call = PhoneCall(client, TENANT, schema=twiml_schema)
        move_in_until_summary(call)
        path = call.step_path
        first = call.send(path=path, Digits="1")
        again = call.send(path=path, Digits="1")
        assert first == again
        drain(enrolled)
        assert len(all_declarations(enrolled)) == 1
        with enrolled.sessions() as session:
            assert len(list(session.scalars(select(InboundMessage.id)))) == 1

    def test_steps_alternating_between_two_app_instances(self, settings, rt, enrolled, twiml_schema):
        """Call state lives in Redis: two app instances can serve alternate steps of one call."""
        first, second = create_app(settings, rt=rt).test_client(), create_app(settings, rt=rt).test_client()
        call = PhoneCall(first, TENANT, schema=twiml_schema)
        clients = [first, second]
        call.start(clients[0])
        for i, digits in enumerate(["1", "1", ID_A + "#", "1", "100001#", "1", "301#", "1"]):
            call.press(digits, clients[(i + 1) % 2])
        call.speak("张三", 0.9, second)
        call.press("1", first)
        call.press("1", second)
        drain(enrolled)
        assert [d.status for d in all_declarations(enrolled)] == ["pending_review"]

    def test_english_call_speaks_english(self, client, enrolled, twiml_schema):
        """Pressing 2 at the welcome switches prompts to en-US."""
        call = PhoneCall(client, TENANT, schema=twiml_schema)
        call.start()
        assert 'language="cmn-CN"' in call.twiml
        call.press("2")
        assert 'language="en-US"' in call.twiml

    def test_whole_english_call(self, client, enrolled, twiml_schema):
        """An English caller is prompted in en-US, speech is recognised as en-US and the receipt is read twice."""
        call = PhoneCall(client, TENANT, schema=twiml_schema)
        call.start()
        call.press("2")
        for digits in ("1", ID_A + "#", "1", "100001#", "1", "301#", "1"):
            call.press(digits)
        assert 'language="en-US"' in call.twiml and "<Gather" in call.twiml
        call.speak("John Smith", 0.95)
        call.press("1")
        call.press("1")
        drain(enrolled)
        [decl] = all_declarations(enrolled)
        assert decl.person.name == "John Smith"
        assert 'language="cmn-CN"' not in call.twiml.split("<Hangup")[0].split("Say")[-1]
        assert receipt_said(call).count(decl.receipt) == 2

    def test_same_caller_twice_keeps_one_claim(self, client, enrolled, twiml_schema):
        """A second call from the same number for the same person and property is deduplicated: it hears
        its own claim's receipt again and the landlord is asked once."""
        for _ in range(2):
            call = PhoneCall(client, TENANT, schema=twiml_schema)
            move_in_until_summary(call)
            call.press("1")
            drain(enrolled)
        [decl] = all_declarations(enrolled)
        assert receipt_said(call).count(decl.receipt) == 2
        assert [p for p, _, _ in outbox(enrolled)].count("landlord_confirm") == 1


class TestLowConfidenceAndNoDocument:
    def test_low_confidence_name_is_recorded_and_pending_review(self, client, enrolled, twiml_schema):
        """A name heard with low confidence falls back to a recording; the declaration waits for an officer."""
        call = PhoneCall(client, TENANT, schema=twiml_schema)
        call.start()
        for digits in ("1", "1", ID_A + "#", "1", "100001#", "1", "301#", "1"):
            call.press(digits)
        call.speak("张山", 0.2)
        assert "<Record" in call.twiml
        call.record("https://api.twilio.com/recordings/RE1")
        call.press("1")
        drain(enrolled)
        [decl] = all_declarations(enrolled)
        assert decl.status == "pending_review"
        assert decl.name_recording_url == "https://api.twilio.com/recordings/RE1"
        with enrolled.sessions() as session:
            row = session.get(InboundMessage, decl.inbound_id)
            assert row.review_state == "open" and row.review_reason == "low_confidence"

    def test_no_document_path_keeps_both_recordings(self, client, enrolled, twiml_schema):
        """Menu 0 hears and records name and household address, then stores a pending_review declaration; what
        the recogniser heard is kept as a draft for the officer."""
        call = PhoneCall(client, TENANT, schema=twiml_schema)
        call.start()
        call.press("1")
        call.press("0")
        call.speak("王小明", 0.4)
        call.record("https://api.twilio.com/recordings/RENAME")
        call.speak("福建省莆田市", 0.6)
        call.record("https://api.twilio.com/recordings/READDR")
        call.press("100001#")
        call.press("1")
        call.press("302#")
        call.press("1")
        drain(enrolled)
        [decl] = all_declarations(enrolled)
        assert decl.status == "pending_review" and decl.person.document_type == "none"
        assert decl.address_recording_url.endswith("READDR") and decl.name_recording_url.endswith("RENAME")
        assert receipt_said(call).count(decl.receipt) == 2
        assert decl.person.name is None  # a draft is never the final name
        with enrolled.sessions() as session:
            payload = session.get(InboundMessage, decl.inbound_id).payload
        assert (payload["name_draft"], payload["address_draft"]) == ("王小明", "福建省莆田市")


class TestStatusAndMoveOut:
    def _declare(self, client, rt, schema):
        """A resident's move-in claim, confirmed by the landlord (which keeps the caller's mobile on record)."""
        call = PhoneCall(client, TENANT, schema=schema)
        move_in_until_summary(call)
        call.press("1")
        drain(rt)
        sms(client, f"Y {all_declarations(rt)[0].receipt}", LANDLORD)
        drain(rt)
        return all_declarations(rt)[0]

    def test_status_is_said_only_to_the_phone_on_record(self, client, enrolled, twiml_schema):
        """The phone on record hears date and receipt; another phone is told an SMS was sent."""
        decl = self._declare(client, enrolled, twiml_schema)
        mine = PhoneCall(client, TENANT, schema=twiml_schema)
        mine.start()
        for digits in ("1", "3", ID_A + "#", "1"):
            mine.press(digits)
        assert decl.receipt in receipt_said(mine)
        assert "东街" not in mine.said
        other = PhoneCall(client, "+8613700002222", schema=twiml_schema)
        other.start()
        for digits in ("1", "3", ID_A + "#", "1"):
            other.press(digits)
        assert decl.receipt not in receipt_said(other)
        drain(enrolled)
        status_sms = [(to, body) for p, to, body in outbox(enrolled) if p == "status"]
        assert status_sms == [(TENANT, status_sms[0][1])] and decl.receipt in status_sms[0][1]

    def test_move_out_by_phone_ends_the_declaration_once_the_landlord_confirms(self, client, enrolled, twiml_schema):
        """Menu 2 with ID, property code and date is a claim: the landlord's `Y <receipt>` ends the declaration."""
        declared = self._declare(client, enrolled, twiml_schema)
        call = PhoneCall(client, TENANT, schema=twiml_schema)
        call.start()
        for digits in ("1", "2", ID_A + "#", "1", "100001#", "1", "1", "1"):
            call.press(digits)
        drain(enrolled)
        assert all_declarations(enrolled)[0].status == "active"
        sms(client, f"Y {declared.receipt}", LANDLORD)
        drain(enrolled)
        [decl] = all_declarations(enrolled)
        assert decl.status == "ended" and decl.move_out is not None


class TestVoiceWebhookSecurity:
    def test_unsigned_voice_request_is_refused(self, client, enrolled):
        """The voice webhooks check X-Twilio-Signature exactly like SMS."""
        response = client.post("/voice", data={"CallSid": "CA1", "From": TENANT})
        assert response.status_code == 403
        forged = signed_post(client, "/voice/step?seq=1", {"CallSid": "CA1", "Digits": "1"}, token="wrong")
        assert forged.status_code == 403

    def test_unknown_call_step_says_goodbye(self, client, enrolled, twiml_schema):
        """A step for a call with no stored state ends politely with valid TwiML."""
        response = signed_post(client, "/voice/step?seq=4", {"CallSid": "CAgone", "Digits": "1"})
        assert response.status_code == 200
        twiml_schema.validate(response.get_data(as_text=True))
        assert "<Hangup" in response.get_data(as_text=True)


class TestLandlordCalls:
    """v2 §6: the landlord's own number hears 4 and 5 and declares at once, like by SMS."""

    def _menu(self, client, schema, caller=LANDLORD) -> PhoneCall:
        call = PhoneCall(client, caller, schema=schema)
        call.start()
        call.press("1")
        return call

    def test_a_landlord_declares_a_tenant_by_phone(self, client, enrolled, twiml_schema):
        call = self._menu(client, twiml_schema)
        assert "房东申报租客入住请按4" in call.said
        call.press("4")
        call.press(ID_A + "#")
        call.press("1")  # the ID read back; one property, so no code is asked
        call.press("301#")
        call.press("1")  # today
        call.speak("张三", 0.9)
        call.press("1")
        call.press("1")  # confirm
        assert "<Hangup" in call.twiml
        drain(enrolled)
        [decl] = all_declarations(enrolled)
        assert decl.status == "active" and decl.channel == "voice" and decl.person.document_number == ID_A
        assert decl.landlord_response is None and receipt_said(call).count(decl.receipt) == 2
        sent = outbox(enrolled)
        assert [(p, to) for p, to, _ in sent] == [("reply", LANDLORD)]  # no "please confirm" to themselves
        assert decl.receipt in sent[0][2] and "已登记" in sent[0][2] and ID_A not in sent[0][2]

    def test_the_same_tenant_by_sms_then_by_phone_is_one_registration(self, client, enrolled, twiml_schema):
        sms(client, f"登记 张三 {ID_A} 301", LANDLORD)
        drain(enrolled)
        call = self._menu(client, twiml_schema)
        call.press("4")
        call.press(ID_A + "#")
        call.press("1")
        call.press("301#")
        call.press("1")
        call.speak("张三", 0.9)
        call.press("1")
        call.press("1")
        drain(enrolled)
        assert len(all_declarations(enrolled)) == 1
        assert "此前已登记" in outbox(enrolled)[-1][2]

    def test_a_landlord_moves_a_tenant_out_by_the_last_four(self, client, enrolled, twiml_schema):
        sms(client, f"登记 张三 {ID_A} 301", LANDLORD)
        drain(enrolled)
        call = self._menu(client, twiml_schema)
        call.press("5")
        call.press(ID_A[-4:] + "#")
        call.press("1")  # today
        call.press("1")  # confirm
        drain(enrolled)
        [decl] = all_declarations(enrolled)
        assert decl.status == "ended"
        assert "已退租" in outbox(enrolled)[-1][2]

    def test_an_agent_declares_by_phone_and_the_landlord_gets_the_copy(self, client, enrolled, twiml_schema):
        """An agent's number hears 4 too; the declaration names the agent as declarant, the landlord is told."""
        sms(client, f"授权 {STRANGER}", LANDLORD)
        drain(enrolled)
        call = self._menu(client, twiml_schema, caller=STRANGER)
        assert "房东申报租客入住请按4" in call.said
        call.press("4")
        call.press(ID_A + "#")
        call.press("1")  # one granted property: no code asked
        call.press("301#")
        call.press("1")
        call.speak("张三", 0.9)
        call.press("1")
        call.press("1")
        drain(enrolled)
        [decl] = all_declarations(enrolled)
        assert decl.status == "active" and decl.declarant_phone == STRANGER
        copies = [(to, body) for purpose, to, body in outbox(enrolled) if purpose.startswith("agent_copy")]
        assert len(copies) == 1 and copies[0][0] == LANDLORD and decl.receipt in copies[0][1]
        sms(client, f"取消授权 {STRANGER}", LANDLORD)
        drain(enrolled)
        again = self._menu(client, twiml_schema, caller=STRANGER)
        assert "按4" not in again.said  # a revoked agent is a resident again

    def test_a_resident_cannot_reach_menu_4(self, client, enrolled, twiml_schema):
        """The attack: a stranger presses 4 to register someone at a landlord's property without asking."""
        call = self._menu(client, twiml_schema, caller=TENANT)
        assert "按4" not in call.said
        call.press("4")
        assert "您按的键无效" in call.said
        drain(enrolled)
        assert all_declarations(enrolled) == []


class TestDraftsForOfficers:
    def test_the_officer_sees_what_was_heard_as_a_draft_not_as_the_name(self, ui, people, twiml_schema):
        """v2 §7: the recogniser's words sit beside the recordings; the name field stays for the officer."""
        from tests.support import login

        call = PhoneCall(ui, TENANT, schema=twiml_schema)
        call.start()
        call.press("1")
        call.press("0")
        call.speak("王小明", 0.4)
        call.record("https://api.twilio.com/recordings/RENAME")
        call.speak("福建省莆田市", 0.6)
        call.record("https://api.twilio.com/recordings/READDR")
        call.press("100001#")
        call.press("1")
        call.press("302#")
        call.press("1")
        drain(people)
        [decl] = all_declarations(people)
        login(ui, "a")
        page = ui.get(f"/review/{decl.inbound_id}").get_data(as_text=True)
        assert "语音识别草稿" in page and "<q>王小明</q>" in page and "<q>福建省莆田市</q>" in page
        assert 'value="" placeholder="王小明"' in page  # offered as a hint, never filled in as the name
