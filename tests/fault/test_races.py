"""Races between processes: one person declared twice at once, one MessageSid delivered five times at once."""
from __future__ import annotations

import concurrent.futures
import threading
import uuid

import pytest
from sqlalchemy import select, text

from store.db import make_sessionmaker
from store.models import Declaration, InboundMessage, OutboundMessage
from tests.fault import stack as st

pytestmark = [pytest.mark.fault, pytest.mark.postgres, pytest.mark.redis]


def lock_waiters(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                "AND wait_event_type = 'Lock'"))


class TestSameDeclarationOnTwoWorkers:
    def test_two_workers_declaring_one_person_store_one_row_and_answer_both(self, stack, fault_engine):
        """Two SIDs declaring the same tenant, handled at the same moment by two workers, make one declaration."""
        [phone] = st.enrol_landlords(fault_engine, 1)
        number = st.id_number(42)
        # One message per job: otherwise the first worker's batch takes both messages and there is no race.
        stack.extra_env["DECLGATE_BATCH_SIZE"] = "1"
        port = stack.start_web()
        stack.start_worker()
        stack.start_worker()
        # Both jobs read "no such person", then wait to insert one; released together, one wins the
        # unique index and the other must retry into `already_registered`.
        blocker = fault_engine.connect()
        transaction = blocker.begin()
        blocker.execute(text("LOCK TABLE people IN SHARE MODE"))
        try:
            posted = stack.post_many([(port, f"登记 张三 {number} 301", phone, None),
                                      (port, f"DJ 张三 {number} 301", phone, None)], threads=2)
            assert [p.status for p in posted] == [200, 200]
            st.wait_until(lambda: lock_waiters(fault_engine) >= 2, 60, "both workers to wait on the same insert")
        finally:
            transaction.rollback()
            blocker.close()
        ledger = st.settle(fault_engine, 2)

        assert ledger.declarations == 1 and ledger.people == 1 and ledger.duplicate_declarations == 0
        assert ledger.by_status == {"processed": 2}
        assert ledger.replies == 2 and ledger.inbound_without_one_reply == 0
        with make_sessionmaker(fault_engine)() as session:
            receipt = session.scalar(select(Declaration.receipt))
            replies = list(session.scalars(select(OutboundMessage.body).order_by(OutboundMessage.id)))
        assert all(receipt in reply for reply in replies)
        assert all(number not in reply for reply in replies)
        # The race really happened: the loser's batch failed on the unique index and was applied again.
        assert "batch failed as a whole (IntegrityError)" in stack.logs()


class TestSameSidDeliveredInParallel:
    def test_five_parallel_deliveries_of_one_sid_store_one_row_and_one_reply(self, stack, fault_engine):
        """Twilio retrying one MessageSid five times at once yields one inbound row and one reply, per SID."""
        phones = st.enrol_landlords(fault_engine, 2)
        ids = st.unique_id_numbers(20)
        first_port, second_port = stack.start_web(), stack.start_web()
        stack.start_worker()
        stack.start_worker()
        sids = ["SM" + uuid.uuid4().hex for _ in ids]
        for sid, (i, number) in zip(sids, enumerate(ids)):
            gate = threading.Barrier(5)

            def deliver(copy: int, sid=sid, i=i, number=number):
                gate.wait()
                return stack.post_sms(first_port if copy % 2 else second_port, st.declaration(i, number),
                                      phones[i % 2], sid=sid).status

            with concurrent.futures.ThreadPoolExecutor(5) as pool:
                assert list(pool.map(deliver, range(5))) == [200] * 5
        ledger = st.settle(fault_engine, len(sids))

        assert st.sids_stored(fault_engine, sids) == {sid: 1 for sid in sids}
        assert ledger.inbound == len(sids) and ledger.by_status == {"processed": len(sids)}
        assert ledger.declarations == len(ids) and ledger.duplicate_declarations == 0
        assert ledger.replies == len(sids) and ledger.inbound_without_one_reply == 0
        with make_sessionmaker(fault_engine)() as session:
            assert session.scalar(select(InboundMessage.attempts).order_by(InboundMessage.attempts.desc())
                                  .limit(1)) == 1
