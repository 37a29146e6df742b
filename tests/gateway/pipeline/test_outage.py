"""The webhooks during a database outage: SMS spooled and answered as usual, callers told to call again."""
from __future__ import annotations

import psycopg
import pytest
import redis
from sqlalchemy import event, select
from sqlalchemy.exc import DataError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from gateway.app import create_app
from gateway.pipeline import intake, outage, replay
from gateway.pipeline import spool as spool_mod
from gateway.pipeline.spool import spool_for
from gateway.webhooks.sms import EMPTY_TWIML
from gateway.webhooks.voice_port import DatabasePort
from store.models import Declaration, InboundMessage
from tests.constants import LANDLORD
from tests.support import PhoneCall, drain, reply_to, signed_post, sms

ID_A = "350102199001011238"
ID_B = "110101199003074477"


def refused(*_args, **_kwargs):
    raise OperationalError("INSERT", {}, Exception("connection refused"))


def sids(rt) -> list[str]:
    with rt.sessions() as session:
        return list(session.scalars(select(InboundMessage.provider_sid).order_by(InboundMessage.id)))


@pytest.fixture
def drains(monkeypatch) -> list:
    """The web process's drain thread, recorded instead of started: each test replays when it chooses."""
    started: list = []
    monkeypatch.setattr(replay, "drain_in_background", started.append)
    return started


@pytest.fixture
def look_every_time(monkeypatch):
    """Every request looks at the spool afresh (a process otherwise trusts its last look for a second)."""
    monkeypatch.setattr(spool_mod, "WAITING_FOR", 0.0)


class TestDatabaseUnavailable:
    @pytest.mark.parametrize("exc", [
        OperationalError("INSERT", {}, Exception("connection refused")),
        InterfaceError("INSERT", {}, Exception("connection already closed")),
        OperationalError("INSERT", {}, psycopg.errors.AdminShutdown("terminating connection")),
        OperationalError("INSERT", {}, psycopg.errors.CannotConnectNow("the database system is starting up")),
        OperationalError("INSERT", {}, psycopg.errors.DiskFull("could not extend file")),
        PoolTimeout("QueuePool limit reached"),
    ], ids=lambda exc: type(getattr(exc, "orig", exc)).__name__)
    def test_outages(self, exc):
        """Refused, closed, shut down, starting up, out of disk, no pooled connection: the database is away."""
        assert outage.database_unavailable(exc)

    def test_read_only_standby(self):
        """A read-only transaction (SQLSTATE 25006, a standby during a failover) is an outage."""
        from sqlalchemy.exc import InternalError

        exc = InternalError("INSERT", {}, psycopg.errors.ReadOnlySqlTransaction("read-only transaction"))
        assert outage.database_unavailable(exc)

    @pytest.mark.parametrize("exc", [
        DataError("INSERT", {}, psycopg.errors.StringDataRightTruncation("value too long")),
        IntegrityError("INSERT", {}, psycopg.errors.UniqueViolation("duplicate key")),
        DataError("INSERT", {}, Exception("invalid input")),
        ValueError("not a database error"),
    ], ids=lambda exc: type(getattr(exc, "orig", exc)).__name__)
    def test_refusals_of_the_row_are_not_outages(self, exc):
        """What the database refuses for its content is not spooled: it would be refused again at every replay."""
        assert not outage.database_unavailable(exc)

    def test_invalidated_connection_is_an_outage(self):
        """A connection the database dropped under the statement counts as away, whatever the error."""
        exc = DataError("INSERT", {}, Exception("server closed the connection"), connection_invalidated=True)
        assert outage.database_unavailable(exc)


class TestSmsDuringAnOutage:
    def test_answered_as_usual_and_stored_by_the_replay(self, client, enrolled, monkeypatch, drains):
        """The webhook answers 200 with empty TwiML, the message waits in the spool, and once the database is
        back the replay stores it, the worker handles it and the landlord gets one reply."""
        monkeypatch.setattr(intake, "store_sms", refused)
        response = sms(client, f"登记 张三 {ID_A} 301", LANDLORD)
        assert response.status_code == 200 and response.get_data(as_text=True) == EMPTY_TWIML
        assert sids(enrolled) == [] and spool_for(enrolled).depth().entries == 1
        assert drains == [enrolled]  # this process replays its own spool once it can
        monkeypatch.undo()
        assert replay.replay(enrolled).stored == 1
        drain(enrolled)
        assert len(reply_to(enrolled, response.sid)) == 1

    def test_later_messages_join_the_spool_until_it_is_replayed(self, client, enrolled, monkeypatch, drains,
                                                               look_every_time):
        """While anything waits in the spool a new message joins it, even with the database back, so a
        sender's messages are handled in the order sent; once replayed, messages are stored directly again."""
        real = intake.store_sms
        monkeypatch.setattr(intake, "store_sms", refused)
        moved_in = sms(client, f"登记 张三 {ID_A} 301", LANDLORD)
        monkeypatch.setattr(intake, "store_sms", real)
        moved_out = sms(client, f"退租 {ID_A}", LANDLORD)  # the database answers, but the move-in waits
        assert sids(enrolled) == [] and spool_for(enrolled).depth().entries == 2
        assert replay.replay(enrolled).stored == 2
        third = sms(client, f"登记 李四 {ID_B} 302", LANDLORD)
        assert sids(enrolled) == [moved_in.sid, moved_out.sid, third.sid]  # the third went straight in
        drain(enrolled)
        with enrolled.sessions() as session:
            statuses = sorted(session.scalars(select(Declaration.status)))
        assert statuses == ["active", "ended"]  # 张三 moved in, then out; 李四 lives there

    def test_content_the_database_refuses_is_still_a_400(self, client, enrolled, monkeypatch, drains):
        """A value the database can never hold gets a 400 (Twilio stops) and is not spooled."""
        def refuse(*_args, **_kwargs):
            raise DataError("INSERT", {}, Exception("value too long"))

        monkeypatch.setattr(intake, "store_sms", refuse)
        assert sms(client, "HELP", LANDLORD).status_code == 400
        assert spool_for(enrolled).depth().entries == 0 and drains == []

    def test_503_only_when_not_even_the_disk_takes_it(self, settings, rt, enrolled, tmp_path, monkeypatch, drains):
        """With the database away, no Redis stream and an unwritable spool directory, the webhook answers 503."""
        blocker = tmp_path / "a-file"
        blocker.write_text("")
        client = create_app(settings.with_(spool_dir=str(blocker / "spool"), spool_redis=False), rt=rt,
                            test_config={"TESTING": True}).test_client()
        monkeypatch.setattr(intake, "store_sms", refused)
        assert sms(client, "HELP", LANDLORD).status_code == 503

    def test_a_read_only_database_spools(self, client, enrolled, backend, drains):
        """A PostgreSQL that accepts connections but no writes (a standby during a failover) spools too."""
        if backend != "postgres":
            pytest.skip("SQLite has no read-only standby")

        def read_only(dbapi_conn, _record):
            with dbapi_conn.cursor() as cur:
                cur.execute("SET default_transaction_read_only = on")

        engine = enrolled.intake_engine
        engine.dispose()
        event.listen(engine, "connect", read_only)
        try:
            response = sms(client, "HELP", LANDLORD)
        finally:
            event.remove(engine, "connect", read_only)
            engine.dispose()
        assert response.status_code == 200 and sids(enrolled) == []
        assert replay.replay(enrolled).stored == 1 and sids(enrolled) == [response.sid]


