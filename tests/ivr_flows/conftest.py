"""Fixtures for walking whole calls: the TwiML schema, a recording port and a call driver."""
from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET

import pytest
import xmlschema

from ivr_flows import CallInput, advance, start_call

from .fakes import APARTMENTS, HOUSE, RecordingPort

TODAY = dt.date(2024, 1, 10)
CALLER = "+8613800138000"


@pytest.fixture
def port() -> RecordingPort:
    return RecordingPort(properties={APARTMENTS.code: APARTMENTS, HOUSE.code: HOUSE})


class Call:
    """Drives one call through the engine like Twilio would, checking every TwiML against the XSD.

    The state goes through JSON between steps, as it does through Redis.
    """

    def __init__(self, schema: xmlschema.XMLSchema, port: RecordingPort, caller: str = CALLER,
                 today: dt.date = TODAY, call_sid: str = "CA0001") -> None:
        self.schema, self.port, self.today = schema, port, today
        turn = start_call(call_sid, caller, today=today)
        self.twiml = self._check(turn.twiml)
        self.state = json.loads(json.dumps(turn.state))
        self.history: list[tuple[CallInput, str]] = []

    def _check(self, twiml: str) -> str:
        self.schema.validate(twiml)
        return twiml

    def send(self, **fields: object) -> str:
        """Post one step with the current seq and return the TwiML answer."""
        inp = CallInput(seq=self.state["seq"], **fields)  # type: ignore[arg-type]
        return self.post(inp)

    def post(self, inp: CallInput) -> str:
        turn = advance(self.state, inp, self.port, today=self.today)
        self.twiml = self._check(turn.twiml)
        self.state = json.loads(json.dumps(turn.state))
        self.history.append((inp, self.twiml))
        return self.twiml

    def press(self, digits: str) -> str:
        return self.send(digits=digits)

    def speak(self, text: str, confidence: float) -> str:
        return self.send(speech=text, confidence=confidence)

    def record(self, url: str) -> str:
        return self.send(recording_url=url, digits="#")

    def silence(self) -> str:
        return self.send()

    @property
    def where(self) -> str:
        return f"{self.state['flow']}:{self.state['step']}"

    @property
    def said(self) -> str:
        """Everything the last TwiML says, joined."""
        return " ".join(el.text or "" for el in ET.fromstring(self.twiml.split("?>", 1)[1]).iter("Say"))

    @property
    def hung_up(self) -> bool:
        return "<Hangup />" in self.twiml


@pytest.fixture
def new_call(twiml_schema, port):
    """Start a call; with a language, press through the welcome to the main menu."""
    def start(language: str | None = None, **kwargs: object) -> Call:
        call = Call(twiml_schema, port, **kwargs)  # type: ignore[arg-type]
        if language is not None:
            call.press("1" if language == "zh" else "2")
        return call
    return start
