"""The SMS spine end to end: signed webhook → stored → RQ job → store → one reply."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from stdnum import damm

from parsers import catalog_zh
from store.enrolment import Enrolment, enrol
from store.models import Declaration, InboundMessage, OptOut, OutboundMessage, Person
from twilio.request_validator import RequestValidator

from tests.constants import (GATEWAY_NUMBER, ID_A, ID_B, ID_BAD_CHECK, ID_C, LANDLORD, OTHER_LANDLORD,
                             PUBLIC_BASE_URL, TOKEN)
from tests.support import drain, inbound, reply_to, signed_post, sms


@pytest.fixture
def enrolled(rt):
    """One landlord with one property, another with two."""
    with rt.sessions.begin() as session:
        enrol(session, Enrolment(phone=LANDLORD, name="陈房东", property_code="100001", address="东街12号",
                                 precinct="GL01"))
        enrol(session, Enrolment(phone=OTHER_LANDLORD, name="Li", property_code="200001", address="西巷3号",
                                 precinct="GL01", alias="west"))
        enrol(session, Enrolment(phone=OTHER_LANDLORD, name="Li", property_code="200002", address="北路8号",
                                 precinct="GL02", alias="north", single_unit=True))
    return rt


def declarations(rt, **where):
    with rt.sessions() as session:
        query = select(Declaration).join(Person).options(joinedload(Declaration.property))
        for key, value in where.items():
            query = query.where(getattr(Declaration, key) == value)
        return list(session.scalars(query.order_by(Declaration.id)))


def receipts_in(text: str) -> list[str]:
    return re.findall(r"(?<!\d)\d{8}(?!\d)", text)


class TestDeclaration:
    def test_valid_declaration_is_stored_and_answered_once_with_masked_id(self, client, enrolled):
        """A valid SMS stores one active declaration and sends one reply with a masked ID and a Damm receipt."""
        response = sms(client, f"登记 张三 {ID_A} 301", LANDLORD)
        assert response.status_code == 200
        assert response.mimetype == "text/xml"
        assert "<Response" in response.get_data(as_text=True)
        drain(enrolled)
        [decl] = declarations(enrolled)
        assert decl.status == "active" and decl.room == "301" and decl.channel == "sms"
        assert damm.is_valid(decl.receipt) and len(decl.receipt) == 8
        [reply] = reply_to(enrolled, response.sid)
        assert ID_A not in reply
        assert "3501" in reply and "1238" in reply
        assert decl.receipt in reply

    def test_same_sid_twice_is_stored_and_answered_once(self, client, enrolled):
        """A Twilio retry of the same MessageSid is acknowledged and changes nothing."""
        first = sms(client, f"登记 张三 {ID_A} 301", LANDLORD)
        second = sms(client, f"登记 张三 {ID_A} 301", LANDLORD, sid=first.sid)
        assert second.status_code == 200
        drain(enrolled)
        with enrolled.sessions() as session:
            assert session.scalar(select(func.count()).select_from(InboundMessage)) == 1
            assert session.scalar(select(func.count()).select_from(OutboundMessage)) == 1
        assert len(declarations(enrolled)) == 1

    def test_same_tenant_twice_is_already_registered(self, client, enrolled):
        """Declaring the same person at the same property again keeps one row and says so."""
        first = sms(client, f"登记 张三 {ID_A} 301", LANDLORD)
        drain(enrolled)
        second = sms(client, f"DJ 张三 {ID_A} 301", LANDLORD)
        drain(enrolled)
        [decl] = declarations(enrolled)
        [reply] = reply_to(enrolled, second.sid)
        assert decl.receipt in reply
        assert reply != reply_to(enrolled, first.sid)[0]

    def test_declared_elsewhere_supersedes_previous(self, client, enrolled):
        """A person declared at a new property ends the previous active declaration as superseded."""
        sms(client, f"登记 张三 {ID_A} 301", LANDLORD)
        drain(enrolled)
        sms(client, f"登记 张三 {ID_A} @west 12", OTHER_LANDLORD)
        drain(enrolled)
        old, new = declarations(enrolled)
        assert old.status == "superseded" and old.move_out is not None
        assert new.status == "active" and new.room == "12"

    def test_move_out_ends_the_declaration(self, client, enrolled):
        """A move-out by ID ends the active declaration with the given date."""
        sms(client, f"登记 张三 {ID_A} 301", LANDLORD)
        drain(enrolled)
        out = sms(client, f"退租 {ID_A}", LANDLORD)
        drain(enrolled)
        [decl] = declarations(enrolled)
        assert decl.status == "ended" and decl.move_out is not None
        assert reply_to(enrolled, out.sid)

    def test_move_out_by_room_ends_everyone_in_it(self, client, enrolled):
        """A move-out naming only a room ends every active tenant of that room."""
        sms(client, f"登记 张三 {ID_A} 301; 李四 {ID_B}", LANDLORD)
        drain(enrolled)
        sms(client, "退租 301", LANDLORD)
        drain(enrolled)
        assert [d.status for d in declarations(enrolled)] == ["ended", "ended"]

    def test_cancel_by_receipt(self, client, enrolled):
        """DEL with the receipt cancels the declaration."""
        sms(client, f"登记 张三 {ID_A} 301", LANDLORD)
        drain(enrolled)
        [decl] = declarations(enrolled)
        sms(client, f"DEL {decl.receipt}", LANDLORD)
        drain(enrolled)
        assert declarations(enrolled)[0].status == "cancelled"

    def test_cancel_of_another_landlords_receipt_is_unknown(self, client, enrolled):
        """A landlord cannot cancel another landlord's declaration: the receipt is unknown to them."""
        sms(client, f"登记 张三 {ID_A} 301", LANDLORD)
        drain(enrolled)
        [decl] = declarations(enrolled)
        attempt = sms(client, f"DEL {decl.receipt}", OTHER_LANDLORD)
        drain(enrolled)
        assert declarations(enrolled)[0].status == "active"
        assert inbound(enrolled, attempt.sid).codes == ["unknown_receipt"]

    def test_multi_record_message_inherits_room(self, client, enrolled):
        """Several records in one SMS each get a receipt; later ones inherit the room; one reply covers all."""
        response = sms(client, f"登记 张三 {ID_A} 301；李四 {ID_B}；王五 {ID_C} 302", LANDLORD)
        drain(enrolled)
        decls = declarations(enrolled)
        assert [d.room for d in decls] == ["301", "301", "302"]
        [reply] = reply_to(enrolled, response.sid)
        for decl in decls:
            assert decl.receipt in reply
        for number in (ID_A, ID_B, ID_C):
            assert number not in reply

    def test_missing_room_is_rejected_unless_single_unit(self, client, enrolled):
        """Without a room a multi-unit property rejects the record; a single-unit one accepts it."""
        rejected = sms(client, f"登记 张三 {ID_A} @west", OTHER_LANDLORD)
        accepted = sms(client, f"登记 李四 {ID_B} @north", OTHER_LANDLORD)
        drain(enrolled)
        assert inbound(enrolled, rejected.sid).codes == ["missing_room"]
        assert inbound(enrolled, accepted.sid).status == "processed"
        assert [d.property.code for d in declarations(enrolled)] == ["200002"]

    def test_ambiguous_property_needs_a_selector(self, client, enrolled):
        """A landlord with two properties who names none gets ambiguous_property."""
        response = sms(client, f"登记 张三 {ID_A} 301", OTHER_LANDLORD)
        drain(enrolled)
        row = inbound(enrolled, response.sid)
        assert row.codes == ["ambiguous_property"] and row.review_state == "open"
        assert declarations(enrolled) == []


    def test_a_refusal_the_store_decides_has_its_span_too(self, client, enrolled):
        """`unknown_property` is shown at the `@` the record named, or inherited from the record before;
        `ambiguous_property` and `missing_room`, which no word of the text holds, at the whole record."""
        bodies = {"unknown": f"登记 张三 {ID_A} 301 @nowhere; 李四 {ID_B} 302",
                  "ambiguous": f"登记 张三 {ID_A} 301", "room": f"登记 张三 {ID_A} @west"}
        sids = {name: sms(client, body, OTHER_LANDLORD).sid for name, body in bodies.items()}
        drain(enrolled)

        def spans(name):
            row = inbound(enrolled, sids[name])
            return [(e["code"], e["record"], bodies[name][e["start"]:e["end"]], e["text"]) for e in row.parse["errors"]]
        assert spans("unknown") == [("unknown_property", 0, "@nowhere", "@nowhere"),
                                    ("unknown_property", 1, "@nowhere", "@nowhere")]
        assert spans("ambiguous") == [("ambiguous_property", 0, f"张三 {ID_A} 301", f"张三 {ID_A} 301")]
        assert spans("room") == [("missing_room", 0, f"张三 {ID_A} @west", f"张三 {ID_A} @west")]

    def test_the_store_refusals_are_replaced_not_added_when_applied_again(self):
        """An officer's edited copy or a retried batch applies a message again: one span per refusal stays."""
        from parsers import Outcome, parse_sms
        from gateway.pipeline.outcome import with_store_refusals

        body = f"登记 张三 {ID_A} 301 @nowhere"
        result = parse_sms(body, today=dt.date(2026, 12, 1))
        refused = [Outcome("rejected", 0, codes=("unknown_property",))]
        once = with_store_refusals(result.to_json(), body, result, refused)
        assert with_store_refusals(once, body, result, refused) == once
        assert with_store_refusals(once, body, result, []) == result.to_json()  # accepted the second time