class TestVoiceDuringAnOutage:
    def _to_property_step(self, call: PhoneCall) -> None:
        call.start()
        call.press("1")  # Mandarin
        call.press("1")  # declare a move-in
        call.press(ID_A + "#")
        call.press("1")  # the read-back is right

    def test_caller_is_asked_to_call_again(self, client, enrolled, monkeypatch, twiml_schema):
        """A step the database cannot serve is answered with "call again in a few minutes" in both
        languages and a hang-up, as valid TwiML; nothing is stored."""
        call = PhoneCall(client, "+8613900001111", schema=twiml_schema)
        self._to_property_step(call)
        monkeypatch.setattr(DatabasePort, "find_property", refused)
        call.press("100001#")
        assert "<Hangup" in call.twiml
        assert "请过几分钟再拨" in call.said and "call again in a few minutes" in call.said
        assert sids(enrolled) == []

    def test_redis_away_is_the_same_answer(self, client, enrolled, monkeypatch, twiml_schema):
        """Without Redis the call state cannot be read: the caller hears the same, not an application error."""
        from gateway.webhooks.callstate import CallStore

        def gone(*_args, **_kwargs):
            raise redis.exceptions.ConnectionError("Connection refused")

        monkeypatch.setattr(CallStore, "locked", gone)
        call = PhoneCall(client, "+8613900001111", schema=twiml_schema)
        call.start()
        assert "<Hangup" in call.twiml and "请过几分钟再拨" in call.said

    def test_a_refused_row_is_not_an_outage(self, client, enrolled, monkeypatch):
        """A data error in a call step keeps the app's answer (400): telling the caller to call again would
        only bring them back to the same refusal."""
        def refuse(*_args, **_kwargs):
            raise DataError("SELECT", {}, Exception("invalid input"))

        call = PhoneCall(client, "+8613900001111")
        self._to_property_step(call)
        monkeypatch.setattr(DatabasePort, "find_property", refuse)
        response = signed_post(client, call.step_path, {"CallSid": call.sid, "AccountSid": "AC" + "1" * 32,
                                                        "From": call.caller, "To": "+8610690000",
                                                        "CallStatus": "in-progress", "Digits": "100001#"})
        assert response.status_code == 400


class TestHealthShowsTheSpool:
    def test_depth_and_oldest_age(self, client, enrolled, monkeypatch, drains):
        """/healthz reports what waits in the spool and how old the oldest is, and stays 200 for it."""
        monkeypatch.setattr(intake, "store_sms", refused)
        sms(client, "HELP", LANDLORD)
        body = client.get("/healthz").get_json()
        assert body["status"] == "ok" and body["spool"]["entries"] == 1
        assert 0 <= body["spool"]["oldest_age_seconds"] < 60 and body["spool"]["unreadable"] == 0


class TestHangingDatabase:
    def test_a_database_that_never_answers_is_spooled_within_seconds(self, settings, rt, monkeypatch, drains):
        """A server that accepts the connection and then says nothing (a hung or partitioned primary) makes the
        webhook spool after the connect timeout, well inside Twilio's 15 s, instead of hanging."""
        import socket
        import time

        from store import sealed
        from store.db import make_statement_engine

        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel completes the handshake; no one ever answers the startup packet
        try:
            url = f"postgresql://nobody@127.0.0.1:{silent.getsockname()[1]}/none"
            engine = sealed.attach(make_statement_engine(url, rt.engine), sealed.keyring_of(rt.engine.dialect))
            monkeypatch.setattr(rt, "intake_engine", engine)
            client = create_app(settings, rt=rt, test_config={"TESTING": True}).test_client()
            started = time.monotonic()
            response = sms(client, "HELP", LANDLORD)
            took = time.monotonic() - started
        finally:
            silent.close()
        assert response.status_code == 200 and spool_for(rt).depth().entries == 1
        assert took < 10, took
