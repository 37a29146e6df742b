"""A copied database or Redis reveals no ID number: what a thief with the files (not the keys) can read."""
from __future__ import annotations

from sqlalchemy import select

from gateway.webhooks.callstate import CallStore
from store.models import AuditEntry, InboundMessage, Person
from tests.constants import ID_A, ID_B, ID_C, LANDLORD, TENANT
from tests.store.legacy import database_bytes
from tests.support import PhoneCall, drain, login, move_in_until_summary, sms

# Declared by SMS (two), refused for a bad check digit (kept verbatim for officers), declared by a call,
# keyed into a call still under way.
BY_SMS = [ID_A, ID_B]
BAD_CHECKSUM = "440304198506120020"
BY_CALL = ID_C
IN_CALL = "320106199208150198"
EVERY_ID = [*BY_SMS, BAD_CHECKSUM, BY_CALL, IN_CALL]


def redis_bytes(rt) -> bytes:
    """Every value under this deployment's keys (its queue name is in each: call state, RQ's queue and jobs)."""
    conn, chunks = rt.redis, []
    for key in conn.scan_iter(match=f"*{rt.settings.queue_name}*"):
        kind = conn.type(key).decode()
        if kind == "string":
            chunks.append(conn.get(key))
        elif kind == "hash":
            chunks.extend(k + b"=" + v for k, v in conn.hgetall(key).items())
        elif kind == "list":
            chunks.extend(conn.lrange(key, 0, -1))
        elif kind == "set":
            chunks.extend(conn.smembers(key))
        elif kind == "zset":
            chunks.extend(conn.zrange(key, 0, -1))
        chunks.append(key)
    return b"\n".join(chunks)


def readable(blob: bytes) -> list[str]:
    return [number for number in EVERY_ID if number.encode() in blob]


class TestNothingReadableAtRest:
    def test_database_and_redis_hold_no_id_in_clear(self, ui, people, backend):  # noqa: F811
        """SMS and calls through the signed webhooks and an officer's search by ID leave every ID sealed:
        the raw SQLite file and WAL (or every row of every PostgreSQL table) and Redis hold none in clear."""
        sms(ui, f"登记 张三 {BY_SMS[0]} 301 @100001", LANDLORD)
        sms(ui, f"登记 李四 {BY_SMS[1]} 302 @100001", LANDLORD)
        sms(ui, f"登记 赵六 {BAD_CHECKSUM} 304 @100001", LANDLORD)
        call = PhoneCall(ui, TENANT)
        move_in_until_summary(call, BY_CALL)
        call.press("1")  # confirmed: stored and queued
        under_way = PhoneCall(ui, "+8613900002222")
        under_way.start()
        under_way.press("1")
        under_way.press("1")
        under_way.press(IN_CALL + "#")  # the read-back: the number sits in the call's state
        drain(people)
        login(ui, "a")
        assert "/people/" in ui.post("/people", data={"q": BY_SMS[0]}).get_data(as_text=True)

        # Everything is there for whoever holds the keys: the check below could see a leak.
        with people.sessions() as session:
            assert {p.document_number for p in session.scalars(select(Person))} == {*BY_SMS, BY_CALL}
            assert any(BAD_CHECKSUM in m.body for m in session.scalars(select(InboundMessage)))
            assert any((e.detail or {}).get("query") for e in session.scalars(select(AuditEntry)))  # masked, yet sealed
        state = CallStore(people.redis, people.key("call", ""), people.keyring).get(under_way.sid)
        assert IN_CALL in str(state)

        assert readable(database_bytes(people.settings.database_url)) == []
        assert readable(redis_bytes(people)) == []
