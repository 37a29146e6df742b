"""The webhooks' kept connection behaves as the pool does where the outage spool and the tests rely on it."""
from __future__ import annotations

import gc
import os
import uuid
import warnings

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from gateway.pipeline import outage
from store.db import make_statement_engine
from store.kept_connection import KeptConnection


@pytest.fixture
def engine(postgres_url):
    engine = make_statement_engine(postgres_url, None)
    yield engine
    engine.dispose()


@pytest.fixture
def table(postgres_url):
    """A table of its own, so the test sees only its rows."""
    name = f"kept_{uuid.uuid4().hex[:8]}"
    admin = make_statement_engine(postgres_url, None)
    with admin.connect() as conn:
        conn.execute(text(f"CREATE TABLE {name} (id serial PRIMARY KEY, word text NOT NULL)"))
    yield name
    with admin.connect() as conn:
        conn.execute(text(f"DROP TABLE {name}"))
    admin.dispose()


def backend_pid(kept: KeptConnection) -> int:
    return kept.execute("SELECT pg_backend_pid()", [])[0][0]


def alive(postgres_url: str, pid: int) -> bool:
    observer = create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with observer.connect() as conn:
            return conn.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}) == 1
    finally:
        observer.dispose()


def terminate(postgres_url: str, *pids: int) -> None:
    observer = create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with observer.connect() as conn:
            for pid in pids:
                conn.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
    finally:
        observer.dispose()


def test_a_statement_is_committed_when_it_returns_and_the_connection_is_kept(engine, table):
    kept = KeptConnection(engine)
    first = backend_pid(kept)
    rows = kept.execute(f"INSERT INTO {table} (word) VALUES (%s), (%s) RETURNING id, word", ["甲", "乙"])
    assert [word for _id, word in rows] == ["甲", "乙"]
    with engine.connect() as other:  # another session sees the rows: nothing waits for a COMMIT
        assert other.scalar(text(f"SELECT count(*) FROM {table}")) == 2
    assert backend_pid(kept) == first


def test_a_refused_row_raises_sqlalchemys_error_and_leaves_the_connection_usable(engine, table):
    kept = KeptConnection(engine)
    first = backend_pid(kept)
    with pytest.raises(IntegrityError) as refused:
        kept.execute(f"INSERT INTO {table} (word) VALUES (%s)", [None])
    assert not refused.value.connection_invalidated and not outage.database_unavailable(refused.value)
    assert "[parameters" not in str(refused.value)  # phone numbers stay out of logged errors
    assert kept.execute(f"INSERT INTO {table} (word) VALUES (%s) RETURNING word", ["丙"]) == [("丙",)]
    assert backend_pid(kept) == first


def test_a_dropped_connection_is_reported_invalidated_and_no_stale_pooled_one_is_used_after_it(postgres_url, engine):
    """A database restart drops every connection: the first statement fails with `connection_invalidated`
    (intake then writes again once), and that second write must not be handed another dead connection
    that sat in the pool."""
    kept = KeptConnection(engine)
    first = backend_pid(kept)
    pooled = engine.raw_connection()
    stale = pooled.driver_connection.info.backend_pid
    pooled.close()  # back in the pool, still open from the client's side
    terminate(postgres_url, first, stale)

    with pytest.raises(DBAPIError) as dropped:
        kept.execute("SELECT 1", [])
    assert dropped.value.connection_invalidated and outage.database_unavailable(dropped.value)
    again = backend_pid(kept)
    assert again not in (first, stale)


def test_an_unreachable_database_is_an_outage(engine):
    silent = make_statement_engine("postgresql://nobody@127.0.0.1:9/none", None)  # port 9: nothing listens
    try:
        with pytest.raises(DBAPIError) as refused:
            KeptConnection(silent).execute("SELECT 1", [])
        assert outage.database_unavailable(refused.value)
    finally:
        silent.dispose()


def test_disposing_the_engine_closes_the_connection(postgres_url, engine):
    kept = KeptConnection(engine)
    pid = backend_pid(kept)
    engine.dispose()
    assert not alive(postgres_url, pid)
    assert backend_pid(kept) != pid  # and a later statement opens another


def test_an_engine_dropped_without_dispose_closes_it_without_a_garbage_collector_warning(postgres_url):
    engine = make_statement_engine(postgres_url, None)
    kept = KeptConnection(engine)
    pid = backend_pid(kept)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del engine
        gc.collect()
    assert not alive(postgres_url, pid)
    assert [str(w.message) for w in caught] == []
    del kept


def test_a_forked_child_opens_its_own_connection_and_leaves_the_parents_alone(engine):
    kept = KeptConnection(engine)
    parent = backend_pid(kept)
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        try:
            os.write(write, str(backend_pid(kept)).encode())
        finally:
            os._exit(0)
    os.close(write)
    try:
        in_child = int(os.read(read, 32) or b"0")
    finally:
        os.close(read)
        os.waitpid(child, 0)
    assert in_child not in (0, parent)
    assert backend_pid(kept) == parent  # the parent's session was not ended by the child


def test_an_engine_outside_autocommit_is_refused(postgres_url):
    engine = create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with pytest.raises(ValueError, match="AUTOCOMMIT"):
            KeptConnection(engine).execute("SELECT 1", [])
    finally:
        engine.dispose()
