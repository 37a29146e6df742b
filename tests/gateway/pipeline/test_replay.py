"""gateway.pipeline.replay: spooled messages reach the database once, in arrival order, and nothing blocks the rest."""
from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DataError, OperationalError

from gateway.pipeline import intake, replay
from gateway.pipeline.spool import Entry, Spool, spool_for
from store.models import InboundMessage, utcnow
from tests.constants import LANDLORD
from tests.support import drain, reply_to

ID_A = "350102199001011238"
ID_B = "110101199003074477"
ID_C = "440304198506120027"


def entry(sid: str, body: str, seconds_ago: float, sender: str = LANDLORD) -> Entry:
    return Entry(sid=sid, from_number=sender, to_number="+8610690000", body=body,
                 received_at=utcnow() - dt.timedelta(seconds=seconds_ago))


def stored(rt) -> list[InboundMessage]:
    with rt.sessions() as session:
        return list(session.scalars(select(InboundMessage).order_by(InboundMessage.id)))


def file_only(rt) -> Spool:
    """The deployment's spool directory without Redis: what a web process writes when Redis is down too."""
    spool = spool_for(rt)
    return Spool(spool.directory, keyring=rt.keyring, redis=None, stream=spool.stream)


@pytest.fixture
def three(enrolled):
    """Three declarations spooled a minute, 50 s and 40 s ago."""
    spool = spool_for(enrolled)
    spool.write(entry("SMfirst", f"登记 张三 {ID_A} 301", 60))
    spool.write(entry("SMsecond", f"登记 李四 {ID_B} 302", 50))
    spool.write(entry("SMthird", f"登记 王五 {ID_C} 303", 40))
    return enrolled


class TestReplay:
    def test_stores_in_arrival_order_and_queues_them(self, three):
        """Every entry becomes a row in the order it arrived, dated when it arrived, then is handled and replied."""
        result = replay.replay(three)
        assert (result.stored, result.handled, result.interrupted) == (3, 3, False)
        rows = stored(three)
        assert [row.provider_sid for row in rows] == ["SMfirst", "SMsecond", "SMthird"]
        assert utcnow() - rows[0].received_at > dt.timedelta(seconds=55)
        assert spool_for(three).depth().entries == 0
        drain(three)
        assert [len(reply_to(three, sid)) for sid in ("SMfirst", "SMsecond", "SMthird")] == [1, 1, 1]

    def test_a_message_stored_already_is_stored_once(self, three):
        """A Twilio retry that reached the database as well as the spool gives one row and one job."""
        intake.store_sms(three, sid="SMsecond", from_number=LANDLORD, to_number="+8610690000",
                         body=f"登记 李四 {ID_B} 302")
        result = replay.replay(three)
        assert (result.stored, result.already) == (2, 1)
        assert sorted(row.provider_sid for row in stored(three)) == ["SMfirst", "SMsecond", "SMthird"]

    def test_data_failure_goes_to_the_officers_and_blocks_nothing(self, three, monkeypatch):
        """An entry the database refuses for what it holds becomes an open `spool_replay_failed` item;
        the entries after it are stored as usual."""
        real = intake.store_sms

        def refuse_second(rt, **fields):
            if fields["sid"] == "SMsecond":
                raise DataError("INSERT", {}, Exception("invalid input"))
            return real(rt, **fields)

        monkeypatch.setattr(intake, "store_sms", refuse_second)
        result = replay.replay(three)
        assert (result.stored, result.to_officers, result.interrupted) == (2, 1, False)
        failed = {row.provider_sid: row for row in stored(three)}["SMsecond"]
        assert (failed.status, failed.review_state, failed.review_reason) == ("rejected", "open",
                                                                               "spool_replay_failed")
        assert failed.codes == ["spool_replay_failed:DataError"]
        assert failed.body == f"登记 李四 {ID_B} 302" and failed.precinct_id is not None
        assert spool_for(three).depth().entries == 0
        drain(three)
        assert reply_to(three, "SMsecond") == []  # nothing is told the landlord; officers decide

    def test_outage_again_stops_the_pass_and_keeps_the_rest(self, three, monkeypatch):
        """When the database goes away mid-pass the entries not stored stay, and the next pass resumes in order."""
        real = intake.store_sms
        calls = []

        def fail_after_one(rt, **fields):
            calls.append(fields["sid"])
            if len(calls) > 1:
                raise OperationalError("INSERT", {}, Exception("connection refused"))
            return real(rt, **fields)

        monkeypatch.setattr(intake, "store_sms", fail_after_one)
        result = replay.replay(three)
        assert (result.stored, result.interrupted) == (1, True)
        assert spool_for(three).depth().entries == 2
        monkeypatch.setattr(intake, "store_sms", real)
        assert replay.replay(three).stored == 2
        assert [row.provider_sid for row in stored(three)] == ["SMfirst", "SMsecond", "SMthird"]

    def test_nothing_is_claimed_while_the_database_does_not_answer(self, three, monkeypatch):
        """A pass during the outage leaves the spool as it is (files keep their names)."""
        monkeypatch.setattr(replay, "_database_answers", lambda rt: False)
        before = sorted(p.name for p in spool_for(three).directory.iterdir()) \
            if spool_for(three).directory.exists() else []
        assert replay.replay(three).handled == 0
        after = sorted(p.name for p in spool_for(three).directory.iterdir()) \
            if spool_for(three).directory.exists() else []
        assert before == after and spool_for(three).depth().entries == 3

    def test_an_empty_spool_costs_no_database_round_trip(self, enrolled, monkeypatch):
        """With nothing waiting the pass returns before asking the database anything."""
        monkeypatch.setattr(replay, "_database_answers", lambda rt: pytest.fail("asked the database"))
        assert replay.replay(enrolled).handled == 0

    def test_unreadable_entry_is_set_aside(self, three):
        """A line nothing can read is set aside (and counted), the others stored."""
        spool = file_only(three)
        spool.directory.mkdir(parents=True, exist_ok=True)
        (spool.directory / "999999.jsonl").write_text('{"t": 1.0, "e": "g1:feedbeef:AAAA"}\n')
        result = replay.replay(three)
        assert (result.stored, result.set_aside) == (3, 1)
        assert spool.depth().unreadable == 1

    def test_unstorable_even_for_officers_is_set_aside(self, three, monkeypatch):
        """When the officers' copy is refused too the entry is set aside rather than retried forever."""
        real = intake.store_sms

        def refuse_second(rt, **fields):
            if fields["sid"] == "SMsecond":
                raise DataError("INSERT", {}, Exception("invalid input"))
            return real(rt, **fields)

        def refuse_copy(*_args, **_kwargs):
            raise DataError("INSERT", {}, Exception("still invalid"))

        monkeypatch.setattr(intake, "store_sms", refuse_second)
        monkeypatch.setattr(replay, "_officers_row", refuse_copy)
        result = replay.replay(three)
        assert (result.stored, result.set_aside) == (2, 1)
        assert spool_for(three).depth().unreadable == 1


