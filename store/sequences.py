"""Primary keys taken from their sequences ahead of a flush that inserts many rows of one table (PostgreSQL).

An ORM flush of rows without their keys must read every key back, so SQLAlchemy writes them as one
`INSERT … VALUES (…), (…) … RETURNING id` whose text grows with the row count (over 100 kB for a
worker's batch of 200 declarations), and psycopg re-parses that text on every batch, since it caches
only short statements: a fifth of the worker's CPU went there. With the keys already on the objects the
flush needs nothing back, and SQLAlchemy sends one short `INSERT` through psycopg's `executemany`,
pipelined, whose text is parsed once.

One query reserves the keys of every table concerned (`nextval` on each table's own sequence, so ids
stay unique with every other writer, and an id reserved by a flush that rolls back is a gap, as with a
failed INSERT). A flush inserting a single row of a table is left alone: its short INSERT … RETURNING
is already cached, and a reservation would add a round trip.
"""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Table, event, literal, select, union_all
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import functions

MIN_ROWS = 2  # new rows of one table in one flush before their keys are reserved


def install(sessions: sessionmaker[Session]) -> None:
    """Reserve keys before every flush of these sessions (PostgreSQL's: SQLite has no sequences)."""
    event.listen(sessions, "before_flush", reserve_keys)


def reserve_keys(session: Session, _flush_context, _instances) -> None:
    """A `before_flush` listener: give the new objects of each table with at least MIN_ROWS of them their key."""
    pending: dict[Table, list] = defaultdict(list)
    attribute: dict[Table, str | None] = {}  # the mapped attribute that holds the table's key
    for obj in session.new:
        table = obj.__table__
        if table not in attribute:
            column = table.autoincrement_column
            attribute[table] = None if column is None else obj.__mapper__.get_property_by_column(column).key
        name = attribute[table]
        if name is not None and getattr(obj, name) is None:
            pending[table].append(obj)
    tables = [table for table, objs in pending.items() if len(objs) >= MIN_ROWS]
    if not tables:
        return
    for table, keys in zip(tables, _reserve(session, tables, [len(pending[t]) for t in tables])):
        for obj, key in zip(pending[table], keys):
            setattr(obj, attribute[table], key)


def _reserve(session: Session, tables: list[Table], counts: list[int]) -> list[list[int]]:
    """`counts[i]` fresh values of the sequence behind `tables[i]`'s key, in one round trip."""
    parts = []
    for index, (table, count) in enumerate(zip(tables, counts)):
        sequence = functions.func.pg_get_serial_sequence(table.name, table.autoincrement_column.name)
        parts.append(select(literal(index).label("part"), functions.func.nextval(sequence).label("key"))
                     .select_from(functions.func.generate_series(1, count).table_valued("n")))
    keys: list[list[int]] = [[] for _ in tables]
    for part, key in session.execute(union_all(*parts)):
        keys[part].append(key)
    return keys
