"""A processing job handles waiting messages in one transaction: each still stored once and answered once."""
from __future__ import annotations

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from gateway.pipeline import batch, intake, queue, sms_commands
from store import languages
from store.enrolment import Enrolment, enrol
from store.models import Declaration, InboundMessage, OutboundMessage
from tests.constants import GATEWAY_NUMBER, ID_A, ID_B, ID_C, LANDLORD, OTHER_LANDLORD
from tests.fault.stack import declaration, unique_id_numbers
from tests.support import drain

IDS = [ID_A, ID_B, ID_C, "110101199001011237"]


def store(rt, bodies: list[str], *, sender: str = LANDLORD, first: int = 0) -> list[int]:
    """Store messages as the webhook does and queue their jobs; nothing runs them yet."""
    ids = []
    for i, body in enumerate(bodies, start=first):
        inbound_id, _ = intake.store_sms(rt, sid=f"SMBATCH{i}-{sender}", from_number=sender,
                                         to_number=GATEWAY_NUMBER, body=body)
        queue.enqueue(rt, inbound_id)
        ids.append(inbound_id)
    return ids


NAMES = ["张三", "李四", "王五", "赵六"]


def declare(count: int) -> list[str]:
    return [f"登记 {NAMES[i]} {IDS[i]} {301 + i}" for i in range(count)]


def ledger(rt) -> dict[str, object]:
    with rt.sessions() as session:
        return {
            "statuses": list(session.scalars(select(InboundMessage.status).order_by(InboundMessage.id))),
            "replies": dict(session.execute(select(OutboundMessage.in_reply_to, func.count())
                                            .group_by(OutboundMessage.in_reply_to)).all()),
            "reply_statuses": set(session.scalars(select(OutboundMessage.status))),
            "declarations": session.scalar(select(func.count()).select_from(Declaration)),
        }


