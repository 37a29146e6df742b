"""Migration 0016: the register's column and merge table come and go; people already stored read as no decision."""
from __future__ import annotations

from sqlalchemy import inspect, text

from store.keyring import Keyring
from store.migrate import downgrade, upgrade
from tests.constants import KEYS
from tests.store.test_migration_item_precincts import _engine


class TestRegister:
    def test_up_and_down(self, legacy_url):
        keyring = Keyring(**KEYS)
        upgrade(legacy_url, "0015_enrolment_requests", keyring=keyring)
        engine = _engine(legacy_url)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO people (document_type, name, created_at) VALUES ('none', '王小明', '2026-11-02')"))
        engine.dispose()
        upgrade(legacy_url, "0016_register", keyring=keyring)
        engine = _engine(legacy_url)
        found = inspect(engine)
        assert "person_merges" in found.get_table_names()
        assert "register_state" in {c["name"] for c in found.get_columns("people")}
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT register_state FROM people")) is None
        engine.dispose()
        downgrade(legacy_url, "0015_enrolment_requests", keyring=keyring)
        engine = _engine(legacy_url)
        after = inspect(engine)
        assert "person_merges" not in after.get_table_names()
        assert "register_state" not in {c["name"] for c in after.get_columns("people")}
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT name FROM people")) == "王小明"
            assert conn.scalar(text("SELECT version_num FROM alembic_version")) == "0015_enrolment_requests"
        engine.dispose()
