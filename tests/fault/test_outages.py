"""Redis and PostgreSQL going away while webhooks arrive: nothing acknowledged is lost, nothing lost is acknowledged.

These tests stop the shared servers for a second or two; run them alone with
`python -m pytest -m fault -k outage` when others are using the servers.
"""
from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request

import pytest

from tests.fault import stack as st

pytestmark = [pytest.mark.fault, pytest.mark.postgres, pytest.mark.redis]

MESSAGES = 60


def health(port: int) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


class TestRedisOutage:
    def test_webhooks_during_a_redis_restart_are_answered_and_all_handled(self, stack, fault_engine,
                                                                          restore_services):
        """Every webhook gets 200 while Redis restarts; the sweep and `declgate requeue` queue what was missed."""
        phones = st.enrol_landlords(fault_engine, 4)
        ids = st.unique_id_numbers(MESSAGES)
        port = stack.start_web()
        stack.start_worker()
        posted: list[st.Posted] = []

        def post_steadily():
            for i, number in enumerate(ids):
                posted.append(stack.post_sms(port, st.declaration(i, number), phones[i % 4]))
                time.sleep(0.05)

        sender = threading.Thread(target=post_steadily)
        sender.start()
        try:
            st.wait_until(lambda: len(posted) >= MESSAGES // 4, 30, "the first webhooks")
            st.stop_redis()
            st.wait_until(lambda: len(posted) >= MESSAGES // 2, 30, "webhooks during the outage")
            assert health(port)[1]["redis"].startswith("error")
        finally:
            st.start_redis()
            sender.join()
        requeued = stack.cli("requeue")
        ledger = st.settle(fault_engine, MESSAGES, timeout=90)

        assert [p.status for p in posted] == [200] * MESSAGES
        assert requeued.returncode == 0 and requeued.stdout.startswith("requeued ")
        assert st.sids_stored(fault_engine, [p.sid for p in posted]) == {p.sid: 1 for p in posted}
        assert ledger.by_status == {"processed": MESSAGES}
        assert ledger.declarations == MESSAGES and ledger.duplicate_declarations == 0
        assert ledger.replies == MESSAGES and ledger.inbound_without_one_reply == 0
        assert "stored but not queued" in stack.logs()


class TestPostgresOutage:
    def test_webhooks_during_a_postgres_outage_get_503_and_are_stored_on_retry(self, stack, fault_engine,
                                                                             restore_services):
        """With PostgreSQL down a webhook answers 503 (Twilio retries); once it is back the same processes store it."""
        phones = st.enrol_landlords(fault_engine, 2)
        ids = st.unique_id_numbers(MESSAGES)
        port = stack.start_web()
        stack.start_worker()
        half = MESSAGES // 2
        before = stack.post_many([(port, st.declaration(i, ids[i]), phones[i % 2], None) for i in range(half)])
        try:
            st.postgres("stop")
            during = stack.post_many([(port, st.declaration(i, ids[i]), phones[i % 2], None)
                                      for i in range(half, MESSAGES)], threads=4)
            status, checks = health(port)
        finally:
            st.postgres("start")
        assert [p.status for p in during] == [503] * len(during)
        assert status == 503 and checks["database"].startswith("error")
        assert st.sids_stored(fault_engine, [p.sid for p in during]) == {p.sid: 0 for p in during}

        retried = stack.post_many([(port, st.declaration(half + i, ids[half + i]), phones[(half + i) % 2], p.sid)
                                   for i, p in enumerate(during)])
        ledger = st.settle(fault_engine, MESSAGES, timeout=180)

        assert [p.status for p in before + retried] == [200] * MESSAGES
        assert ledger.by_status == {"processed": MESSAGES}
        assert ledger.declarations == MESSAGES and ledger.duplicate_declarations == 0
        assert ledger.replies == MESSAGES and ledger.inbound_without_one_reply == 0
        assert health(port)[0] == 200
