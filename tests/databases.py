"""Scratch PostgreSQL databases for the suite, the fault tests and the benchmarks: created when
missing, emptied and migrated to the head, dropped when done."""
from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from store.migrate import upgrade


def _admin(url: str):
    """An AUTOCOMMIT engine on the server's `postgres` database: CREATE/DROP DATABASE cannot run in a
    transaction, nor on the database they name."""
    return create_engine(make_url(url).set(database="postgres", drivername="postgresql+psycopg"),
                         isolation_level="AUTOCOMMIT")


def ensure_database(url: str) -> None:
    """Create the database if it is missing, keeping what it holds; raises if the server is down."""
    name = make_url(url).database
    admin = _admin(url)
    try:
        with admin.connect() as conn:
            if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


def fresh_database(url: str, revision: str = "head") -> str:
    """Create the database if it is missing, empty it and migrate it (to `revision`); raises if the server is down."""
    ensure_database(url)
    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(url, revision)
    return url


def drop_database(url: str) -> None:
    """Drop the database, closing whatever connections a killed test process left open."""
    admin = _admin(url)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    finally:
        admin.dispose()
