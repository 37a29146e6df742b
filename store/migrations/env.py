"""Alembic environment: one metadata, works for SQLite (batch mode) and PostgreSQL."""
from alembic import context
from sqlalchemy import text

from store import sealed
from store.db import make_engine
from store.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        engine = make_engine(config.get_main_option("sqlalchemy.url"))
        if config.attributes.get("keyring") is not None:
            sealed.attach(engine, config.attributes["keyring"])
        with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                _without_sqlite_foreign_keys(connection)
            else:
                _run(connection)
            if config.attributes.get("compact"):
                _compact(connection, sorted(config.attributes["compact"]))
        engine.dispose()
    else:
        _run(connectable)


def _without_sqlite_foreign_keys(connection) -> None:
    """Run with SQLite's foreign keys off, then check them: SQLite's documented way to rebuild a table
    that others reference (batch mode drops and renames it; with enforcement on, dropping `people`
    would fail on the declarations that point at it). The pragma only takes outside a transaction,
    so it goes to the driver connection before SQLAlchemy begins one."""
    raw = connection.connection.dbapi_connection
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        _run(connection)
        broken = raw.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"migration left {len(broken)} rows pointing at missing rows: {broken[:5]}")
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def _compact(connection, tables: list[str]) -> None:
    """Rewrite the files of tables a migration rewrote in place, after it committed.

    Old row versions (PostgreSQL's dead tuples, SQLite's free pages and WAL frames) still hold what
    the migration replaced, plaintext ID numbers included, and a copied data directory or file would
    carry them. VACUUM cannot run inside a transaction, hence here.
    """
    if connection.in_transaction():
        connection.commit()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        raw.execute("VACUUM")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return
    autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
    for table in tables:
        autocommit.execute(text(f'VACUUM FULL "{table}"'))


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
