"""Keys reserved ahead of a flush of many rows (store.sequences): the INSERT's text no longer grows with the rows."""
from __future__ import annotations

import pytest
from sqlalchemy import event, func, select, text

from store.models import InboundMessage
from store.states import InboundStatus

POSTGRES = pytest.mark.parametrize("backend", [pytest.param("postgres", marks=[pytest.mark.postgres,
                                                                                pytest.mark.redis])],
                                   indirect=True)


def message(i: int) -> InboundMessage:
    return InboundMessage(provider_sid=f"SMIDS{i}", from_number="+8613800000001", body=f"查询 {i}",
                          status=InboundStatus.PROCESSED)


def inserts(rt):
    """The INSERT statements sent, as (text, executemany), collected while the `with` runs."""
    seen: list[tuple[str, bool]] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO inbound_messages"):
            seen.append((statement, executemany))
    event.listen(rt.engine, "before_cursor_execute", note)
    return seen, lambda: event.remove(rt.engine, "before_cursor_execute", note)


def test_many_new_rows_get_distinct_keys_and_their_rows(rt):
    with rt.sessions.begin() as session:
        rows = [message(i) for i in range(40)]
        session.add_all(rows)
        session.flush()
        ids = [row.id for row in rows]
    assert len(set(ids)) == 40 and None not in ids
    with rt.sessions() as session:
        assert {r.id: r.provider_sid for r in session.scalars(select(InboundMessage))} == {
            row.id: row.provider_sid for row in rows}


@POSTGRES
def test_the_insert_of_a_batch_is_one_short_statement_whatever_its_size(rt):
    seen, stop = inserts(rt)
    try:
        for size in (5, 60):
            with rt.sessions.begin() as session:
                session.add_all(message(size * 1000 + i) for i in range(size))
    finally:
        stop()
    assert [many for _, many in seen] == [True, True]  # executemany: nothing read back
    assert seen[0][0] == seen[1][0] and "RETURNING" not in seen[0][0]


@POSTGRES
def test_keys_come_from_the_tables_sequence_so_other_writers_never_collide(rt):
    with rt.sessions.begin() as session:
        session.add_all(message(i) for i in range(3))
    with rt.engine.begin() as conn:  # a writer that knows nothing of the reservation
        other = conn.scalar(text("INSERT INTO inbound_messages (provider_sid, channel, from_number, to_number, "
                                 "body, received_at, status, attempts) VALUES ('SMOTHER', 'sms', '+1', '', '', "
                                 "now(), 'processed', 0) RETURNING id"))
    with rt.sessions.begin() as session:
        later = [message(10 + i) for i in range(3)]
        session.add_all(later)
    with rt.sessions() as session:
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 7
    assert min(row.id for row in later) > other


@POSTGRES
def test_a_single_new_row_is_written_as_before(rt):
    seen, stop = inserts(rt)
    try:
        with rt.sessions.begin() as session:
            row = message(1)
            session.add(row)
    finally:
        stop()
    assert len(seen) == 1 and "RETURNING" in seen[0][0] and row.id is not None


@POSTGRES
def test_a_rolled_back_flush_leaves_a_gap_not_a_row(rt):
    with pytest.raises(RuntimeError), rt.sessions.begin() as session:
        session.add_all(message(i) for i in range(4))
        session.flush()
        raise RuntimeError("the batch failed after its flush")
    with rt.sessions.begin() as session:
        again = [message(i) for i in range(4)]  # the same SIDs: nothing of the first try is left
        session.add_all(again)
    with rt.sessions() as session:
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 4
