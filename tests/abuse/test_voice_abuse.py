"""Hostile values in whole voice calls, on SQLite and on PostgreSQL: the call still ends with a receipt and one claim."""
from __future__ import annotations

from sqlalchemy import select

from gateway.webhooks.voice import MAX_CALL_SID
from store.models import Declaration, InboundMessage
from tests.constants import ID_A, TENANT
from tests.support import PhoneCall, drain, signed_post



def confirm_move_in(call: PhoneCall, name: str) -> None:
    call.start()
    for digits in ("1", "1", ID_A + "#", "1", "100001#", "1", "301#", "1"):
        call.press(digits)
    call.speak(name, 0.9)
    call.press("1")
    call.press("1")


def stored(rt) -> tuple[list[InboundMessage], list[Declaration]]:
    with rt.sessions() as session:
        return (list(session.scalars(select(InboundMessage))), list(session.scalars(select(Declaration))))


class TestConfirmedCall:
    def test_longest_accepted_call_sid_is_stored(self, client, enrolled, twiml_schema):
        """A CallSid as long as the webhook accepts still fits the stored message id (`<sid>:move_in`)."""
        call = PhoneCall(client, call_sid="CA" + "f" * (MAX_CALL_SID - 2), schema=twiml_schema)
        confirm_move_in(call, "张三")
        drain(enrolled)
        [message], [decl] = stored(enrolled)
        assert message.status == "processed" and decl.status == "pending_review"  # a claim for the landlord

    def test_caller_number_with_nul_and_junk_is_stored_cleanly(self, client, enrolled, twiml_schema):
        """A From with a NUL and far too many characters neither breaks the call nor the job."""
        call = PhoneCall(client, caller="+86139\x000000" + "1" * 60, schema=twiml_schema)
        confirm_move_in(call, "张三")
        drain(enrolled)
        [message], [decl] = stored(enrolled)
        assert "\x00" not in message.from_number and message.status == "processed" and decl.status == "pending_review"

    def test_call_sid_with_a_nul_is_refused_before_anything_is_kept(self, client, enrolled):
        """A CallSid that could not be stored (a NUL, non-ASCII) gets a 400 on the first request and on a step."""
        for path in ("/voice", "/voice/step?seq=1"):
            response = signed_post(client, path, {"CallSid": "CA\x00x", "From": TENANT, "Digits": "1"})
            assert response.status_code == 400
        assert stored(enrolled) == ([], [])

    def test_very_long_spoken_name_is_cut_to_fit(self, client, enrolled, twiml_schema):
        """A recogniser result longer than any name is kept to its first 100 characters and stored."""
        call = PhoneCall(client, schema=twiml_schema)
        confirm_move_in(call, "张" * 5000)
        drain(enrolled)
        [message], [decl] = stored(enrolled)
        assert message.status == "processed"
        with enrolled.sessions() as session:
            assert session.get(Declaration, decl.id).person.name == "张" * 100