class TestBatch:
    def test_one_job_handles_every_waiting_message_once(self, enrolled):
        """The first message's job also stores and answers the messages waiting behind it, one reply each."""
        ids = store(enrolled, declare(4))
        assert batch.process_inbound(ids[0]) == "processed"
        after = ledger(enrolled)
        assert after["statuses"] == ["processed"] * 4
        assert after["replies"] == {i: 1 for i in ids}
        assert after["declarations"] == 4

    def test_outbox_replies_are_recorded_in_the_one_commit(self, enrolled):
        """With the local outbox a whole batch, replies included, is a single commit and leaves nothing pending."""
        ids = store(enrolled, declare(3))
        commits = []

        def count(conn) -> None:
            commits.append(conn)

        event.listen(enrolled.engine, "commit", count)
        try:
            batch.process_inbound(ids[0])
        finally:
            event.remove(enrolled.engine, "commit", count)
        assert len(commits) == 1
        assert ledger(enrolled)["reply_statuses"] == {"outbox"}

    def test_jobs_of_batched_messages_leave_the_queue(self, enrolled):
        """The queued jobs of the messages a batch handled are dropped; the queue is left empty."""
        ids = store(enrolled, declare(3))
        assert enrolled.queue.count == 3
        batch.process_inbound(ids[0])
        # Only the first message's job is left: this test ran it directly, without RQ taking it off the queue.
        assert enrolled.queue.job_ids == [queue.job_id(enrolled, ids[0])]
        drain(enrolled)
        assert ledger(enrolled)["replies"] == {i: 1 for i in ids}

    def test_jobs_run_again_after_a_batch_change_nothing(self, enrolled):
        """Every message's own job, run after the batch that handled it, stores and replies nothing more."""
        ids = store(enrolled, declare(3))
        batch.process_inbound(ids[0])
        before = ledger(enrolled)
        for inbound_id in ids:
            assert batch.process_inbound(inbound_id) == "processed"
        assert ledger(enrolled) == before

    def test_a_batch_that_loses_a_race_retries_cleanly(self, enrolled, monkeypatch):
        """A unique violation on the job's own message rolls the whole batch back; the retry answers each once."""
        ids = store(enrolled, declare(3))
        real, calls = batch._process, []

        def lose_first_race(session, inbound, parsed=None):
            calls.append(inbound.id)
            if len(calls) == 1:
                raise IntegrityError("INSERT", {}, Exception("duplicate key"))
            return real(session, inbound, parsed)

        monkeypatch.setattr(batch, "_process", lose_first_race)
        assert batch.process_inbound(ids[0]) == "processed"
        after = ledger(enrolled)
        assert after["statuses"] == ["processed"] * 3
        assert after["replies"] == {i: 1 for i in ids}
        assert after["declarations"] == 3

    def test_a_batched_message_that_loses_a_race_goes_back_to_its_own_job(self, enrolled, monkeypatch):
        """A unique violation on a batched message rolls back only that message; its own job answers it once."""
        ids = store(enrolled, declare(3))
        real = batch._process

        def lose_race_on_second(session, inbound, parsed=None):
            if inbound.id == ids[1]:
                raise IntegrityError("INSERT", {}, Exception("duplicate key"))
            return real(session, inbound, parsed)

        monkeypatch.setattr(batch, "_process", lose_race_on_second)
        batch.process_inbound(ids[0])
        assert ledger(enrolled)["statuses"] == ["processed", "received", "processed"]
        monkeypatch.setattr(batch, "_process", real)
        drain(enrolled)
        after = ledger(enrolled)
        assert after["statuses"] == ["processed"] * 3
        assert after["replies"] == {i: 1 for i in ids}

    def test_a_message_failing_in_a_batch_is_left_to_its_own_job(self, enrolled, monkeypatch):
        """A batched message that raises is rolled back alone; the others commit, and its own job answers it once."""
        ids = store(enrolled, declare(3))
        real = sms_commands.handle_sms

        def fail_second(session, inbound, result):
            if inbound.id == ids[1]:
                raise RuntimeError("broken message")
            return real(session, inbound, result)

        monkeypatch.setattr(batch, "handle_sms", fail_second)
        batch.process_inbound(ids[0])
        assert ledger(enrolled)["statuses"] == ["processed", "received", "processed"]
        with pytest.raises(RuntimeError):
            batch.process_inbound(ids[1])  # its own job fails loudly; RQ retries it
        monkeypatch.setattr(batch, "handle_sms", real)
        assert batch.process_inbound(ids[1]) == "processed"
        assert ledger(enrolled)["replies"] == {i: 1 for i in ids}

    def test_a_person_declared_twice_in_one_batch_is_stored_once(self, enrolled):
        """Two messages of one batch declaring the same person give one declaration and two replies."""
        ids = store(enrolled, [f"登记 张三 {IDS[0]} 301", f"登记 张三 {IDS[0]} 301"])
        batch.process_inbound(ids[0])
        after = ledger(enrolled)
        assert after["declarations"] == 1
        assert after["replies"] == {ids[0]: 1, ids[1]: 1}

    def test_a_stop_in_a_batch_silences_the_messages_after_it(self, enrolled):
        """A STOP handled in a batch suppresses the replies to the later messages of the same batch."""
        ids = store(enrolled, ["STOP", *declare(1)])
        batch.process_inbound(ids[0])
        with enrolled.sessions() as session:
            assert list(session.scalars(select(OutboundMessage.status))) == ["suppressed"]
        assert ledger(enrolled)["statuses"] == ["ignored", "processed"]


    def test_a_batch_costs_the_same_statements_whatever_its_size(self, enrolled, backend):
        """Look-ups are one query per kind whatever the batch holds; on PostgreSQL the rows are one INSERT per
        table too, so 12 declarations cost the statements 2 do, and the look-ups are the very same texts, which
        the driver and PostgreSQL keep prepared instead of parsing and planning each batch's anew. (SQLite has no
        round trips to save, and SQLAlchemy inserts its rows one by one.)"""
        def statements_for(bodies: list[str], first: int) -> list[str]:
            ids = store(enrolled, bodies, first=first)
            seen: list[str] = []

            def count(_conn, _cursor, statement, *_args) -> None:
                seen.append(statement)

            event.listen(enrolled.engine, "before_cursor_execute", count)
            try:
                batch.process_inbound(ids[0])
            finally:
                event.remove(enrolled.engine, "before_cursor_execute", count)
            return seen

        with enrolled.sessions.begin() as session:  # a landlord who has written before: their language is kept
            languages.remember(session, LANDLORD, "zh")
        small = statements_for([f"登记 张三 {IDS[0]} 301", f"登记 李四 {IDS[1]} 302"], first=0)
        large = statements_for([declaration(i, number) for i, number in enumerate(unique_id_numbers(12, start=5000))],
                               first=2)
        assert ledger(enrolled)["declarations"] == 14
        selects = [[text for text in texts if text.lstrip().upper().startswith("SELECT")] for texts in (small, large)]
        assert len(selects[1]) == len(selects[0])
        if backend == "postgres":
            assert len(large) == len(small)
            assert selects[1] == selects[0]

    def test_a_tenant_moving_twice_in_one_batch_ends_active_once(self, enrolled):
        """Declared at one landlord's flat, then another's, then back out of the first in one batch."""
        other = OTHER_LANDLORD
        with enrolled.sessions.begin() as session:
            enrol(session, Enrolment(phone=other, name="李房东", property_code="200001", address="西巷3号",
                                     precinct="GL01"))
        ids = store(enrolled, [f"登记 张三 {IDS[0]} 301"])
        ids += store(enrolled, [f"登记 张三 {IDS[0]} 502"], sender=other, first=1)
        ids += store(enrolled, [f"登记 张三 {IDS[0]} 301"], first=2)
        batch.process_inbound(ids[0])
        with enrolled.sessions() as session:
            rows = session.execute(select(Declaration.status, Declaration.room).order_by(Declaration.id)).all()
        assert [tuple(row) for row in rows] == [("superseded", "301"), ("superseded", "502"), ("active", "301")]
        assert ledger(enrolled)["replies"] == {i: 1 for i in ids}

    def test_moved_out_and_declared_again_in_one_batch(self, enrolled):
        """A move-out, then the same tenant declared again, in one batch: the old one ended, a new one active."""
        first = store(enrolled, [f"登记 张三 {IDS[0]} 301"])
        drain(enrolled)
        ids = store(enrolled, [f"退租 {IDS[0]}", f"登记 张三 {IDS[0]} 302"], first=1)
        batch.process_inbound(ids[0])
        with enrolled.sessions() as session:
            rows = session.execute(select(Declaration.status, Declaration.room).order_by(Declaration.id)).all()
        assert [tuple(row) for row in rows] == [("ended", "301"), ("active", "302")]
        assert ledger(enrolled)["replies"] == {i: 1 for i in first + ids}

    def test_over_the_allowance_in_one_batch(self, enrolled):
        """A sender's messages beyond the hourly allowance are refused even when one batch holds them all."""
        enrolled.settings = enrolled.settings.with_(rate_limit_per_hour=2)
        ids = store(enrolled, declare(4))
        batch.process_inbound(ids[0])
        assert ledger(enrolled)["statuses"] == ["processed", "processed", "rejected", "rejected"]
        assert ledger(enrolled)["replies"] == {ids[0]: 1, ids[1]: 1}


