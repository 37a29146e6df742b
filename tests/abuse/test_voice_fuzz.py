"""Hypothesis against POST /voice and /voice/step: never a 5xx, always valid TwiML, no declaration unconfirmed."""
from __future__ import annotations

import urllib.parse
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from gateway.pipeline import batch
from gateway.web.uploads import MAX_REQUEST_BYTES
from gateway.webhooks.callstate import CallStore
from gateway.webhooks.voice import usable_call_sid
from store.models import Declaration, InboundMessage
from tests.abuse import strategies as junk
from tests.budget import examples
from tests.constants import GATEWAY_NUMBER, ID_A, TENANT
from tests.support import signed_post

# The move-in call of tests/gateway/test_voice_webhook.py, one caller input per step, up to the summary.
HAPPY_PATH = [{"Digits": "1"}, {"Digits": "1"}, {"Digits": ID_A + "#"}, {"Digits": "1"},
              {"Digits": "100001#"}, {"Digits": "1"}, {"Digits": "301#"}, {"Digits": "1"},
              {"SpeechResult": "张三", "Confidence": "0.92"}, {"Digits": "1"}]
RECEIPT_STEPS = ("receipt", "receipt_review")


def fuzz(budget: int) -> settings:
    return settings(max_examples=examples(budget), deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def too_large(params: dict[str, str]) -> bool:
    """Larger than any webhook (a few fields of thousands of emoji, percent-encoded as the test client does)."""
    return len(urllib.parse.urlencode(params, safe="!$'()*,/:;?@")) > MAX_REQUEST_BYTES


def answered(client, schema, path: str, params: dict[str, str]) -> str | None:
    """POST a signed voice webhook; the answer must be 200 and a TwiML document the schema accepts, or, for a
    form larger than any webhook, a clean 413 (None)."""
    response = signed_post(client, path, params)
    if too_large(params):
        assert response.status_code == 413
        return None
    assert response.status_code == 200, (response.status_code, response.get_data(as_text=True)[:500])
    assert response.mimetype == "text/xml"
    twiml = response.get_data(as_text=True)
    schema.validate(twiml)
    return twiml


def call_params(sid: str, fields: dict[str, str] | None = None) -> dict[str, str]:
    return {"CallSid": sid, "AccountSid": "AC" + "1" * 32, "From": TENANT, "To": GATEWAY_NUMBER,
            "CallStatus": "in-progress", **(fields or {})}


def step_path(rt, sid: str, seq: str) -> str:
    """The step URL for a seq choice: the one the call expects now, none at all, or the given text."""
    if seq == "current":
        state = CallStore(rt.redis, rt.key("call", ""), rt.keyring).get(sid)
        return f"/voice/step?seq={state['seq']}"
    if seq == "missing":
        return "/voice/step"
    return "/voice/step?" + urllib.parse.urlencode({"seq": seq}, safe=":/@!$'()*,;=[]")


def stored_for(rt, sid: str) -> list[InboundMessage]:
    with rt.sessions() as session:
        return list(session.scalars(select(InboundMessage).where(InboundMessage.provider_sid.like(f"{sid}:%"))))


def stored_only_if_confirmed(rt, sid: str) -> list[InboundMessage]:
    """The call's stored declaration: exactly one if the call reached a receipt, none otherwise."""
    state = CallStore(rt.redis, rt.key("call", ""), rt.keyring).get(sid)
    confirmed = state["flow"] != "welcome" and state["step"] in RECEIPT_STEPS
    stored = stored_for(rt, sid)
    assert len(stored) == (1 if confirmed else 0), (state["flow"], state["step"], [m.provider_sid for m in stored])
    return stored


class TestIncomingCall:
    @fuzz(400)
    @given(sid=junk.call_sids, caller=junk.phones, extra=st.dictionaries(junk.field_names, junk.voice_junk, max_size=4))
    def test_any_first_request_answers_the_welcome_or_a_clean_400(self, fuzz, fuzz_rt, twiml_schema, sid, caller,
                                                                    extra):
        """A signed first request gets the welcome as valid TwiML, a 400 when its CallSid is unusable, or a 413
        when it is larger than any webhook (four fields of 6,000 emoji, percent-encoded, pass 64 KB)."""
        params = {**extra, "CallSid": sid, "From": caller, "To": GATEWAY_NUMBER}
        if too_large(params):
            answered(fuzz, twiml_schema, "/voice", params)
            return
        if not usable_call_sid(sid):
            response = signed_post(fuzz, "/voice", params)
            assert response.status_code == 400
            return
        twiml = answered(fuzz, twiml_schema, "/voice", params)
        assert "/voice/step?seq=" in twiml


class TestCallStep:
    @fuzz(1000)
    @given(prefix=st.integers(0, len(HAPPY_PATH)), steps=st.lists(st.tuples(junk.voice_fields, junk.seqs), max_size=6),
           confirm=st.booleans())
    def test_random_steps_answer_twiml_and_store_only_a_confirmed_call(self, fuzz, fuzz_rt, twiml_schema, prefix, steps,
                                                                        confirm):
        """Part of a real call then random steps answer valid TwiML; a declaration exists only once confirmed."""
        sid = "CA" + uuid.uuid4().hex
        answered(fuzz, twiml_schema, "/voice", call_params(sid))
        for fields in HAPPY_PATH[:prefix]:
            answered(fuzz, twiml_schema, step_path(fuzz_rt, sid, "current"), call_params(sid, fields))
        for fields, seq in steps:
            answered(fuzz, twiml_schema, step_path(fuzz_rt, sid, seq), call_params(sid, fields))
        if confirm:
            answered(fuzz, twiml_schema, step_path(fuzz_rt, sid, "current"), call_params(sid, {"Digits": "1"}))
        stored = stored_only_if_confirmed(fuzz_rt, sid)
        if stored:
            fuzz_rt.redis.flushdb()  # the job runs here directly; the call's state is no longer needed
            batch.process_inbound(stored[0].id)
            with fuzz_rt.sessions() as session:
                row = session.get(InboundMessage, stored[0].id)
                receipts = set(session.scalars(select(Declaration.receipt)))
            assert row.status in ("processed", "rejected")
            assert row.status == "rejected" or row.payload["receipt"] in receipts

    @fuzz(800)
    @given(fields=junk.voice_fields, seq=junk.seqs, prefix=st.integers(0, len(HAPPY_PATH)))
    def test_any_single_step_form_answers_valid_twiml(self, fuzz, fuzz_rt, twiml_schema, fields, seq, prefix):
        """Whatever fields and seq one step carries, at whatever point of a call, the answer is valid TwiML."""
        sid = "CA" + uuid.uuid4().hex
        answered(fuzz, twiml_schema, "/voice", call_params(sid))
        for happy in HAPPY_PATH[:prefix]:
            answered(fuzz, twiml_schema, step_path(fuzz_rt, sid, "current"), call_params(sid, happy))
        answered(fuzz, twiml_schema, step_path(fuzz_rt, sid, seq), call_params(sid, fields))
        stored_only_if_confirmed(fuzz_rt, sid)

    @fuzz(300)
    @given(sid=junk.call_sids, fields=junk.voice_fields, seq=junk.seqs.filter(lambda s: s != "current"))
    def test_a_step_of_an_unknown_call_says_goodbye(self, fuzz, fuzz_rt, twiml_schema, sid, fields, seq):
        """A step for a call never started here hangs up politely (or 400 without a usable CallSid), storing nothing."""
        params = call_params("unknown-" + sid, fields)
        if too_large(params):
            answered(fuzz, twiml_schema, step_path(fuzz_rt, sid, seq), params)
            return
        if not usable_call_sid(params["CallSid"]):
            assert signed_post(fuzz, step_path(fuzz_rt, sid, seq), params).status_code == 400
            return
        twiml = answered(fuzz, twiml_schema, step_path(fuzz_rt, sid, seq), params)
        assert twiml is None or "<Hangup" in twiml
        assert stored_for(fuzz_rt, params["CallSid"]) == []

    def test_a_name_heard_with_control_characters_is_read_back_without_them(self, fuzz, fuzz_rt, twiml_schema):
        """Control characters in SpeechResult never reach the TwiML: the read-back says the name without them."""
        sid = "CA" + uuid.uuid4().hex
        answered(fuzz, twiml_schema, "/voice", call_params(sid))
        for happy in HAPPY_PATH[:8]:
            answered(fuzz, twiml_schema, step_path(fuzz_rt, sid, "current"), call_params(sid, happy))
        twiml = answered(fuzz, twiml_schema, step_path(fuzz_rt, sid, "current"),
                         call_params(sid, {"SpeechResult": "张\x08三\x00", "Confidence": "0.9"}))
        assert "张三" in twiml and "<Record" not in twiml
        state = CallStore(fuzz_rt.redis, fuzz_rt.key("call", ""), fuzz_rt.keyring).get(sid)
        assert state["data"]["name"] == "张三"

    def test_a_confidence_that_is_not_a_number_counts_as_unsure(self, fuzz, fuzz_rt, twiml_schema):
        """Confidence `inf` or `nan` (not JSON, not a probability) falls back to recording the name."""
        for confidence in ("inf", "nan"):
            sid = "CA" + uuid.uuid4().hex
            answered(fuzz, twiml_schema, "/voice", call_params(sid))
            for happy in HAPPY_PATH[:8]:
                answered(fuzz, twiml_schema, step_path(fuzz_rt, sid, "current"), call_params(sid, happy))
            twiml = answered(fuzz, twiml_schema, step_path(fuzz_rt, sid, "current"),
                             call_params(sid, {"SpeechResult": "张三", "Confidence": confidence}))
            assert "<Record" in twiml
