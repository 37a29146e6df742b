"""INSERT … ON CONFLICT for either database the store runs on.

Its own module, below `store.db`, because the statistics tables are written with it and `store.db`
wires the statistics' flush rule into every session: `store.db` imports the statistics, so they
cannot import `store.db` back.
"""
from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert


def insert_for(dialect: str):
    """The INSERT construct with ON CONFLICT for this database (`engine.dialect.name`): PostgreSQL's or
    SQLite's, which take the same `on_conflict_do_nothing` / `on_conflict_do_update` arguments."""
    return postgresql_insert if dialect == "postgresql" else sqlite_insert
