"""Migration 0017: agents' grants, the declarant, agents' API tokens come and go."""
from __future__ import annotations

from sqlalchemy import inspect, text

from store.keyring import Keyring
from store.migrate import downgrade, upgrade
from tests.constants import KEYS
from tests.store.test_migration_item_precincts import _engine


class TestAgents:
    def test_up_and_down(self, legacy_url):
        keyring = Keyring(**KEYS)
        upgrade(legacy_url, "0016_register", keyring=keyring)
        upgrade(legacy_url, "0017_agents", keyring=keyring)
        engine = _engine(legacy_url)
        found = inspect(engine)
        assert "agents" in found.get_table_names()
        listing = ("SELECT name FROM sqlite_master WHERE type = 'index'" if engine.dialect.name == "sqlite"
                   else "SELECT indexname FROM pg_indexes WHERE tablename = 'agents'")
        with engine.connect() as conn:  # an expression index: the inspector does not list it on SQLite
            assert "uq_agents_active" in set(conn.scalars(text(listing)))
        assert "declarant_phone" in {c["name"] for c in found.get_columns("declarations")}
        columns = {c["name"]: c for c in found.get_columns("api_tokens")}
        assert "phone" in columns and columns["landlord_id"]["nullable"]
        downgrade(legacy_url, "0016_register", keyring=keyring)
        engine.dispose()
        engine = _engine(legacy_url)
        after = inspect(engine)
        assert "agents" not in after.get_table_names()
        assert "declarant_phone" not in {c["name"] for c in after.get_columns("declarations")}
        assert "phone" not in {c["name"] for c in after.get_columns("api_tokens")}
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT version_num FROM alembic_version")) == "0016_register"
        engine.dispose()
