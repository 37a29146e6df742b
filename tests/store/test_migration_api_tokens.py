"""Migration 0012: the API's tables and columns come and go; closed months read web = 0."""
from __future__ import annotations

from sqlalchemy import inspect, text

from store.keyring import Keyring
from store.migrate import downgrade, upgrade
from tests.constants import KEYS
from tests.store.test_migration_item_precincts import _engine

TABLES = {"api_login_codes", "api_tokens", "api_idempotency"}


class TestApiTokens:
    def test_up_and_down(self, legacy_url):
        keyring = Keyring(**KEYS)
        upgrade(legacy_url, "0011_delivery_receipts", keyring=keyring)
        upgrade(legacy_url, "0012_api_tokens", keyring=keyring)
        engine = _engine(legacy_url)
        found = inspect(engine)
        assert TABLES <= set(found.get_table_names())
        assert "hukou_address" in {c["name"] for c in found.get_columns("declarations")}
        web = next(c for c in found.get_columns("stats_month_snapshots") if c["name"] == "web")
        assert not web["nullable"]
        downgrade(legacy_url, "0011_delivery_receipts", keyring=keyring)
        engine.dispose()
        engine = _engine(legacy_url)
        after = inspect(engine)
        assert not TABLES & set(after.get_table_names())
        assert "web" not in {c["name"] for c in after.get_columns("stats_month_snapshots")}
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT version_num FROM alembic_version")) == "0011_delivery_receipts"
        engine.dispose()
