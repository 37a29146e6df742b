"""A `declgate worker` SIGKILLed in the middle of a job: nothing is lost, nothing is sent twice."""
from __future__ import annotations

import signal
import time

import pytest
from sqlalchemy import select, text

from store.db import make_sessionmaker
from store.models import InboundMessage
from tests.fault import stack as st

pytestmark = [pytest.mark.fault, pytest.mark.postgres, pytest.mark.redis]

MESSAGES = 120
LANDLORDS = 6


def waiting_on_locks(engine) -> int:
    """Backends of the fault database blocked on a lock: a worker stuck inside a job."""
    with engine.connect() as conn:
        return conn.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                "AND wait_event_type = 'Lock'"))


class TestWorkerKilledMidJob:
    def test_killed_worker_loses_and_duplicates_nothing(self, stack, fault_engine):
        """Every queued message is stored once and replied once after its worker dies holding a job."""
        phones = st.enrol_landlords(fault_engine, LANDLORDS)
        ids = st.unique_id_numbers(MESSAGES)
        port = stack.start_web()
        posted = stack.post_many([(port, st.declaration(i, ids[i]), phones[i % LANDLORDS], None)
                                  for i in range(MESSAGES)])
        assert [p.status for p in posted] == [200] * MESSAGES

        # Hold the reply table: the drain claims the waiting messages, applies them and blocks on the
        # INSERT of their replies, so the SIGKILL lands while the job is started and its batch is claimed
        # but not committed. The flag it holds is left raised, renewed by nobody.
        blocker = fault_engine.connect()
        transaction = blocker.begin()
        blocker.execute(text("LOCK TABLE outbound_messages IN EXCLUSIVE MODE"))
        try:
            first = stack.start_worker()
            st.wait_until(lambda: waiting_on_locks(fault_engine) >= 1, 60, "the worker to block inside a job")
            first.send_signal(signal.SIGKILL)
            first.wait()
            killed_at = time.monotonic()
        finally:
            transaction.rollback()
            blocker.close()
        handled_before = st.Ledger.read(fault_engine)
        assert handled_before.by_status == {"received": MESSAGES}

        stack.start_worker()
        ledger = st.settle(fault_engine, MESSAGES, timeout=120)
        print(f"recovery after SIGKILL: {time.monotonic() - killed_at:.1f}s "
              f"(DECLGATE_STUCK_AFTER={stack.env()['DECLGATE_STUCK_AFTER']}s)")

        assert ledger.inbound == MESSAGES
        assert ledger.by_status == {"processed": MESSAGES}
        assert ledger.declarations == MESSAGES and ledger.people == MESSAGES
        assert ledger.duplicate_declarations == 0
        assert ledger.replies == MESSAGES and ledger.inbound_without_one_reply == 0
        assert "requeued" in stack.logs()

    def test_replies_left_pending_by_a_dead_worker_are_sent_by_the_sweep(self, stack, fault_engine):
        """A reply committed but never sent (the worker died between the two) goes out once."""
        phones = st.enrol_landlords(fault_engine, 1)
        port = stack.start_web()
        [posted] = stack.post_many([(port, f"登记 张三 {st.id_number(7)} 301", phones[0], None)])
        assert posted.status == 200
        worker = stack.start_worker()
        st.settle(fault_engine, 1)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        with fault_engine.begin() as conn:  # the state a kill between commit and send leaves behind
            conn.execute(text("UPDATE outbound_messages SET status = 'pending', sent_at = NULL, "
                              "created_at = created_at - interval '1 minute'"))

        stack.start_worker()
        ledger = st.settle(fault_engine, 1)

        assert ledger.replies == 1 and ledger.inbound_without_one_reply == 0
        assert "sweep sent 1 reply" in stack.logs()
