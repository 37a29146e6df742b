"""Redis and PostgreSQL going away while webhooks arrive: nothing acknowledged is lost, nothing lost is acknowledged.

Real gunicorn web and `declgate worker` processes, as in production, against a PostgreSQL cluster and
a redis-server that these tests start for themselves (tests/fault/stack.py: PrivatePostgres,
PrivateRedis) and stop at will; the shared servers on 5432/6379 are never touched, so
`python -m pytest -m fault -k outage` can run while others use them. A PostgreSQL outage is met by
the spool (gateway.pipeline.spool): webhooks answer 200 and the replay stores everything afterwards.
"""
from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
from sqlalchemy import select

from gateway.pipeline.spool import Entry, Spool
from store import sealed
from store.db import make_engine, make_sessionmaker
from store.keyring import Keyring
from store.models import Declaration, InboundMessage, OutboundMessage, utcnow
from tests.constants import KEYS
from tests.databases import fresh_database
from tests.fault import stack as st

pytestmark = [pytest.mark.fault]

MESSAGES = 60

TWILIO_LIMIT = 15.0  # seconds Twilio gives a webhook, retries included (connection overrides' `tt`)


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """A private PostgreSQL cluster (migrated) and a private Redis with an fsynced append-only file."""
    pg = st.PrivatePostgres()
    store = st.PrivateRedis(tmp_path_factory.mktemp("redis"))
    try:
        pg.start()
        fresh_database(pg.url)
        store.start()
        yield pg, store
    finally:
        store.close()
        pg.close()


@pytest.fixture(scope="module")
def volatile_store(tmp_path_factory):
    """A private Redis configured like the CI's (no persistence): a restart empties it, queue included."""
    store = st.PrivateRedis(tmp_path_factory.mktemp("volatile-redis"), persistent=False)
    try:
        store.start()
        yield store
    finally:
        store.close()


@pytest.fixture
def volatile_redis(private, volatile_store, deployment):
    """The deployment on the private PostgreSQL and the Redis without persistence."""
    pg, _store, engine = private
    if not volatile_store.up():
        volatile_store.start()
    redis.Redis.from_url(volatile_store.url).flushall()
    deployment.redis_url = volatile_store.url
    yield pg, volatile_store, engine
    if not volatile_store.up():
        volatile_store.start()


@pytest.fixture
def private(servers):
    """Both private servers up and empty when the test starts, and up again after it, whatever it stopped."""
    pg, store = servers
    if not pg.up():
        pg.start()
    if not store.up():
        store.start()
    redis.Redis.from_url(store.url).flushall()
    engine = sealed.attach(make_engine(pg.url), Keyring(**KEYS))
    st.truncate(engine)
    yield pg, store, engine
    engine.dispose()
    if not store.up():
        store.start()
    if not pg.up():
        pg.start()


@pytest.fixture
def deployment(private, tmp_path, request):
    """Web and worker processes on the private servers, spooling under tmp_path; ended after the test."""
    pg, store, _engine = private
    (tmp_path / "logs").mkdir()
    stack = st.Stack(database_url=pg.url, redis_url=store.url, logdir=tmp_path / "logs",
                     extra_env={"DECLGATE_QUEUE": f"declgate-outage-{uuid.uuid4().hex[:6]}",
                                "SPOOL_DIR": str(tmp_path / "spool"), "DECLGATE_REPLAY_EVERY": "0.5"})
    yield stack
    stack.close()
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        print(stack.logs()[-30000:])


def health(port: int) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@dataclass
class Sent:
    sid: str
    status: int
    seconds: float
    body: str
    sender: str