class RecordingTwilio:
    """A provider stand-in that checks, at each send, that the row was claimed and committed first."""

    kind = "twilio"
    reports_delivery = True

    def __init__(self, rt) -> None:
        self.rt, self.sent = rt, []

    def send(self, to: str, body: str, from_: str | None = None) -> str:
        with self.rt.sessions() as session:  # a separate connection: sees only committed rows
            statuses = set(session.scalars(select(OutboundMessage.status).where(OutboundMessage.body == body)))
        assert statuses == {"sending"}, statuses
        self.sent.append(to)
        return f"SM{len(self.sent):032d}"


class TestBatchWithTwilio:
    def test_each_reply_is_claimed_before_the_provider_call(self, enrolled):
        """With a real provider every reply of a batch is committed, claimed `sending`, sent once, then marked
        `queued` (Twilio took it; its receipts tell the rest)."""
        enrolled.sender = RecordingTwilio(enrolled)
        ids = store(enrolled, declare(3))
        batch.process_inbound(ids[0])
        assert len(enrolled.sender.sent) == 3
        after = ledger(enrolled)
        assert after["reply_statuses"] == {"queued"} and after["replies"] == {i: 1 for i in ids}


class TestHeldByAnotherBatch:
    def test_a_job_whose_message_is_held_works_on_others_meanwhile(self, enrolled, backend):
        """While another worker's batch holds a job's own message, the job handles the waiting messages
        nobody holds (two workers then work side by side instead of one waiting on the other), then its
        own once the lock is released; every message is answered once."""
        if backend != "postgres":
            pytest.skip("SQLite has one writer at a time; there is no row lock to skip")
        import threading
        import time

        from sqlalchemy import text

        ids = store(enrolled, declare(3))
        holder = enrolled.engine.connect()
        holder.begin()
        holder.execute(text("SELECT id FROM inbound_messages WHERE id = :id FOR UPDATE"), {"id": ids[0]})
        job = threading.Thread(target=batch.process_inbound, args=(ids[0],))
        job.start()
        try:
            deadline = time.monotonic() + 20
            while ledger(enrolled)["statuses"] != ["received", "processed", "processed"]:
                assert time.monotonic() < deadline, ledger(enrolled)
                time.sleep(0.05)
            assert job.is_alive()  # now waiting for its own message
        finally:
            holder.rollback()
            holder.close()
            job.join(timeout=20)
        after = ledger(enrolled)
        assert after["statuses"] == ["processed"] * 3
        assert after["replies"] == {i: 1 for i in ids}


