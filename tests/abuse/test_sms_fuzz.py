"""Hypothesis against POST /sms: whatever arrives, the answer is never a 5xx and every message has an outcome."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from gateway.pipeline import batch
from store.models import InboundMessage, OutboundMessage
from tests.abuse import strategies as junk
from tests.budget import examples
from tests.constants import GATEWAY_NUMBER, LANDLORD
from tests.support import signed_post



def fuzz(budget: int) -> settings:
    return settings(max_examples=examples(budget), deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def inbound_count(rt) -> int:
    with rt.sessions() as session:
        return session.scalar(select(func.count()).select_from(InboundMessage))


def check_outcome(rt, params: dict[str, str], response, count_before: int) -> None:
    """A signed request is stored and handled (200) or refused with nothing stored (4xx)."""
    assert response.status_code < 500, response.get_data(as_text=True)
    assert response.status_code != 403, "a correctly signed request was refused"
    if response.status_code != 200:
        assert 400 <= response.status_code < 500
        assert inbound_count(rt) == count_before
        return
    sid = params.get("MessageSid") or params.get("SmsSid")
    with rt.sessions() as session:
        inbound_id = session.scalar(select(InboundMessage.id).where(InboundMessage.provider_sid == sid))
    assert inbound_id is not None, f"200 for {sid!r} but nothing stored"
    rt.redis.flushdb()  # the job is run here directly; the embedded queue need not grow
    batch.process_inbound(inbound_id)
    with rt.sessions() as session:
        row = session.get(InboundMessage, inbound_id)
        replies = session.scalar(select(func.count()).select_from(OutboundMessage).where(
            OutboundMessage.in_reply_to == inbound_id, OutboundMessage.purpose == "reply"))
    assert row.status in ("processed", "rejected", "ignored")
    assert replies == (0 if row.status == "ignored" or row.review_reason == "rate_limited" else 1)


class TestSmsFormFuzz:
    @fuzz(3000)
    @given(extra=st.dictionaries(junk.field_names, st.text(max_size=60), max_size=8),
           sid=junk.sids, sender=junk.phones, to=junk.phones, body=junk.bodies)
    def test_any_signed_form_is_stored_or_cleanly_refused(self, fuzz, fuzz_rt, extra, sid, sender, to, body):
        """Any signed form with arbitrary field names and values is either stored and handled, or a 4xx."""
        params = {**extra, "MessageSid": sid, "From": sender, "To": to, "Body": body}
        before = inbound_count(fuzz_rt)
        check_outcome(fuzz_rt, params, signed_post(fuzz, "/sms", params), before)

    @fuzz(3000)
    @given(body=junk.bodies, n=st.integers(0, 2**62))
    def test_any_body_from_an_enrolled_landlord_gets_one_reply(self, fuzz, fuzz_rt, body, n):
        """Any body from an enrolled landlord is stored, handled and answered exactly once (or opted out)."""
        params = {"MessageSid": f"SMfuzz{n:x}{len(body)}", "From": LANDLORD, "To": GATEWAY_NUMBER, "Body": body}
        before = inbound_count(fuzz_rt)
        check_outcome(fuzz_rt, params, signed_post(fuzz, "/sms", params), before)

    @fuzz(2500)
    @given(fields=st.dictionaries(junk.field_names, st.text(max_size=60), max_size=8),
           signature=st.one_of(st.none(), st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40), st.from_regex(r"[A-Za-z0-9+/]{27}=", fullmatch=True)))
    def test_unsigned_or_forged_forms_are_refused_and_nothing_is_stored(self, fuzz, fuzz_rt, fields, signature):
        """A form without a valid signature gets 403 (or 413/400 before that) and stores nothing."""
        before = inbound_count(fuzz_rt)
        headers = {} if signature is None else {"X-Twilio-Signature": signature}
        response = fuzz.post("/sms", data=fields, headers=headers)
        assert response.status_code == 403
        assert inbound_count(fuzz_rt) == before

    @fuzz(1500)
    @given(raw=st.binary(max_size=600), content_type=st.sampled_from([
        "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain", "application/json",
        "application/x-www-form-urlencoded; charset=latin-1"]))
    def test_raw_bytes_never_cause_a_server_error(self, fuzz, fuzz_rt, raw, content_type):
        """Arbitrary bytes in any content type are refused with a 4xx, never a 5xx."""
        before = inbound_count(fuzz_rt)
        response = fuzz.post("/sms", data=raw, content_type=content_type,
                             headers={"X-Twilio-Signature": "AAAAAAAAAAAAAAAAAAAAAAAAAAA="})
        assert 400 <= response.status_code < 500
        assert inbound_count(fuzz_rt) == before