@dataclass
class Load:
    """Landlords texting steadily, each in order: a move-in, then the same tenant's move-out, and again.

    A move-out handled before its move-in finds no tenant and is rejected, so "every message processed"
    also says that each sender's messages were handled in the order sent.
    """

    stack: st.Stack
    port: int
    phones: list[str]
    every: float = 1.0  # seconds between one sender's messages
    sent: dict[str, list[Sent]] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> Load:
        numbers = st.unique_id_numbers(200 * len(self.phones))
        for index, phone in enumerate(self.phones):
            self.sent[phone] = []
            thread = threading.Thread(target=self._text, args=(index, phone, numbers[index * 200:]), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def _text(self, index: int, phone: str, numbers: list[str]) -> None:
        step = 0
        while not self._stop.is_set():
            number = numbers[step // 2]
            body = st.declaration(index * 200 + step // 2, number) if step % 2 == 0 else f"退租 {number}"
            started = time.monotonic()
            posted = self.stack.post_sms(self.port, body, phone)
            self.sent[phone].append(Sent(posted.sid, posted.status, time.monotonic() - started, body, phone))
            step += 1
            self._stop.wait(self.every)

    def stop(self) -> list[Sent]:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)
        return [s for sent in self.sent.values() for s in sent]


def ids_by_sid(engine, sids: list[str]) -> dict[str, int]:
    with make_sessionmaker(engine)() as session:
        return dict(session.execute(select(InboundMessage.provider_sid, InboundMessage.id)
                                    .where(InboundMessage.provider_sid.in_(sids))).all())


def assert_in_order_per_sender(engine, load: Load) -> None:
    """Each sender's messages were stored, and answered, in the order sent."""
    everything = [s.sid for sent in load.sent.values() for s in sent]
    ids = ids_by_sid(engine, everything)
    with make_sessionmaker(engine)() as session:
        replies = dict(session.execute(select(OutboundMessage.in_reply_to, OutboundMessage.id)
                                       .where(OutboundMessage.purpose == "reply")).all())
    for phone, sent in load.sent.items():
        stored = [ids[s.sid] for s in sent]
        assert stored == sorted(stored), f"{phone}'s messages were stored out of order"
        answered = [replies[i] for i in stored]
        assert answered == sorted(answered), f"{phone}'s messages were answered out of order"


class TestRedisOutage:
    def test_webhooks_during_a_redis_restart_are_answered_and_all_handled(self, deployment, volatile_redis):
        """Every webhook gets 200 while Redis restarts (losing its queue); the sweep and `declgate requeue`
        queue what was missed."""
        _pg, store, engine = volatile_redis
        phones = st.enrol_landlords(engine, 4)
        ids = st.unique_id_numbers(MESSAGES)
        port = deployment.start_web()
        deployment.start_worker()
        posted: list[st.Posted] = []

        def post_steadily():
            for i, number in enumerate(ids):
                posted.append(deployment.post_sms(port, st.declaration(i, number), phones[i % 4]))
                time.sleep(0.05)

        sender = threading.Thread(target=post_steadily)
        sender.start()
        try:
            st.wait_until(lambda: len(posted) >= MESSAGES // 4, 30, "the first webhooks")
            store.stop()
            st.wait_until(lambda: len(posted) >= MESSAGES // 2, 30, "webhooks during the outage")
            assert health(port)[1]["redis"].startswith("error")
        finally:
            store.start()
            sender.join()
        requeued = deployment.cli("requeue")
        ledger = st.settle(engine, MESSAGES, timeout=90)

        assert [p.status for p in posted] == [200] * MESSAGES
        assert requeued.returncode == 0 and requeued.stdout.startswith("requeued ")
        assert st.sids_stored(engine, [p.sid for p in posted]) == {p.sid: 1 for p in posted}
        assert ledger.by_status == {"processed": MESSAGES}
        assert ledger.declarations == MESSAGES and ledger.duplicate_declarations == 0
        assert ledger.replies == MESSAGES and ledger.inbound_without_one_reply == 0
        assert "stored but not queued" in deployment.logs()


class TestPostgresOutage:
    def test_postgres_stopped_for_30s_under_signed_load_loses_nothing(self, deployment, private):
        """Every webhook gets 200 in time while PostgreSQL is down for 30 s; once it is back every message
        is stored, declared and replied exactly once, in order per sender."""
        pg, _store, engine = private
        phones = st.enrol_landlords(engine, 4)
        port = deployment.start_web()
        deployment.start_worker()
        load = Load(deployment, port, phones).start()
        try:
            time.sleep(5)
            pg.stop()
            stopped = time.monotonic()
            time.sleep(15)
            during_status, during = health(port)
            time.sleep(max(0.0, 30 - (time.monotonic() - stopped)))
        finally:
            if not pg.up():
                pg.start()
        time.sleep(10)  # texting goes on: these wait behind the spooled ones
        sent = load.stop()
        ledger = st.settle(engine, len(sent), timeout=240)

        assert [s.status for s in sent] == [200] * len(sent)
        assert max(s.seconds for s in sent) < TWILIO_LIMIT
        assert during_status == 503 and during["database"].startswith("error")
        assert during["spool"]["in_redis"] > 0  # Redis was up: the stream took them
        assert st.sids_stored(engine, [s.sid for s in sent]) == {s.sid: 1 for s in sent}
        assert ledger.by_status == {"processed": len(sent)}
        assert ledger.replies == len(sent) and ledger.inbound_without_one_reply == 0
        move_ins = sum(1 for s in sent if s.body.startswith("登记"))
        assert ledger.declarations == move_ins and ledger.duplicate_declarations == 0
        assert_in_order_per_sender(engine, load)
        assert health(port)[1]["spool"]["entries"] == 0
        assert "spool replay:" in deployment.logs()


class TestPostgresAndRedisOutage:
    def test_both_stopped_the_file_spool_takes_the_load(self, deployment, private, tmp_path):
        """With PostgreSQL and Redis both down the web processes' files take every message (Twilio retries
        included); after both return nothing is lost or doubled."""
        pg, store, engine = private
        phones = st.enrol_landlords(engine, 2)
        port = deployment.start_web()
        deployment.start_worker()
        load = Load(deployment, port, phones, every=0.5).start()
        retries: list[st.Posted] = []
        try:
            time.sleep(3)
            pg.stop()
            store.stop()
            time.sleep(8)
            files = sorted(p.name for p in (tmp_path / "spool").glob("*.jsonl"))
            during_status, during = health(port)
            # Twilio retrying two of the messages sent during the outage (same SID, same text).
            retried = [s for s in load.sent[phones[0]] if s.status == 200][-2:]
            retries += [deployment.post_sms(port, s.body, s.sender, s.sid) for s in retried]
            time.sleep(7)
        finally:
            if not store.up():
                store.start()
            if not pg.up():
                pg.start()
        time.sleep(5)
        retries += [deployment.post_sms(port, s.body, s.sender, s.sid) for s in retried]  # and once more after
        sent = load.stop()
        ledger = st.settle(engine, len(sent), timeout=240)

        assert [s.status for s in sent] + [p.status for p in retries] == [200] * (len(sent) + len(retries))
        assert max(s.seconds for s in sent) < TWILIO_LIMIT
        assert files, "no spool file was written while both servers were down"
        assert during_status == 503 and during["spool"]["in_files"] > 0 and during["spool"]["in_redis"] is None
        assert st.sids_stored(engine, [s.sid for s in sent]) == {s.sid: 1 for s in sent}
        assert ledger.by_status == {"processed": len(sent)}
        assert ledger.replies == len(sent) and ledger.inbound_without_one_reply == 0
        assert ledger.duplicate_declarations == 0
        assert_in_order_per_sender(engine, load)
        assert health(port)[1]["spool"]["entries"] == 0


class TestKilledWebProcessOutage:
    def test_a_restarted_web_process_replays_what_a_killed_one_spooled(self, deployment, private, tmp_path):
        """A web process SIGKILLed with entries in its spool file leaves them on disk; the next web process on
        the host replays them (with no worker running at all), oldest first, and a worker then handles them."""
        pg, store, engine = private
        [phone] = st.enrol_landlords(engine, 1)
        numbers = st.unique_id_numbers(8)
        first = deployment.start_web(processes=1)
        pg.stop()
        store.stop()
        spooled = [deployment.post_sms(first, st.declaration(i, number), phone) for i, number in enumerate(numbers)]
        deployment.kill_web(first)
        pg.start()
        store.start()
        left = list((tmp_path / "spool").glob("*.jsonl"))
        assert [p.status for p in spooled] == [200] * len(spooled)
        assert left and st.sids_stored(engine, [p.sid for p in spooled]) == {p.sid: 0 for p in spooled}

        second = deployment.start_web(processes=1)
        later = deployment.post_sms(second, "帮助", phone)  # any webhook makes it look at the spool
        sids = [p.sid for p in spooled] + [later.sid]
        st.wait_until(lambda: sum(st.sids_stored(engine, sids).values()) == len(sids), 60,
                      "the new web process to replay the dead one's file")
        ids = ids_by_sid(engine, sids)
        assert [ids[sid] for sid in sids] == sorted(ids.values())  # the dead process's first, in their order
        assert not list((tmp_path / "spool").glob("*.jsonl")) and not list((tmp_path / "spool").glob("*.claimed"))

        deployment.start_worker()
        ledger = st.settle(engine, len(sids), timeout=120)
        assert later.status == 200 and ledger.by_status == {"processed": len(sids)}
        assert ledger.declarations == len(numbers) and ledger.inbound_without_one_reply == 0


class TestReplayDataFailureOutage:
    def test_an_entry_the_database_refuses_goes_to_the_officers_and_blocks_nothing(self, deployment, private):
        """A spooled entry PostgreSQL refuses at replay (here a 40-character sender, written to the stream as
        an older webhook might have: today's refuses it with 400) becomes an open `spool_replay_failed` item;
        the messages spooled after it are stored, handled and answered."""
        pg, store, engine = private
        [phone] = st.enrol_landlords(engine, 1)
        numbers = st.unique_id_numbers(4)
        port = deployment.start_web()
        deployment.start_worker()
        pg.stop()
        try:
            before = deployment.post_sms(port, st.declaration(0, numbers[0]), phone)
            spool = Spool(Path(deployment.extra_env["SPOOL_DIR"]), keyring=Keyring(**KEYS),
                          redis=redis.Redis.from_url(store.url),
                          stream=f"{deployment.extra_env['DECLGATE_QUEUE']}:spool")
            bad = Entry(sid="SM" + uuid.uuid4().hex, from_number="+86" + "1" * 37, to_number=st.GATEWAY_NUMBER,
                        body=st.declaration(3, numbers[3]), received_at=utcnow())
            assert spool.write(bad) == "redis"
            after = [deployment.post_sms(port, st.declaration(i, numbers[i]), phone) for i in (1, 2)]
        finally:
            pg.start()
        ledger = st.settle(engine, 4, timeout=120)

        assert [p.status for p in [before, *after]] == [200] * 3
        assert ledger.by_status == {"processed": 3, "rejected": 1}
        assert ledger.replies == 3 and ledger.inbound_without_one_reply == 1  # officers decide on the fourth
        with make_sessionmaker(engine)() as session:
            refused = session.scalar(select(InboundMessage).where(InboundMessage.provider_sid == bad.sid))
            declared = session.scalar(select(Declaration.id).limit(1))
        assert (refused.review_state, refused.review_reason) == ("open", "spool_replay_failed")
        assert refused.codes[0].startswith("spool_replay_failed:") and len(refused.from_number) == 32
        assert declared is not None and ledger.declarations == 3
        assert health(port)[1]["spool"]["entries"] == 0
