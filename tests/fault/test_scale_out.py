"""The multi-machine shape on loopback: two web processes behind one public URL, workers, one Redis, one PostgreSQL."""
from __future__ import annotations

import re
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from gateway.webhooks.signature import sign
from store.db import make_sessionmaker
from store.models import Declaration, OutboundMessage
from tests.constants import ID_A, TENANT
from tests.fault import stack as st

pytestmark = [pytest.mark.fault, pytest.mark.postgres, pytest.mark.redis]

MESSAGES = 80
ZH_DIGITS = "零一二三四五六七八九"


class TestScaleOut:
    def test_sms_spread_over_two_web_processes_is_stored_and_replied_once(self, stack, fault_engine):
        """Messages alternating between two web processes and worked by two workers are each stored and answered once."""
        stack.public_base_url = "https://declgate.example.org"  # what the load balancer presents to Twilio
        stack.extra_env["DECLGATE_BATCH_SIZE"] = "5"  # full batches: the first drain calls the other worker in
        phones = st.enrol_landlords(fault_engine, 8)
        ids = st.unique_id_numbers(MESSAGES)
        ports = [stack.start_web(), stack.start_web()]
        workers = [stack.start_worker(), stack.start_worker()]
        posted = stack.post_many([(ports[i % 2], st.declaration(i, ids[i]), phones[i % 8], None)
                                  for i in range(MESSAGES)])
        ledger = st.settle(fault_engine, MESSAGES)

        assert [p.status for p in posted] == [200] * MESSAGES
        assert st.sids_stored(fault_engine, [p.sid for p in posted]) == {p.sid: 1 for p in posted}
        assert ledger.by_status == {"processed": MESSAGES}
        assert ledger.declarations == MESSAGES and ledger.duplicate_declarations == 0
        assert ledger.replies == MESSAGES and ledger.inbound_without_one_reply == 0
        logs = [(stack.logdir / f"worker-{i}.log").read_text() for i in range(len(workers))]
        assert all("gateway.pipeline.drain.drain" in log for log in logs), "one worker did no work"

    def test_voice_call_hopping_between_web_processes_is_declared_once(self, stack, fault_engine):
        """A move-in call whose steps alternate between two web processes gives one declaration, its receipt read twice and the landlord's SMS."""
        stack.public_base_url = "https://declgate.example.org"
        [landlord] = st.enrol_landlords(fault_engine, 1)
        ports = [stack.start_web(), stack.start_web()]
        stack.start_worker()
        call = HoppingCall(stack, ports)
        call.post("/voice")
        for fields in ({"Digits": "1"}, {"Digits": "1"}, {"Digits": ID_A + "#"}, {"Digits": "1"},
                       {"Digits": "300000#"}, {"Digits": "1"}, {"Digits": "301#"}, {"Digits": "1"},
                       {"SpeechResult": "张三", "Confidence": "0.93"}, {"Digits": "1"}, {"Digits": "1"}):
            call.post(call.step_path(), fields)
        assert "<Hangup" in call.twiml
        ledger = st.settle(fault_engine, 1)

        assert ledger.by_status == {"processed": 1} and ledger.declarations == 1 and ledger.people == 1
        with make_sessionmaker(fault_engine)() as session:
            decl = session.scalars(select(Declaration)).one()
            sent = session.execute(select(OutboundMessage.purpose, OutboundMessage.to_number, OutboundMessage.body)
                                   .order_by(OutboundMessage.id)).all()
        # A caller's declaration is a claim: it waits for the landlord's Y (store.claims).
        assert decl.status == "pending_review" and decl.channel == "voice" and decl.room == "301"
        assert call.digits_said().count(decl.receipt) == 2
        confirm = [(to, text) for purpose, to, text in sent if purpose == "landlord_confirm"]
        assert confirm == [(landlord, confirm[0][1])] and f"Y {decl.receipt}" in confirm[0][1]
        assert all(ID_A not in text for _, _, text in sent)
        served = [(stack.logdir / f"web-{port}.log").read_text().count("POST /voice") for port in ports]
        assert served == [6, 6], served  # every other request of the call went to the other process


class HoppingCall:
    """One Twilio call whose requests go to the web processes in turn, as a load balancer without stickiness would."""

    def __init__(self, stack: st.Stack, ports: list[int]) -> None:
        self.stack, self.ports = stack, ports
        self.sid = "CA" + uuid.uuid4().hex
        self.twiml = ""
        self.requests = 0

    def post(self, path: str, fields: dict[str, str] | None = None) -> str:
        params = {"CallSid": self.sid, "AccountSid": "AC" + "1" * 32, "From": TENANT, "To": st.GATEWAY_NUMBER,
                  "CallStatus": "in-progress", **(fields or {})}
        port = self.ports[self.requests % len(self.ports)]
        self.requests += 1
        signature = sign(st.TOKEN, self.stack.public_base_url.rstrip("/") + path, params)
        request = urllib.request.Request(self.stack.url(port, path), data=urllib.parse.urlencode(params).encode(),
                                         headers={"X-Twilio-Signature": signature})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200 and response.headers.get_content_type() == "text/xml"
            self.twiml = response.read().decode()
        return self.twiml

    def step_path(self) -> str:
        found = re.findall(r"/voice/step\?seq=\d+", self.twiml)
        assert found, self.twiml
        return found[-1]

    def digits_said(self) -> str:
        """Every digit said in the last answer, Mandarin digits turned into 0-9."""
        said = "".join(el.text or "" for el in ET.fromstring(self.twiml).iter("Say"))
        return "".join(str(ZH_DIGITS.index(ch)) if ch in ZH_DIGITS else ch for ch in said
                       if ch in ZH_DIGITS or ch.isdigit())
