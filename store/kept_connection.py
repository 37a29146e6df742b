"""One PostgreSQL connection kept open between statements, for the webhooks' INSERT alone.

Storing a webhook through the pool and SQLAlchemy's execution machinery cost the web process
about twice the statement itself (a checkout and a return with its reset, the compiled cache,
insertmanyvalues, result processing): 300–350 µs of CPU against 150–180 µs for the INSERT sent
straight through psycopg on a connection kept open (docs/performance.md). The group commit
(gateway.pipeline.group_commit) already lets one thread at a time write, so a process needs one
such connection per engine.

Going around the pool must not change what callers and the outage spool rely on:
- an error comes as SQLAlchemy's `DBAPIError` (its subclasses by the driver's error class), with
  `connection_invalidated` set when the database dropped the connection (a restart, a failover):
  the connection is then discarded, and so is every idle pooled connection, as the
  engine does for its own connections;
- the connection is closed when the engine is disposed (or collected);
- a forked child never writes on its parent's socket: it opens its own.
The connection must be in AUTOCOMMIT (store.db.make_statement_engine): a statement is then its own
transaction, and an error leaves the connection usable.
"""
from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError


class KeptConnection:
    """Runs single self-committing statements on one connection of the engine's, kept open between them.

    The connection is taken from the engine's pool and detached from it: a checked-out pooled connection
    would hold the pool, and through it the engine, for as long as the process lives, so a dropped
    runtime could never be collected. This holds the engine weakly instead.
    """

    def __init__(self, engine: Engine) -> None:
        if engine.dialect.driver != "psycopg":
            raise ValueError(f"a kept connection speaks psycopg, not {engine.dialect.driver}")
        self._engine = weakref.ref(engine)
        self._dialect = engine.dialect
        self._error = engine.dialect.loaded_dbapi.Error
        self._lock = threading.Lock()
        self._connection: Any = None  # a psycopg Connection
        self._pid = os.getpid()
        event.listen(engine, "engine_disposed", self._on_disposed)
        weakref.finalize(engine, self.close)

    def execute(self, statement: str, parameters: Sequence[Any]) -> list[tuple]:
        """Run `statement` (psycopg's `%s` placeholders), committed when this returns; the rows it returns."""
        with self._lock:
            connection = self._checked_out()
            cursor = None
            try:
                cursor = connection.cursor()
                cursor.execute(statement, parameters)
                rows = cursor.fetchall() if cursor.description is not None else []
                cursor.close()
                return rows
            except self._error as exc:
                dropped = self._dialect.is_disconnect(exc, connection, cursor)
                if dropped:
                    self._discard()
                # Parameters hidden: they hold phone numbers (the body is sealed, but still).
                raise DBAPIError.instance(statement, parameters, exc, self._error, hide_parameters=True,
                                          connection_invalidated=dropped, dialect=self._dialect) from exc
            except BaseException:  # interrupted halfway: what the connection holds is unknown
                self._drop()
                raise

    def close(self) -> None:
        """Close the connection (the next statement opens another)."""
        with self._lock:
            if self._pid == os.getpid():
                self._drop()

    def _on_disposed(self, _engine: Engine) -> None:
        self.close()

    def _checked_out(self) -> Any:
        if self._pid != os.getpid():
            # A forked child: the parent's connection is the parent's. Dropped without a word on its socket
            # (psycopg does not end a session from a process other than the one that opened it).
            self._connection, self._pid = None, os.getpid()
        if self._connection is None:
            engine = self._engine()
            if engine is None:
                raise RuntimeError("the engine of this kept connection is gone")
            try:
                pooled = engine.raw_connection()
            except self._error as exc:  # unreachable, refused: wrapped as the engine would
                raise DBAPIError.instance(None, None, exc, self._error, dialect=self._dialect) from exc
            connection = pooled.driver_connection
            pooled.detach()
            if not connection.autocommit:
                connection.close()
                raise ValueError("a kept connection needs an engine in AUTOCOMMIT (store.db.make_statement_engine)")
            self._connection = connection
        return self._connection

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    def _discard(self) -> None:
        """As the engine does on a disconnect: this connection goes, and so do the ones waiting in the pool,
        since the database dropped those too."""
        self._drop()
        engine = self._engine()
        if engine is not None:
            engine.pool.dispose()  # closes the idle connections; the pool opens new ones as asked