class TestClaimAsTheStoreGrows:
    def test_the_claim_reads_only_the_waiting_messages_however_many_were_handled(self, enrolled, backend):
        """A drain's claim finds its batch in the partial index of waiting messages, oldest first. Without it,
        PostgreSQL walked the primary key from the first message ever stored, filtering out every handled one
        (21 ms a claim at 40,000 messages, and growing): the waiting ones are the newest, which its estimate
        of "200 matches are spread evenly, a few thousand rows in" never sees. Checked on the plan each
        database chooses for the claim's own query, with the statistics it keeps."""
        from sqlalchemy import insert, text

        def rows(prefix: str, status: str, count: int) -> list[dict]:
            return [dict(provider_sid=f"SM{prefix}{i}", channel="sms", from_number=LANDLORD, to_number=GATEWAY_NUMBER,
                         body="登记", status=status, attempts=0) for i in range(count)]

        with enrolled.engine.begin() as conn:
            conn.execute(insert(InboundMessage), rows("OLD", "processed", 3000))
            conn.execute(insert(InboundMessage), rows("NEW", "received", 400))
            conn.execute(text("ANALYZE inbound_messages" if backend == "postgres" else "ANALYZE"))
        query = batch.waiting(200)
        compiled = query.compile(dialect=enrolled.engine.dialect)
        params = (compiled.params if backend == "postgres"
                  else tuple(compiled.params[name] for name in compiled.positiontup))
        with enrolled.engine.connect() as conn:
            plan = "\n".join(str(row[-1]) for row in conn.exec_driver_sql(
                ("EXPLAIN " if backend == "postgres" else "EXPLAIN QUERY PLAN ") + str(compiled), params))
            first = conn.scalar(text("SELECT min(id) FROM inbound_messages WHERE status = 'received'"))
        assert "ix_inbound_waiting" in plan, plan
        with enrolled.sessions() as session:
            assert [m.id for m in session.scalars(query)] == list(range(first, first + 200))
