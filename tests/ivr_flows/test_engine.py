"""The engine's contract with the gateway: fresh state, step numbers, retries."""
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings

from ivr_flows import CallInput, Turn, advance, start_call

from tests.budget import examples
from tests.constants import ID_A

from .conftest import CALLER, TODAY, Call
from .fakes import APARTMENTS, RecordingPort
from .strategies import caller_steps
from .helpers import keyed


class TestStartCall:
    def test_the_first_turn_is_the_welcome_with_step_one(self, twiml_schema):
        """A new call starts at the welcome; every URL carries seq=1."""
        turn = start_call("CA9", CALLER, today=TODAY)
        assert isinstance(turn, Turn)
        twiml_schema.validate(turn.twiml)
        assert turn.twiml.startswith('<?xml version="1.0" encoding="UTF-8"?><Response>')
        assert turn.state["seq"] == 1 and turn.state["twiml"] == turn.twiml
        assert 'action="/voice/step?seq=1"' in turn.twiml
        assert '<Redirect method="POST">/voice/step?seq=1</Redirect>' in turn.twiml

    def test_the_state_is_plain_json(self):
        """The state survives a JSON round trip unchanged."""
        state = start_call("CA9", CALLER, today=TODAY).state
        assert json.loads(json.dumps(state)) == state
        assert {"seq", "language", "flow", "step", "caller", "call_sid", "twiml", "done"} <= set(state)


class TestAdvance:
    def test_each_step_carries_the_next_seq(self, new_call):
        """After N answered steps every URL in the TwiML carries seq=N+1."""
        call = new_call("zh")
        call.press("1")
        assert call.state["seq"] == 3
        assert 'action="/voice/step?seq=3"' in call.twiml and "seq=2" not in call.twiml

    def test_a_retried_step_gets_the_same_twiml_and_does_not_advance(self, new_call):
        """The same seq posted twice answers the same TwiML and leaves the state unchanged."""
        call = new_call("en")
        call.press("1")
        inp = CallInput(seq=call.state["seq"], digits=keyed(ID_A))
        first = call.post(inp)
        state = call.state
        second = call.post(inp)
        assert second == first and call.state == state

    def test_a_retried_confirmation_submits_once(self, new_call, port):
        """Twilio retrying the confirming `1` at the summary hands one declaration to the port."""
        call = new_call("en")
        for digits in ("1", keyed(ID_A), "1", APARTMENTS.code + "#", "1", "301#", "1"):
            call.press(digits)
        call.speak("Zhang San", 0.9)
        call.press("1")
        confirm = CallInput(seq=call.state["seq"], digits="1")
        first = call.post(confirm)
        second = call.post(confirm)
        assert first == second and len(port.submitted) == 1

    def test_a_retried_lookup_does_not_ask_the_port_again(self, new_call, port):
        """A retried property code step costs one lookup."""
        call = new_call("zh")
        for digits in ("1", keyed(ID_A), "1"):
            call.press(digits)
        code = CallInput(seq=call.state["seq"], digits=APARTMENTS.code + "#")
        call.post(code)
        call.post(code)
        assert port.lookups == [APARTMENTS.code]

    def test_a_request_without_or_beyond_the_seq_changes_nothing(self, new_call, port):
        """Only the current seq advances: a missing or future seq gets the cached TwiML."""
        call = new_call("zh")
        before = call.state
        for seq in (None, before["seq"] + 5):
            turn = advance(before, CallInput(seq=seq, digits="1"), port, today=TODAY)
            assert turn.twiml == before["twiml"] and turn.state == before

    def test_the_input_state_is_not_mutated(self, port):
        """advance returns a new state and leaves the one it was given alone."""
        state = start_call("CA9", CALLER, today=TODAY).state
        copy = json.loads(json.dumps(state))
        advance(state, CallInput(seq=1, digits="2"), port, today=TODAY)
        assert state == copy

    def test_a_finished_call_only_repeats_its_goodbye(self, new_call, port):
        """After the hang-up TwiML, a late request gets the goodbye again and nothing runs."""
        call = new_call("zh")
        for _ in range(3):
            call.silence()
        done = call.state
        assert done["done"]
        turn = advance(done, CallInput(seq=done["seq"], digits="1"), port, today=TODAY)
        assert turn.twiml == done["twiml"] and turn.state == done


class TestCallInput:
    def test_it_is_built_from_twilio_form_fields(self):
        """Digits, SpeechResult, Confidence, RecordingUrl and ?seq= become typed fields."""
        inp = CallInput.from_form({"Digits": "12#", "SpeechResult": "张三", "Confidence": "0.87",
                                   "RecordingUrl": "https://x/RE1", "CallSid": "CA1"}, "7")
        assert inp == CallInput(seq=7, digits="12#", speech="张三", confidence=0.87, recording_url="https://x/RE1")

    def test_empty_and_missing_fields_are_none(self):
        """A bare redirect after a timeout becomes an input with nothing in it."""
        assert CallInput.from_form({"Digits": "", "Confidence": "bogus"}, None) == CallInput()
        assert CallInput.from_form({}, "x").seq is None


class TestAnyCall:
    @settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(steps=caller_steps())
    def test_any_sequence_of_inputs_gives_valid_twiml_and_plain_state(self, twiml_schema, steps):
        """Whatever the caller does, every answer is schema-valid TwiML and the state stays JSON."""
        port = RecordingPort(properties={APARTMENTS.code: APARTMENTS})
        call = Call(twiml_schema, port)
        for fields in steps:
            was_done = call.state["done"]
            before = call.twiml
            call.send(**fields)
            if was_done:
                assert call.twiml == before
        assert len(port.submitted) <= 1
