"""Hostile traffic on /sms, on SQLite and on PostgreSQL: forged signatures, replays, floods, injections, opt-outs."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from twilio.request_validator import RequestValidator

from store.models import Declaration, InboundMessage, OptOut, OutboundMessage, Person
from tests.constants import GATEWAY_NUMBER, ID_A, ID_X, LANDLORD, PUBLIC_BASE_URL, TOKEN
from tests.support import drain, inbound, reply_to, signed_post, sms



def count(rt, model, *where) -> int:
    with rt.sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def params(body: str = f"登记 张三 {ID_A} 301", sid: str = "SM" + "a" * 32) -> dict[str, str]:
    return {"MessageSid": sid, "From": LANDLORD, "To": GATEWAY_NUMBER, "Body": body}


class TestSignatures:
    def test_signature_made_with_another_token_is_refused(self, client, enrolled):
        """A request signed with the wrong auth token gets 403 and stores nothing."""
        response = signed_post(client, "/sms", params(), token="not-the-token")
        assert response.status_code == 403
        assert count(enrolled, InboundMessage) == 0

    def test_missing_signature_is_refused(self, client, enrolled):
        """A request without X-Twilio-Signature gets 403 and stores nothing."""
        response = client.post("/sms", data=params())
        assert response.status_code == 403
        assert count(enrolled, InboundMessage) == 0

    def test_signature_of_another_body_is_refused(self, client, enrolled):
        """A valid signature replayed onto a tampered body gets 403 and stores nothing."""
        signature = RequestValidator(TOKEN).compute_signature(PUBLIC_BASE_URL + "/sms", params())
        response = client.post("/sms", data=params(body="退房 张三"), headers={"X-Twilio-Signature": signature})
        assert response.status_code == 403
        assert count(enrolled, InboundMessage) == 0

    def test_signature_for_another_url_is_refused(self, client, enrolled):
        """A signature computed for another endpoint does not open /sms."""
        signed_elsewhere = RequestValidator(TOKEN).compute_signature(PUBLIC_BASE_URL + "/voice", params())
        response = client.post("/sms", data=params(), headers={"X-Twilio-Signature": signed_elsewhere})
        assert response.status_code == 403

    def test_replayed_valid_request_is_harmless(self, client, enrolled):
        """The same signed request replayed ten times stores one row and sends one reply."""
        for _ in range(10):
            assert signed_post(client, "/sms", params()).status_code == 200
            drain(enrolled)
        assert count(enrolled, InboundMessage) == 1
        assert count(enrolled, OutboundMessage, OutboundMessage.purpose == "reply") == 1


class TestOversized:
    def test_request_over_the_size_cap_is_refused_with_413(self, client, enrolled):
        """A 100 KB form is refused with 413 before anything is stored."""
        response = signed_post(client, "/sms", params(body="登" * 100_000))
        assert response.status_code == 413
        assert count(enrolled, InboundMessage) == 0

    def test_body_far_beyond_an_sms_is_refused_with_413(self, client, enrolled):
        """A body longer than any concatenated SMS is refused with 413 and nothing stored."""
        response = signed_post(client, "/sms", params(body="x" * 7000))
        assert response.status_code == 413
        assert count(enrolled, InboundMessage) == 0

    def test_nul_in_a_body_is_stored_marked_not_refused(self, client, enrolled):
        """A NUL in the body (PostgreSQL cannot store it) is kept as U+FFFD: the message is not lost."""
        response = sms(client, "登记 张三\x00", LANDLORD)
        assert response.status_code == 200
        assert inbound(enrolled, response.sid).body == "登记 张三\ufffd"

    def test_over_long_to_number_is_a_clean_400(self, client, enrolled):
        """A To longer than any phone number is a 400, not a database error."""
        response = signed_post(client, "/sms", {**params(), "To": "9" * 40})
        assert response.status_code == 400
        assert count(enrolled, InboundMessage) == 0


class TestFlood:
    def test_flood_from_one_number_gets_no_reply_storm(self, client, enrolled):
        """100 messages in an hour from one landlord get at most the hourly allowance of replies."""
        limit = enrolled.settings.rate_limit_per_hour
        sids = [sms(client, f"登记 张三 {ID_A} 301", LANDLORD).sid for _ in range(100)]
        drain(enrolled)
        assert count(enrolled, InboundMessage) == 100
        assert count(enrolled, OutboundMessage) == limit
        assert count(enrolled, InboundMessage, InboundMessage.review_reason == "rate_limited") == 100 - limit
        assert reply_to(enrolled, sids[-1]) == []
        assert count(enrolled, InboundMessage, InboundMessage.status == "received") == 0

    def test_message_from_our_own_number_is_never_answered(self, client, enrolled):
        """A message whose From is the gateway's own number is stored for officers and not answered (no loop)."""
        response = sms(client, "HELP", GATEWAY_NUMBER)
        drain(enrolled)
        assert reply_to(enrolled, response.sid) == []
        assert inbound(enrolled, response.sid).review_reason == "rate_limited"


class TestInjection:
    @pytest.mark.parametrize("payload", [
        "'; DROP TABLE people; --",
        f"登记 Robert'); DELETE FROM declarations;-- {ID_A} 301",
        "<script>alert('x')</script>",
        '<img src=x onerror="alert(1)"> 登记 张三',
        "%00%27 OR 1=1 --",
        "{{7*7}} ${7*7} %s %n",
    ])
    def test_sql_and_html_payloads_are_stored_verbatim(self, client, enrolled, payload):
        """Injection payloads are stored byte for byte and change nothing else."""
        sms(client, f"登记 李四 {ID_X} 302", LANDLORD)  # rows the payloads would drop or delete
        drain(enrolled)
        people, declarations = count(enrolled, Person), count(enrolled, Declaration)
        assert people == declarations == 1
        response = sms(client, payload, LANDLORD)
        drain(enrolled)
        assert response.status_code == 200
        assert inbound(enrolled, response.sid).body == payload
        with enrolled.sessions() as session:  # the tables the payloads name still hold the earlier rows
            assert session.execute(text("SELECT count(*) FROM people")).scalar_one() >= people
            assert session.execute(text("SELECT count(*) FROM declarations")).scalar_one() >= declarations
        assert count(enrolled, Person, Person.name == "李四") == 1
        assert len(reply_to(enrolled, response.sid)) == 1


class TestOptOutWords:
    def test_stop_flood_records_one_opt_out_and_sends_nothing(self, client, enrolled):
        """Twenty STOPs record one opt-out and send no message at all."""
        for word in ["STOP", "stop", " Stop! ", "UNSUBSCRIBE"] * 5:
            assert sms(client, word, LANDLORD).status_code == 200
        drain(enrolled)
        assert count(enrolled, OptOut) == 1
        assert count(enrolled, OutboundMessage) == 0

    def test_after_stop_replies_are_suppressed_and_start_restores_them(self, client, enrolled):
        """After STOP a declaration's reply is recorded as suppressed; after START replies are pending again."""
        sms(client, "STOP", LANDLORD)
        drain(enrolled)
        sms(client, f"登记 张三 {ID_A} 301", LANDLORD)
        drain(enrolled)
        assert count(enrolled, OutboundMessage, OutboundMessage.status == "suppressed") == 1
        sms(client, "START", LANDLORD)
        drain(enrolled)
        help_sid = sms(client, "HELP", LANDLORD).sid
        drain(enrolled)
        assert count(enrolled, OptOut) == 0
        assert len(reply_to(enrolled, help_sid)) == 1
        assert count(enrolled, OutboundMessage, OutboundMessage.status == "suppressed") == 1
