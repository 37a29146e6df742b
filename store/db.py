"""Engines and sessions, the same for SQLite (embedded default) and PostgreSQL."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from store import sequences
from store.stats.snapshots import forget_reached_months

CONNECT_TIMEOUT = 3  # seconds to reach PostgreSQL before a statement counts it as unavailable (gateway.pipeline.outage)


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and real transactions.

    pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT, so
    SQLAlchemy emits BEGIN itself (SQLAlchemy's documented recipe). IMMEDIATE
    takes the write lock up front: the web thread and the worker thread then
    wait for each other (busy timeout) instead of failing a read-then-write
    transaction with SQLITE_BUSY halfway through.
    """
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                               hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, hide_parameters=True,
                         connect_args={"connect_timeout": CONNECT_TIMEOUT})


def make_statement_engine(url: str, engine: Engine) -> Engine:
    """An engine for single statements that commit themselves, on PostgreSQL: the webhooks' INSERT (one
    statement for the rows of the webhooks that arrive together, gateway.pipeline.group_commit).

    In AUTOCOMMIT the INSERT is its own transaction, durable when PostgreSQL answers (synchronous
    commit stays on), so the BEGIN and COMMIT round trips go. There is no pre-ping either: a
    connection PostgreSQL dropped fails the statement with `connection_invalidated` set, the pool
    discards every connection as old as it, and the caller runs the statement again once. Together
    that is one round trip per webhook instead of five. SQLite has no round trips to save, so it
    keeps the one engine (and its BEGIN IMMEDIATE, which the embedded worker thread relies on).
    """
    if url.startswith("sqlite"):
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    # A database that hangs rather than refuses must fail the INSERT in seconds (the webhook then spools):
    # Twilio gives the whole request 15 s. tcp_user_timeout also ends a statement whose server vanished.
    return create_engine(url, isolation_level="AUTOCOMMIT", pool_size=5, max_overflow=20, hide_parameters=True,
                         connect_args={"connect_timeout": CONNECT_TIMEOUT, "tcp_user_timeout": 5000})


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions on `engine` that keep the statistics honest: before each flush, a change reaching back into
    a closed month forgets that month's snapshots (`store.stats.snapshots.forget_reached_months`).

    Registered here, on this sessionmaker only, rather than on every Session when some module happens to
    be imported: whatever process builds its sessions here (web app, `declgate worker`, a command, a
    test) gets the rule, and nothing else does. On PostgreSQL they also take the keys of many new rows
    from their sequences before the flush (`store.sequences`), so the worker's batch INSERTs stay short.
    """
    sessions = sessionmaker(engine, expire_on_commit=False)
    event.listen(sessions, "before_flush", forget_reached_months)
    if engine.dialect.name == "postgresql":
        sequences.install(sessions)  # after the rule above, which may add rows of its own
    return sessions
