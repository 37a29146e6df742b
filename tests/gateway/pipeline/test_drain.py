"""One drain job per burst: webhooks raise a flag, the drain works every waiting message, nothing waits forever."""
from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from types import SimpleNamespace

import pytest
from rq.job import Job
from sqlalchemy import func, select, update

from gateway.pipeline import drain as drain_mod
from gateway.pipeline import intake, queue, sms_commands
from gateway.runtime import install
from store.models import Declaration, InboundMessage, OutboundMessage, utcnow
from tests.constants import GATEWAY_NUMBER, LANDLORD
from tests.fault.stack import declaration, unique_id_numbers
from tests.support import drain as run_worker
from tests.support import sms


def ledger(rt) -> dict[str, object]:
    with rt.sessions() as session:
        return {
            "statuses": sorted(session.scalars(select(InboundMessage.status))),
            "replies": dict(session.execute(select(OutboundMessage.in_reply_to, func.count())
                                            .where(OutboundMessage.purpose == "reply")
                                            .group_by(OutboundMessage.in_reply_to)).all()),
            "declarations": session.scalar(select(func.count()).select_from(Declaration)),
        }


def jobs(rt) -> list[Job]:
    return [Job.fetch(job_id, connection=rt.redis) for job_id in rt.queue.job_ids]


def store(rt, count: int, first: int = 0) -> list[int]:
    """Messages as the webhook stores them, with no wake-up."""
    ids = unique_id_numbers(first + count)[first:]
    return [intake.store_sms(rt, sid=f"SMDRAIN{first + i}", from_number=LANDLORD, to_number=GATEWAY_NUMBER,
                             body=declaration(first + i, number))[0] for i, number in enumerate(ids)]


def flag(rt) -> bytes | None:
    return rt.redis.get(queue.drain_flag(rt))


class TestWake:
    def test_a_burst_of_webhooks_queues_one_drain_that_answers_each_message_once(self, client, enrolled):
        ids = unique_id_numbers(6)
        for i, number in enumerate(ids):
            assert sms(client, declaration(i, number), LANDLORD).status_code == 200
        assert [job.func_name for job in jobs(enrolled)] == [queue.DRAIN]
        assert flag(enrolled) is not None

        run_worker(enrolled)

        after = ledger(enrolled)
        assert after["statuses"] == ["processed"] * 6
        assert sorted(after["replies"].values()) == [1] * 6 and after["declarations"] == 6
        assert flag(enrolled) is None and enrolled.queue.count == 0

    def test_a_twilio_retry_of_a_stored_sid_wakes_nothing(self, client, enrolled):
        first = sms(client, declaration(0, unique_id_numbers(1)[0]), LANDLORD)
        run_worker(enrolled)
        again = sms(client, declaration(0, unique_id_numbers(1)[0]), LANDLORD, sid=first.sid)
        assert again.status_code == 200
        assert enrolled.queue.count == 0 and flag(enrolled) is None
        assert list(ledger(enrolled)["replies"].values()) == [1]


class TestNothingWaitsForever:
    def test_a_message_stored_while_the_flag_is_lowered_is_still_drained(self, enrolled, monkeypatch):
        """The race a flag invites: a webhook commits after the drain's last empty look and finds the flag still up
        (so queues nothing). The drain looks once more after lowering it, and answers that message."""
        store(enrolled, 2)
        queue.wake(enrolled)
        lower = drain_mod._lower_flag
        late: list[int] = []

        def lower_after_a_late_webhook(rt):
            late.extend(store(rt, 1, first=2))
            assert queue.wake(rt) and rt.queue.count == 1  # flag still up: this webhook queued nothing new
            lower(rt)

        monkeypatch.setattr(drain_mod, "_lower_flag", lower_after_a_late_webhook)
        assert drain_mod.drain() == 3
        assert ledger(enrolled)["statuses"] == ["processed"] * 3
        assert late[0] in ledger(enrolled)["replies"]

    def test_the_sweep_wakes_a_new_drain_when_the_last_one_died_holding_the_flag(self, enrolled):
        store(enrolled, 3)
        with enrolled.sessions.begin() as session:  # they have waited past DECLGATE_STUCK_AFTER
            session.execute(update(InboundMessage).values(received_at=utcnow() - dt.timedelta(minutes=5)))
        # A drain renewed the flag 90 s ago and then died with its worker.
        enrolled.redis.set(queue.drain_flag(enrolled), "1", ex=queue.DRAIN_FLAG_TTL - 90)

        assert queue.requeue(enrolled, dt.timedelta(seconds=60)) == 3
        assert [job.func_name for job in jobs(enrolled)] == [queue.DRAIN]
        run_worker(enrolled)
        assert ledger(enrolled)["statuses"] == ["processed"] * 3

    def test_the_sweep_leaves_a_live_drain_alone(self, enrolled):
        store(enrolled, 3)
        with enrolled.sessions.begin() as session:
            session.execute(update(InboundMessage).values(received_at=utcnow() - dt.timedelta(minutes=5)))
        enrolled.redis.set(queue.drain_flag(enrolled), "1", ex=queue.DRAIN_FLAG_TTL - 2)  # renewed 2 s ago

        assert queue.requeue(enrolled, dt.timedelta(seconds=60)) == 0
        assert enrolled.queue.count == 0

    def test_a_message_a_batch_fails_on_gets_its_own_job_and_the_rest_are_answered(self, enrolled, monkeypatch):
        ids = store(enrolled, 4)
        real = sms_commands.handle_sms

        def fails_on_the_third(session, inbound, result):
            if inbound.id == ids[2]:
                raise RuntimeError("a bug this message trips")
            return real(session, inbound, result)

        monkeypatch.setattr("gateway.pipeline.batch.handle_sms", fails_on_the_third)
        assert drain_mod.drain() == 4
        after = ledger(enrolled)
        assert sorted(after["replies"]) == [ids[0], ids[1], ids[3]]
        assert [(job.func_name, job.args) for job in jobs(enrolled)] == [(queue.PROCESS, (ids[2],))]
        # Later drains leave it to that job (RQ retries it, then the officers' queue gets it).
        assert drain_mod.drain() == 0

        monkeypatch.setattr("gateway.pipeline.batch.handle_sms", real)
        run_worker(enrolled)
        assert ledger(enrolled)["statuses"] == ["processed"] * 4