class TestOnPostgres:
    """What needs the real servers: the stream beside the files, and PostgreSQL's own refusals."""

    @pytest.fixture(autouse=True)
    def _postgres_only(self, backend):
        if backend != "postgres":
            pytest.skip("the Redis stream and PostgreSQL's type checks need the real servers")

    def test_stream_and_files_are_merged_by_arrival(self, enrolled):
        """Entries split between the stream and a file (Redis came and went) are stored in arrival order."""
        stream, files = spool_for(enrolled), file_only(enrolled)
        stream.write(entry("SM1", "HELP", 50))
        files.write(entry("SM2", "HELP", 40))
        stream.write(entry("SM3", "HELP", 30))
        files.write(entry("SM4", "HELP", 20))
        assert enrolled.redis.xlen(stream.stream) == 2
        assert replay.replay(enrolled).stored == 4
        assert [row.provider_sid for row in stored(enrolled)] == ["SM1", "SM2", "SM3", "SM4"]

    def test_a_number_too_long_for_the_column_reaches_the_officers(self, enrolled):
        """PostgreSQL refuses a 40-character number; the officers' copy keeps what fits, the rest replays."""
        spool = spool_for(enrolled)
        spool.write(entry("SMlong", "HELP", 30, sender="+86" + "1" * 37))
        spool.write(entry("SMfine", "HELP", 20))
        result = replay.replay(enrolled)
        assert (result.stored, result.to_officers) == (1, 1)
        failed = {row.provider_sid: row for row in stored(enrolled)}["SMlong"]
        assert failed.review_reason == "spool_replay_failed" and len(failed.from_number) == 32
        assert failed.codes[0].startswith("spool_replay_failed:")

    def test_a_read_only_database_is_not_replayed_into(self, enrolled):
        """While PostgreSQL answers read-only (a standby during a failover) a pass stores and claims nothing."""
        from sqlalchemy import event

        def read_only(dbapi_conn, _record):
            with dbapi_conn.cursor() as cur:
                cur.execute("SET default_transaction_read_only = on")

        file_only(enrolled).write(entry("SM1", "HELP", 10))
        files = sorted(p.name for p in spool_for(enrolled).directory.iterdir())
        engine = enrolled.intake_engine
        engine.dispose()
        event.listen(engine, "connect", read_only)
        try:
            assert replay.replay(enrolled).handled == 0
        finally:
            event.remove(engine, "connect", read_only)
            engine.dispose()
        assert sorted(p.name for p in spool_for(enrolled).directory.iterdir()) == files
        assert replay.replay(enrolled).stored == 1

    def test_a_busy_stream_waits_for_its_replayer(self, enrolled):
        """While another replayer has the stream's turn, a pass stores nothing (and claims no file)."""
        spool = spool_for(enrolled)
        spool.write(entry("SM1", "HELP", 10))
        with spool.stream_turn() as (_reader, busy):
            assert not busy
            assert replay.replay(enrolled).handled == 0
        assert replay.replay(enrolled).stored == 1


class TestWhoReplays:
    def test_replay_forever_stores_what_arrives_until_stopped(self, enrolled):
        """The worker's replay thread stores an entry spooled while it runs, and ends when asked."""
        stop = threading.Event()
        thread = threading.Thread(target=replay.replay_forever, args=(enrolled, stop, 0.05))
        thread.start()
        try:
            spool_for(enrolled).write(entry("SMlater", "HELP", 1))
            deadline = time.monotonic() + 20
            while not stored(enrolled) and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            stop.set()
            thread.join(10)
        assert [row.provider_sid for row in stored(enrolled)] == ["SMlater"] and not thread.is_alive()

    def test_drain_in_background_runs_until_nothing_waits(self, three):
        """A web process's drain thread stores everything, then ends by itself."""
        replay.drain_in_background(three)
        key = (str(spool_for(three).directory), spool_for(three).stream)
        replay._drainers[key].join(30)
        assert not replay._drainers[key].is_alive()
        assert [row.provider_sid for row in stored(three)] == ["SMfirst", "SMsecond", "SMthird"]
