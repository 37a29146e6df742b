"""Data-key rotation: every sealed value moves to the newest key, after which the old key can go."""
from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from gateway.app import create_app
from gateway.cli import cli
from gateway.runtime import build_runtime, install
from store import audit
from store.keyring import Keyring, decode_key, key_id
from store.models import AuditEntry, InboundMessage, Person
from store.rotation import rotate
from store.sealed import SEALED_COLUMNS
from tests.constants import BLIND_INDEX_KEY, DATA_KEY, ID_A, ID_B, ID_C, KEY_ENV, LANDLORD, SECOND_KEY, TENANT
from tests.support import PhoneCall, drain, move_in_until_summary, reply_to, sms

IDS = [ID_A, ID_B, ID_C]


def declare_everything(client, rt) -> None:
    """Sealed values in every sealed column: SMS (body, parse), a call (payload), people, an audit detail."""
    sms(client, f"登记 张三 {IDS[0]} 301", LANDLORD)
    sms(client, f"登记 李四 {IDS[1]} 302", LANDLORD)
    call = PhoneCall(client, TENANT)
    move_in_until_summary(call, IDS[2])
    call.press("1")
    drain(rt)
    with rt.sessions.begin() as session:
        audit.record(session, None, "search", "people", query=IDS[0], results=1)


def snapshot(rt) -> dict[str, object]:
    """What the sealed columns say, opened with `rt`'s keys."""
    with rt.sessions() as session:
        return {"people": sorted(p.document_number for p in session.scalars(sa.select(Person))),
                "inbound": sorted((m.id, m.body, str(m.parse), str(m.payload))
                                  for m in session.scalars(sa.select(InboundMessage))),
                "audit": [e.detail for e in session.scalars(sa.select(AuditEntry))]}


def tokens_by_key(rt) -> dict[str, int]:
    """How many stored tokens each key id sealed, across every sealed column."""
    found: dict[str, int] = {}
    with rt.engine.connect() as conn:
        for table, column in SEALED_COLUMNS:
            for (token,) in conn.execute(sa.select(sa.column(column)).select_from(sa.table(table))
                                         .where(sa.column(column).is_not(None))):
                kid = token.split(":")[1]
                found[kid] = found.get(kid, 0) + 1
    return found


def runtime_with(rt, *data_keys: str):
    """Another runtime on the same database and queue, holding only `data_keys`."""
    settings = dataclasses.replace(rt.settings, data_keys=data_keys)
    other = build_runtime(settings)
    other.redis, other.queue = rt.redis, rt.queue
    return other


class TestRotate:
    def test_old_key_can_go_once_the_command_has_run(self, client, enrolled, settings):
        """`declgate keys rotate` with DATA_KEYS=new,old reseals everything; with the old key removed everything
        still reads, and re-declaring a tenant is still `already_registered` (the blind index did not move)."""
        declare_everything(client, enrolled)
        before = snapshot(enrolled)
        old = key_id(decode_key(DATA_KEY, "old"))
        assert set(tokens_by_key(enrolled)) == {old}
        env = {"DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url or "",
               "TWILIO_AUTH_TOKEN": "x", "SECRET_KEY": "x", **KEY_ENV, "DATA_KEYS": f"{SECOND_KEY},{DATA_KEY}"}

        result = CliRunner().invoke(cli, ["keys", "rotate", "--batch", "2"], env=env, catch_exceptions=False)

        assert result.exit_code == 0, result.output
        assert "people.document_number: 3 of 3 resealed" in result.output
        assert set(tokens_by_key(enrolled)) == {key_id(decode_key(SECOND_KEY, "new"))}
        only_new = runtime_with(enrolled, SECOND_KEY)
        try:
            assert snapshot(only_new) == before
            app = create_app(only_new.settings, rt=install(only_new), test_config={"TESTING": True})
            again = sms(app.test_client(), f"登记 张三 {IDS[0]} 301", LANDLORD)
            drain(only_new)
            assert any("此前已登记" in reply for reply in reply_to(only_new, again.sid))
        finally:
            only_new.dispose()

    def test_without_the_old_key_nothing_reads(self, client, enrolled):
        """Before rotation, removing the old key makes sealed values unreadable (a loud error, not garbage)."""
        declare_everything(client, enrolled)
        only_new = runtime_with(enrolled, SECOND_KEY)
        try:
            with only_new.sessions() as session, pytest.raises(Exception, match="DATA_KEYS does not hold"):
                session.scalars(sa.select(Person)).all()
        finally:
            only_new.dispose()

    def test_an_interrupted_rotation_resumes_and_a_second_run_does_nothing(self, client, enrolled):
        """Stopped after its first batch, a rerun reseals the rest; once done, a run finds nothing to do."""
        declare_everything(client, enrolled)
        before = snapshot(enrolled)
        both = Keyring([SECOND_KEY, DATA_KEY], BLIND_INDEX_KEY)
        engine = runtime_with(enrolled, SECOND_KEY, DATA_KEY).engine

        class Stop(Exception):
            pass

        def stop_after_a_batch(step):
            if step.done:
                raise Stop

        with pytest.raises(Stop):
            rotate(engine, both, batch=1, progress=stop_after_a_batch)
        counts = tokens_by_key(enrolled)
        assert counts[both.primary_id] == 1 and len(counts) == 2

        resumed = rotate(engine, both, batch=2)
        again = rotate(engine, both, batch=2)

        assert sum(resumed.values()) == sum(counts.values()) - 1
        assert sum(again.values()) == 0
        assert set(tokens_by_key(enrolled)) == {both.primary_id}
        only_new = runtime_with(enrolled, SECOND_KEY)
        assert snapshot(only_new) == before
        only_new.dispose()
        engine.dispose()
