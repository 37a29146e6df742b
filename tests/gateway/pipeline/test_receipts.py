"""Delivery receipts: every SMS sent through Twilio asks for them, and signed receipts move it forward only."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from gateway import runtime
from gateway.cli import cli
from gateway.outbound import TwilioSender
from gateway.pipeline import delivery
from store.models import DeliveryAttempt, OutboundMessage, utcnow
from tests.constants import KEY_ENV, LANDLORD, PUBLIC_BASE_URL
from tests.support import drain, signed_post, sms
from tests.twilio_fake import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio


@pytest.fixture
def twilio(client, enrolled):
    """The app's runtime sends through Twilio's client over a fake HTTP layer."""
    fake = FakeTwilio()
    runtime.current().sender = TwilioSender(ACCOUNT_SID, AUTH_TOKEN, status_callback=f"{PUBLIC_BASE_URL}/sms/status",
                                            http_client=fake)
    return fake


def reply(client, rt, body: str = "HELP"):
    """Text the gateway and let a worker answer; the reply row."""
    sent = sms(client, body, LANDLORD)
    drain(rt)
    with rt.sessions() as session:
        msg = session.scalar(select(OutboundMessage).order_by(OutboundMessage.id.desc()))
    msg.inbound_sid = sent.sid
    return msg


def receipt(client, sid: str, status: str, error_code: str | None = None):
    params = {"MessageSid": sid, "SmsSid": sid, "AccountSid": ACCOUNT_SID, "MessageStatus": status,
              "SmsStatus": status, "From": "+8610690000", "To": LANDLORD}
    if error_code:
        params["ErrorCode"] = error_code
    response = signed_post(client, "/sms/status", params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def row(rt, msg_id: int) -> OutboundMessage:
    with rt.sessions() as session:
        return session.get(OutboundMessage, msg_id)


def due_now(rt, msg_id: int) -> None:
    """Let the back-off pass, as the clock would."""
    with rt.sessions.begin() as session:
        session.execute(update(OutboundMessage).where(OutboundMessage.id == msg_id)
                        .values(retry_at=utcnow() - dt.timedelta(seconds=1)))


class TestSending:
    def test_every_send_asks_for_receipts_at_the_signed_webhook(self, client, enrolled, twilio):
        """The reply is created at Twilio with StatusCallback = PUBLIC_BASE_URL/sms/status and stands `queued`."""
        msg = reply(client, enrolled)
        [created] = twilio.messages
        assert created["StatusCallback"] == f"{PUBLIC_BASE_URL}/sms/status" and created["To"] == LANDLORD
        assert (msg.status, msg.provider_sid, msg.attempts) == ("queued", created["sid"], 1)

    def test_outbox_json_names_both_sids_the_status_and_the_error(self, client, enrolled, settings, twilio):
        """`declgate outbox --json` carries provider_sid, in_reply_to_sid, status and error_code."""
        msg = reply(client, enrolled)
        receipt(client, msg.provider_sid, "undelivered", "30005")
        env = {"DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url or "",
               "TWILIO_AUTH_TOKEN": "x", "SECRET_KEY": "x", **KEY_ENV}
        result = CliRunner().invoke(cli, ["outbox", "--json"], env=env, catch_exceptions=False)
        [line] = [json.loads(text) for text in result.output.splitlines()]
        assert (line["provider_sid"], line["in_reply_to_sid"]) == (msg.provider_sid, msg.inbound_sid)
        assert (line["status"], line["error_code"]) == ("undelivered", "30005")


class TestReceipts:
    def test_states_move_forward_and_never_back(self, client, enrolled, twilio):
        """queued → sent → delivered; a repeated `delivered` and a late `sent` change nothing."""
        msg = reply(client, enrolled)
        receipt(client, msg.provider_sid, "sent")
        assert row(enrolled, msg.id).status == "sent"
        receipt(client, msg.provider_sid, "delivered")
        receipt(client, msg.provider_sid, "delivered")
        receipt(client, msg.provider_sid, "sent")
        receipt(client, msg.provider_sid, "queued")
        after = row(enrolled, msg.id)
        assert (after.status, after.error_code, after.attempts) == ("delivered", None, 1)
        assert after.status_at is not None

    def test_out_of_order_final_state_first(self, client, enrolled, twilio):
        """A `delivered` that overtakes `sent` stands; the `sent` arriving after it is stale."""
        msg = reply(client, enrolled)
        receipt(client, msg.provider_sid, "delivered")
        receipt(client, msg.provider_sid, "sent")
        assert row(enrolled, msg.id).status == "delivered"

    def test_a_bad_signature_is_refused_and_changes_nothing(self, client, enrolled, twilio):
        """A receipt not signed by Twilio gets 403 and leaves the message as it was."""
        msg = reply(client, enrolled)
        forged = client.post("/sms/status", data={"MessageSid": msg.provider_sid, "MessageStatus": "failed",
                                                  "ErrorCode": "30005"}, headers={"X-Twilio-Signature": "bad"})
        assert forged.status_code == 403
        assert row(enrolled, msg.id).status == "queued"

    def test_a_receipt_for_a_sid_we_never_sent_is_answered_and_ignored(self, client, enrolled, twilio):
        """Twilio gets 200 for an unknown SID (no retry storm); nothing is stored."""
        receipt(client, "SM" + "9" * 32, "delivered")
        with enrolled.sessions() as session:
            assert session.scalar(select(DeliveryAttempt).where(DeliveryAttempt.provider_sid == "SM" + "9" * 32)) is None


class TestRetries:
    def test_a_transient_failure_is_sent_again_after_the_backoff_a_bounded_number_of_times(
            self, client, enrolled, twilio):
        """30008 (unknown error): sent again after the back-off, as a new Twilio message, up to three attempts;
        a repeated receipt for an earlier attempt neither moves the message nor sends it again."""
        msg = reply(client, enrolled)
        first_sid = msg.provider_sid
        receipt(client, first_sid, "undelivered", "30008")
        waiting = row(enrolled, msg.id)
        assert (waiting.status, waiting.error_code) == ("pending", "30008")
        assert waiting.retry_at > utcnow() + dt.timedelta(seconds=30)
        assert delivery.deliver_stale(dt.timedelta(0)) == 0  # not yet due
        receipt(client, first_sid, "undelivered", "30008")  # repeated: nothing more
        due_now(enrolled, msg.id)
        assert delivery.deliver_stale(dt.timedelta(0)) == 1
        second = row(enrolled, msg.id)
        assert (second.status, second.attempts) == ("queued", 2) and second.provider_sid != first_sid
        receipt(client, first_sid, "delivered")  # a late receipt for the first attempt: stale
        assert row(enrolled, msg.id).status == "queued"
        receipt(client, second.provider_sid, "failed", "30001")
        due_now(enrolled, msg.id)
        assert delivery.deliver_stale(dt.timedelta(0)) == 1
        third = row(enrolled, msg.id)
        receipt(client, third.provider_sid, "undelivered", "30008")
        final = row(enrolled, msg.id)
        assert (final.status, final.error_code, final.attempts, final.retry_at) == ("undelivered", "30008", 3, None)
        assert len(twilio.messages) == 3

    @pytest.mark.parametrize("code", ["30003", "30005", "30006", "30007", "21610"])
    def test_a_permanent_failure_is_not_retried(self, client, enrolled, twilio, code):
        """Unknown or unreachable handset, landline, carrier filtering, opted out: final at the first receipt."""
        msg = reply(client, enrolled)
        receipt(client, msg.provider_sid, "undelivered", code)
        after = row(enrolled, msg.id)
        assert (after.status, after.error_code, after.retry_at) == ("undelivered", code, None)
        assert delivery.deliver_stale(dt.timedelta(0)) == 0 and len(twilio.messages) == 1

    def test_the_api_refusing_an_invalid_number_fails_it_for_good(self, client, enrolled, twilio):
        """Twilio's API answers 400 / 21211 at the send: the reply is `failed`, the drain job does not fail."""
        twilio.refuse.append((400, 21211))
        msg = reply(client, enrolled)
        assert (msg.status, msg.error_code, msg.provider_sid, msg.retry_at) == ("failed", "21211", None, None)

    def test_the_api_failing_for_a_moment_is_tried_again(self, client, enrolled, twilio):
        """A 503 from the API (or no answer) is transient: the reply waits for its retry, then goes out."""
        twilio.refuse.append((503, 20503))
        msg = reply(client, enrolled)
        assert (msg.status, msg.error_code, msg.attempts) == ("pending", "20503", 1)
        due_now(enrolled, msg.id)
        assert delivery.deliver_stale(dt.timedelta(0)) == 1
        assert row(enrolled, msg.id).status == "queued" and len(twilio.messages) == 1
