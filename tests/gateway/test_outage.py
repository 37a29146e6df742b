"""The webhooks during a database outage: SMS spooled and answered as usual, callers told to call again."""
from __future__ import annotations

import psycopg
import pytest
import redis
from sqlalchemy import event, select
from sqlalchemy.exc import DataError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from gateway import intake, outage, replay
from gateway import spool as spool_mod
from gateway.app import create_app
from gateway.sms import EMPTY_TWIML
from gateway.spool import spool_for
from gateway.voice_port import DatabasePort
from store.models import Declaration, InboundMessage
from tests.support import LANDLORD, PhoneCall, drain, reply_to, signed_post, sms

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
        from gateway.callstate import CallStore

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