class TestSteadyLoad:
    def test_after_a_partial_batch_the_drain_lets_the_next_one_gather(self, enrolled, monkeypatch):
        """Under steady load messages trickle in while a batch is worked: the drain waits DECLGATE_BATCH_WAIT
        before the next claim, so what arrived meanwhile goes in one batch, not one message at a time."""
        install(dataclasses.replace(enrolled, settings=dataclasses.replace(enrolled.settings, batch_wait=0.5)))
        store(enrolled, 2)
        sleeps: list[float] = []
        batches: list[int] = []
        real = drain_mod.process_waiting

        def trickle(seconds):  # instead of sleeping: the webhooks that land during the wait
            sleeps.append(seconds)
            if len(sleeps) == 2:  # the wait after the first batch
                store(enrolled, 3, first=2)

        def counted(rt):
            batches.append(real(rt))
            return batches[-1]

        monkeypatch.setattr(drain_mod, "time", SimpleNamespace(sleep=trickle))  # the drain's waits only
        monkeypatch.setattr(drain_mod, "process_waiting", counted)
        assert drain_mod.drain() == 5
        assert batches[:3] == [2, 3, 0] and not any(batches[3:])
        assert sleeps[:3] == [0.5, 0.5, 0.5]  # before the first batch, after each partial one
        assert ledger(enrolled)["statuses"] == ["processed"] * 5

    def test_a_full_batch_is_followed_at_once(self, enrolled, monkeypatch):
        install(dataclasses.replace(enrolled, settings=dataclasses.replace(enrolled.settings, batch_size=2,
                                                                                    batch_wait=0.5)))
        store(enrolled, 4)
        sleeps: list[float] = []
        monkeypatch.setattr(drain_mod, "time", SimpleNamespace(sleep=sleeps.append))
        assert drain_mod.drain() == 4
        assert sleeps == [0.5]  # a backlog is worked without pauses; the drain then finds nothing


class TestScaleOut:
    def test_a_full_batch_calls_a_second_worker_in(self, enrolled):
        install(dataclasses.replace(enrolled, settings=dataclasses.replace(enrolled.settings, batch_size=2)))
        store(enrolled, 5)
        queue.wake(enrolled)
        [primary] = jobs(enrolled)
        enrolled.queue.remove(primary)

        assert drain_mod.drain() == 5
        helpers = jobs(enrolled)
        assert [(job.func_name, job.args) for job in helpers] == [(queue.DRAIN, (True,))]
        assert flag(enrolled) is None  # a helper never holds it
        run_worker(enrolled)
        assert ledger(enrolled)["statuses"] == ["processed"] * 5

    @pytest.mark.parametrize("backend", [pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.redis])],
                             indirect=True)
    def test_drains_on_four_threads_never_take_one_message_twice(self, enrolled):
        """Small batches on four concurrent drains (SKIP LOCKED between them): each message stored and answered once."""
        install(dataclasses.replace(enrolled, settings=dataclasses.replace(enrolled.settings, batch_size=3,
                                                                           rate_limit_per_hour=1000)))
        ids = store(enrolled, 40)
        errors: list[BaseException] = []

        def work() -> None:
            try:
                drain_mod.drain(helper=True)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors
        after = ledger(enrolled)
        assert after["statuses"] == ["processed"] * 40
        assert after["replies"] == {i: 1 for i in ids} and after["declarations"] == 40


class SlowProvider:
    """A provider whose every call waits on the network; it records how many calls were in flight at once."""

    kind = "twilio"
    reports_delivery = True

    def __init__(self) -> None:
        self.lock, self.in_flight, self.most, self.sent = threading.Lock(), 0, 0, []

    def send(self, to: str, body: str, from_: str | None = None) -> str:
        with self.lock:
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
        threading.Event().wait(0.05)
        with self.lock:
            self.in_flight -= 1
            self.sent.append(body)
            return f"SM{len(self.sent):032d}"


class TestSendingReplies:
    def test_a_batch_sends_its_replies_side_by_side_and_each_once(self, enrolled):
        provider = SlowProvider()
        install(dataclasses.replace(enrolled, sender=provider,
                                    settings=dataclasses.replace(enrolled.settings, send_threads=4)))
        ids = store(enrolled, 12)
        assert drain_mod.drain() == 12
        assert len(provider.sent) == 12 and 1 < provider.most <= 4
        with enrolled.sessions() as session:
            statuses = list(session.scalars(select(OutboundMessage.status).where(OutboundMessage.in_reply_to.in_(ids))))
        assert sorted(statuses) == ["queued"] * 12  # accepted by the provider; receipts say the rest

    def test_one_thread_sends_one_at_a_time(self, enrolled):
        provider = SlowProvider()
        install(dataclasses.replace(enrolled, sender=provider,
                                    settings=dataclasses.replace(enrolled.settings, send_threads=1)))
        store(enrolled, 3)
        drain_mod.drain()
        assert len(provider.sent) == 3 and provider.most == 1
