"""Alembic driven from code, so `declgate db upgrade` and `declgate serve` need no alembic.ini on disk."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from store.keyring import Keyring

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str, keyring: Keyring | None = None) -> Config:
    """The configuration; `keyring` reaches migrations that seal or open existing rows (0009)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["keyring"] = keyring
    return cfg


def upgrade(url: str, revision: str = "head", keyring: Keyring | None = None) -> None:
    """Bring the database at `url` to `revision`. An empty database needs no keys; one with ID numbers
    to seal does (the migration says so and changes nothing when they are missing)."""
    command.upgrade(alembic_config(url, keyring), revision)


def downgrade(url: str, revision: str, keyring: Keyring | None = None) -> None:
    """Take the database at `url` back to `revision` (opening sealed rows needs the keys)."""
    command.downgrade(alembic_config(url, keyring), revision)


def heads() -> set[str]:
    """The newest revisions this code knows (one, unless two branches' migrations were not chained yet)."""
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def current(connection) -> set[str]:
    """The revisions the database at `connection` is migrated to (empty: never migrated).

    Read from alembic_version directly: Alembic's MigrationContext logs two lines each time, and /readyz is
    polled every few seconds."""
    from sqlalchemy import inspect, text

    if not inspect(connection).has_table("alembic_version"):
        return set()
    return set(connection.scalars(text("SELECT version_num FROM alembic_version")))