class TestRejections:
    def test_unknown_sender_is_kept_for_officers_and_answered(self, client, enrolled):
        """An unenrolled number's message is stored, queued for review and gets an explanation."""
        response = sms(client, f"登记 张三 {ID_A} 301", "+8613711112222")
        drain(enrolled)
        row = inbound(enrolled, response.sid)
        assert row.status == "rejected" and row.review_reason == "unknown_sender"
        [reply] = reply_to(enrolled, response.sid)
        assert ID_A not in reply
        assert declarations(enrolled) == []

    def test_garbage_body_gets_a_format_example(self, client, enrolled):
        """An unknown keyword is rejected with a reply showing the format."""
        response = sms(client, "asdkjh 12 ??? <script>", LANDLORD)
        drain(enrolled)
        row = inbound(enrolled, response.sid)
        assert row.review_reason == "unknown_keyword"
        [reply] = reply_to(enrolled, response.sid)
        assert reply

    def test_bad_check_digit_stores_nothing_and_keeps_the_span(self, client, enrolled):
        """A wrong check digit rejects the record; the officer sees code and span into the raw text."""
        body = f"登记 张三 {ID_BAD_CHECK} 301"
        response = sms(client, body, LANDLORD)
        drain(enrolled)
        row = inbound(enrolled, response.sid)
        assert row.codes == ["id_checksum"]
        [error] = row.parse["errors"]
        assert body[error["start"]:error["end"]] == ID_BAD_CHECK
        [reply] = reply_to(enrolled, response.sid)
        assert ID_BAD_CHECK not in reply
        assert declarations(enrolled) == []

    def test_a_record_with_two_errors_is_told_both(self, client, enrolled):
        """The reply names every reason a record was refused, in the order the parser found them."""
        response = sms(client, f"登记 张三 {ID_BAD_CHECK} 301 2月30日", LANDLORD)
        drain(enrolled)
        assert inbound(enrolled, response.sid).codes == ["id_checksum", "bad_date"]
        [reply] = reply_to(enrolled, response.sid)
        checksum, date = catalog_zh.CODES["id_checksum"], catalog_zh.CODES["bad_date"]
        assert checksum in reply and date in reply and reply.index(checksum) < reply.index(date)
        assert declarations(enrolled) == []

    def test_bad_signature_is_refused_and_nothing_stored(self, client, enrolled):
        """A request signed with the wrong token gets 403 and leaves no trace."""
        params = {"MessageSid": "SMforged", "From": LANDLORD, "To": GATEWAY_NUMBER, "Body": f"登记 张三 {ID_A} 301"}
        response = signed_post(client, "/sms", params, token="not-the-token")
        assert response.status_code == 403
        unsigned = client.post("/sms", data=params)
        assert unsigned.status_code == 403
        with enrolled.sessions() as session:
            assert session.scalar(select(func.count()).select_from(InboundMessage)) == 0

    def test_signature_is_checked_against_public_base_url_behind_a_proxy(self, settings, rt, enrolled):
        """Behind a proxy Twilio signs the public URL: that signature passes, one for the inner URL does not."""
        from gateway.app import create_app

        app = create_app(settings.with_(public_base_url="https://declgate.example.org"), rt=rt)
        client = app.test_client()
        params = {"MessageSid": "SMproxy1", "From": LANDLORD, "To": GATEWAY_NUMBER, "Body": "HELP"}
        assert signed_post(client, "/sms", params).status_code == 403
        public = signed_post(client, "/sms", params, base="https://declgate.example.org")
        assert public.status_code == 200

    def test_request_signed_for_another_host_is_refused(self, client, enrolled):
        """A request Twilio signed for another app on the same account (same token), replayed here with that
        app's Host header, is refused: the URL checked is PUBLIC_BASE_URL's, never the Host's."""
        params = {"MessageSid": "SMotherapp1", "From": LANDLORD, "To": GATEWAY_NUMBER, "Body": "HELP"}
        signature = RequestValidator(TOKEN).compute_signature("https://other-app.example/sms", params)
        response = client.post("/sms", data=params, headers={"X-Twilio-Signature": signature},
                               base_url="https://other-app.example")
        assert response.status_code == 403
        with enrolled.sessions() as session:
            assert session.scalar(select(func.count()).select_from(InboundMessage)) == 0
        assert signed_post(client, "/sms", params).status_code == 200  # the same request, signed for us

    def test_without_a_public_url_nothing_verifies(self, settings, rt, enrolled):
        """An app built without PUBLIC_BASE_URL (only demo settings pass the check) trusts no Host header:
        even a request signed for the very host it was sent to is refused."""
        from gateway.app import create_app

        client = create_app(settings.with_(demo=True, public_base_url=None), rt=rt).test_client()
        params = {"MessageSid": "SMnobase1", "From": LANDLORD, "To": GATEWAY_NUMBER, "Body": "HELP"}
        assert signed_post(client, "/sms", params, base=PUBLIC_BASE_URL).status_code == 403

    def test_escaped_query_string_is_checked_as_sent(self, client, enrolled):
        """A signature over a URL whose query holds escapes (%2F, %3A) is checked against the URL as sent."""
        params = {"MessageSid": "SMescaped1", "From": LANDLORD, "To": GATEWAY_NUMBER, "Body": "HELP"}
        from twilio.request_validator import RequestValidator

        url = "http://localhost/sms?src=a%2Fb%3Ac"
        signature = RequestValidator("test-auth-token").compute_signature(url, params)
        response = client.post("/sms?src=a%2Fb%3Ac", data=params, headers={"X-Twilio-Signature": signature})
        assert response.status_code == 200

    def test_unstorable_input_is_a_400_not_a_retry_loop(self, client, enrolled, monkeypatch):
        """A value the database can never hold gets a 400 (Twilio stops); an outage is spooled and answered
        200 (tests/gateway/test_outage.py)."""
        from sqlalchemy.exc import DataError, OperationalError

        from gateway.pipeline import intake, replay

        def refuse(*_args, **_kwargs):
            raise DataError("INSERT", {}, Exception("value too long"))

        def outage(*_args, **_kwargs):
            raise OperationalError("INSERT", {}, Exception("connection refused"))

        monkeypatch.setattr(replay, "drain_in_background", lambda rt: None)
        monkeypatch.setattr(intake, "store_sms", refuse)
        assert sms(client, "HELP", LANDLORD).status_code == 400
        monkeypatch.setattr(intake, "store_sms", outage)
        assert sms(client, "HELP", LANDLORD).status_code == 200

    def test_connection_dropped_by_the_database_is_retried_not_refused(self, client, enrolled, backend):
        """The webhook's pooled connection has no pre-ping: a connection PostgreSQL killed is replaced at once.

        Without the retry the first webhook after a database restart would be answered 503.
        """
        if backend != "postgres":
            pytest.skip("SQLite has no server to drop a connection")
        from sqlalchemy import text

        assert sms(client, f"登记 张三 {ID_A} 301", LANDLORD).status_code == 200  # the pool holds a connection now
        with enrolled.engine.begin() as conn:
            killed = conn.scalar(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                      "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        assert killed >= 1
        response = sms(client, f"登记 李四 {ID_B} 302", LANDLORD)
        assert response.status_code == 200
        drain(enrolled)
        assert len(reply_to(enrolled, response.sid)) == 1  # stored, queued and answered
        assert len(declarations(enrolled)) == 2

    def test_missing_fields_get_400(self, client, enrolled):
        """A signed request without MessageSid or From is a 400, not a 500."""
        response = signed_post(client, "/sms", {"Body": "登记"})
        assert response.status_code == 400

    def test_oversized_request_gets_413(self, client, enrolled):
        """A request body far beyond any SMS is refused with 413."""
        response = sms(client, "登记 " + "张" * 70_000, LANDLORD)
        assert response.status_code == 413

    def test_stop_suppresses_replies_until_start(self, client, enrolled):
        """After STOP nothing is sent to the number; after START replies flow again."""
        sms(client, "STOP", LANDLORD)
        drain(enrolled)
        silenced = sms(client, f"登记 张三 {ID_A} 301", LANDLORD)
        drain(enrolled)
        with enrolled.sessions() as session:
            assert session.get(OptOut, LANDLORD) is not None
            statuses = list(session.scalars(select(OutboundMessage.status)))
        assert statuses == ["suppressed"]
        assert len(declarations(enrolled)) == 1  # the declaration itself still counts
        sms(client, "START", LANDLORD)
        drain(enrolled)
        sms(client, f"登记 李四 {ID_B} 302", LANDLORD)
        drain(enrolled)
        with enrolled.sessions() as session:
            assert session.get(OptOut, LANDLORD) is None
            assert list(session.scalars(select(OutboundMessage.status).order_by(OutboundMessage.id))) == \
                ["suppressed", "outbox"]
        assert inbound(enrolled, silenced.sid).status == "processed"


class TestJobIdempotency:
    def test_job_run_twice_replies_once(self, client, enrolled):
        """Running the processing job again for a handled message stores and sends nothing more."""
        from gateway.pipeline import batch

        response = sms(client, f"登记 张三 {ID_A} 301", LANDLORD)
        drain(enrolled)
        row = inbound(enrolled, response.sid)
        assert batch.process_inbound(row.id) == "processed"
        with enrolled.sessions() as session:
            assert session.scalar(select(func.count()).select_from(OutboundMessage)) == 1
        assert len(declarations(enrolled)) == 1


@pytest.mark.parametrize("body, codes", [("登记", ["missing_name", "missing_id"]), ("REG", ["missing_name", "missing_id"]),
                                         ("退租", ["missing_id"]), (" OUT ", ["missing_id"])])
def test_keyword_alone_is_answered_with_what_is_missing(client, enrolled, body, codes):
    """A command word with nothing after it gets a reply saying what to add, and goes to officers."""
    response = sms(client, body, LANDLORD)
    drain(enrolled)
    [reply] = reply_to(enrolled, response.sid)
    assert reply.strip()
    assert "缺证件号" in reply or "ID" in reply
    message = inbound(enrolled, response.sid)
    assert message.review_state == "open" and message.review_reason == codes[0]
    spans = [(e["code"], body[e["start"]:e["end"]]) for e in message.parse["errors"]]
    assert spans == [(code, body.strip()) for code in codes]


@pytest.mark.parametrize("body, code", [("登记 王小明 无证 302 户籍" + "福建省莆田市荔城区拱辰街道" * 16, "address_too_long"),
                                        ("REG " + " ".join(["WOLFESCHLEGEL"] * 5) + f" {ID_A} 301", "name_too_long")])
def test_a_field_longer_than_the_store_keeps_is_answered_not_failed(client, enrolled, body, code):
    """A household address or a name longer than its column used to pass the grammar and fail the INSERT on
    PostgreSQL at every retry, ending as `job_failed` with no reply. It is a parse error: a reply that says
    what to shorten, and the officers' queue with the code and span."""
    response = sms(client, body, LANDLORD)
    drain(enrolled)
    [reply] = reply_to(enrolled, response.sid)
    assert catalog_zh.CODES[code].split("（")[0] in reply or "too long" in reply
    message = inbound(enrolled, response.sid)
    assert message.review_state == "open" and message.review_reason == code
    assert [e["code"] for e in message.parse["errors"]] == [code]
    assert declarations(enrolled) == []
