"""Group commit: threads writing at once share one write, each gets its own outcome, and nobody is left waiting."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from gateway.pipeline import intake, queue
from gateway.pipeline.group_commit import GroupCommit
from store.models import InboundMessage
from store.states import Channel, InboundStatus
from tests.constants import GATEWAY_NUMBER, LANDLORD

WAIT = 10  # seconds: only a deadlock takes this long


class Recorder:
    """A `write` that holds its first call until `hold` is released, so the rows submitted meanwhile queue up."""

    def __init__(self, fail_row=None, raise_on_call=None) -> None:
        self.groups: list[list[int]] = []
        self.hold = threading.Event()
        self.entered = threading.Event()
        self.fail_row, self.raise_on_call = fail_row, raise_on_call

    def __call__(self, rows):
        self.groups.append(list(rows))
        if len(self.groups) == 1:
            self.entered.set()
            assert self.hold.wait(WAIT)
        if self.raise_on_call == len(self.groups):
            raise RuntimeError("the database went away")
        return [ValueError(f"row {row} refused") if row == self.fail_row else row * 10 for row in rows]


def submit_while_first_write_holds(group: GroupCommit, recorder: Recorder, rows: list[int]) -> dict:
    """Submit rows[0] and wait until its write is under way, submit the rest, then let the write finish."""
    outcomes: dict[int, object] = {}

    def one(row):
        try:
            outcomes[row] = group.submit(row)
        except Exception as exc:  # noqa: BLE001 - the outcome under test
            outcomes[row] = exc

    with ThreadPoolExecutor(max_workers=len(rows)) as pool:
        pool.submit(one, rows[0])
        assert recorder.entered.wait(WAIT)
        futures = [pool.submit(one, row) for row in rows[1:]]
        deadline = time.monotonic() + WAIT
        while len(group._waiting) < len(rows) - 1:  # every later row is queued behind the write under way
            assert time.monotonic() < deadline, "the later rows never queued up"
            time.sleep(0.001)
        recorder.hold.set()
        for future in futures:
            future.result(WAIT)
    return outcomes


def test_rows_submitted_during_a_write_go_together_in_the_next_and_each_thread_gets_its_own_result():
    recorder = Recorder()
    outcomes = submit_while_first_write_holds(GroupCommit(recorder, max_rows=64), recorder, [1, 2, 3, 4, 5])

    assert outcomes == {1: 10, 2: 20, 3: 30, 4: 40, 5: 50}
    assert recorder.groups[0] == [1]
    assert sorted(recorder.groups[1]) == [2, 3, 4, 5] and len(recorder.groups) == 2


def test_a_group_never_exceeds_max_rows():
    recorder = Recorder()
    outcomes = submit_while_first_write_holds(GroupCommit(recorder, max_rows=2), recorder, list(range(1, 8)))

    assert outcomes == {row: row * 10 for row in range(1, 8)}
    assert max(len(group) for group in recorder.groups) == 2
    assert sorted(row for group in recorder.groups for row in group) == list(range(1, 8))


def test_a_refused_row_fails_its_own_thread_only():
    recorder = Recorder(fail_row=3)
    outcomes = submit_while_first_write_holds(GroupCommit(recorder), recorder, [1, 2, 3, 4])

    assert isinstance(outcomes[3], ValueError) and str(outcomes[3]) == "row 3 refused"
    assert {row: outcomes[row] for row in (1, 2, 4)} == {1: 10, 2: 20, 4: 40}


def test_a_failed_write_fails_its_whole_group_and_the_next_rows_are_still_written():
    recorder = Recorder(raise_on_call=2)
    group = GroupCommit(recorder)
    outcomes = submit_while_first_write_holds(group, recorder, [1, 2, 3])

    assert outcomes[1] == 10
    assert all(isinstance(outcomes[row], RuntimeError) for row in (2, 3))
    assert group.submit(9) == 90  # the lead was handed on: a later row is written, not left waiting


def test_many_threads_at_once_each_get_their_own_result_and_every_row_is_written_once():
    written: list[int] = []

    def write(rows):
        written.extend(rows)
        return [row * 10 for row in rows]

    group = GroupCommit(write, max_rows=8)
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(group.submit, range(2000), timeout=WAIT * 3))

    assert results == [row * 10 for row in range(2000)]
    assert sorted(written) == list(range(2000))


# Through intake, on both backends: the rows are the webhook's, the database the real one.

def row(rt, sid: str, **overrides):
    values = dict(sid=sid, from_number=LANDLORD, to_number=GATEWAY_NUMBER, body="登记 张三 350102199001011238 301")
    values.update(overrides)
    return intake._Row(dict(provider_sid=values["sid"], channel="sms", from_number=values["from_number"],
                            to_number=values["to_number"], body=values["body"], received_at=intake.utcnow(),
                            status="received", attempts=0, edited_from_id=None, edited_by_id=None,
                            precinct_id=None, payload=None, media_state=None), rt)


def stored_sids(rt) -> dict[str, int]:
    with rt.sessions() as session:
        return dict(session.execute(select(InboundMessage.provider_sid, InboundMessage.id)).all())


def test_one_statement_stores_new_rows_once_and_finds_a_retried_sid(rt, monkeypatch):
    first = intake.store_sms(rt, sid="SMold", from_number=LANDLORD, to_number=GATEWAY_NUMBER, body="登记")
    woken = []
    monkeypatch.setattr(queue, "wake", lambda runtime: woken.append(runtime))

    outcomes = intake._write(rt.intake_engine, [row(rt, "SMa"), row(rt, "SMold"), row(rt, "SMb"), row(rt, "SMa")])

    ids = stored_sids(rt)
    assert outcomes == [(ids["SMa"], True), (first[0], False), (ids["SMb"], True), (ids["SMa"], False)]
    assert len(ids) == 3
    assert woken == [rt]  # one wake-up for the statement, not one per row


def test_a_row_the_database_refuses_fails_alone_and_the_rest_of_its_statement_is_stored(rt, monkeypatch):
    monkeypatch.setattr(queue, "wake", lambda runtime: None)

    outcomes = intake._write(rt.intake_engine, [row(rt, "SMgood1"), row(rt, "SMnobody", from_number=None),
                                                row(rt, "SMgood2")])

    ids = stored_sids(rt)
    assert outcomes[0] == (ids["SMgood1"], True) and outcomes[2] == (ids["SMgood2"], True)
    assert isinstance(outcomes[1], DBAPIError)  # NOT NULL: refused for what it holds, not an outage
    assert set(ids) == {"SMgood1", "SMgood2"}


def test_concurrent_webhooks_each_store_their_message_once_and_a_racing_retry_is_not_new(rt):
    sids = [f"SMrace{i % 30}" for i in range(60)]  # every SID twice: Twilio's retry racing its first try

    def store(sid):
        return intake.store_sms(rt, sid=sid, from_number=LANDLORD, to_number=GATEWAY_NUMBER, body="登记", wake=True)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(store, sids, timeout=WAIT * 3))

    ids = stored_sids(rt)
    assert len(ids) == 30
    for sid in set(sids):
        mine = [result for s, result in zip(sids, results) if s == sid]
        assert {inbound_id for inbound_id, _ in mine} == {ids[sid]}
        assert sorted(new for _, new in mine) == [False, True]
    with rt.sessions() as session:
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 30
    assert rt.redis.get(queue.drain_flag(rt)) is not None  # the drain was woken


def test_the_kept_connections_sql_stores_a_row_exactly_as_sqlalchemy_does(rt):
    """On PostgreSQL the webhooks' INSERT is SQL sent through psycopg (store.kept_connection); every column,
    sealed ones included, must read back as SQLAlchemy's own INSERT of the same values stores it."""
    if rt.engine.dialect.name != "postgresql":
        pytest.skip("SQLite stores every row through SQLAlchemy")
    edited = intake.store_sms(rt, sid="SMfirst", from_number=LANDLORD, to_number=GATEWAY_NUMBER, body="登记")[0]
    values = dict(channel=Channel.SMS, from_number=LANDLORD, to_number=GATEWAY_NUMBER,
                  body="登记 张三 350102199001011238 301", received_at=intake.utcnow(), status=InboundStatus.RECEIVED,
                  attempts=0, edited_from_id=edited, edited_by_id=None, precinct_id=None,
                  payload={"media": [{"url": "https://api.twilio.com/x/Media/ME1", "content_type": "image/jpeg"}]},
                  media_state="pending")
    assert set(values) | {"provider_sid"} == set(intake._COLUMNS)  # every column the kept INSERT writes

    intake._inserter(rt.intake_engine)([dict(values, provider_sid="SMkept")])
    intake._insert_core(rt.intake_engine, [dict(values, provider_sid="SMcore")])

    columns = [c for c in InboundMessage.__table__.c if c.name not in ("id", "provider_sid")]
    with rt.sessions() as session:
        kept, core = (session.execute(select(*columns).where(InboundMessage.provider_sid == sid)).one()
                      for sid in ("SMkept", "SMcore"))
        at_rest = session.execute(text("SELECT body, payload::text FROM inbound_messages WHERE provider_sid = 'SMkept'")).one()
    assert kept == core
    assert kept.body == values["body"] and kept.payload == values["payload"]
    assert "350102199001011238" not in at_rest.body and "ME1" not in at_rest.payload  # sealed, as SQLAlchemy seals
