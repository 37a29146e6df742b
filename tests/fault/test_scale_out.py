"""The multi-machine shape on loopback: two web processes behind one public URL, two workers, one Redis, one PostgreSQL."""
from __future__ import annotations

import pytest

from tests.fault import stack as st

pytestmark = pytest.mark.fault

MESSAGES = 80


class TestScaleOut:
    def test_sms_spread_over_two_web_processes_is_stored_and_replied_once(self, stack, fault_engine):
        """Messages alternating between two web processes and worked by two workers are each stored and answered once."""
        stack.public_base_url = "https://declgate.example.org"  # what the load balancer presents to Twilio
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
        assert all("process_inbound" in log for log in logs), "one worker did no work"
