"""Migration 0019: existing precincts become stations under a default county, supervisors stay province-wide."""
from __future__ import annotations

from sqlalchemy import inspect, text

from store.keyring import Keyring
from store.migrate import downgrade, upgrade
from store.models import Officer, Unit
from tests.constants import KEYS
from tests.store.test_migration_item_precincts import _engine


class TestOrgUnits:
    def test_precincts_become_stations_and_nothing_is_lost(self, legacy_url):
        keyring = Keyring(**KEYS)
        upgrade(legacy_url, "0018_declarant_kind", keyring=keyring)
        engine = _engine(legacy_url)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO precincts (id, code, name) VALUES (1, 'GL01', '东街'), (2, 'GL02', '西巷')"))
            conn.execute(text("INSERT INTO officers (username, password_hash, role, precinct_id, created_at) VALUES "
                              "('a', 'x', 'officer', 1, '2026-01-01'), ('chief', 'x', 'supervisor', 2, '2026-01-01')"))
        engine.dispose()
        upgrade(legacy_url, "0019_org_units", keyring=keyring)
        engine = _engine(legacy_url)
        found = inspect(engine)
        assert {c["name"] for c in found.get_columns("units")} == {c.name for c in Unit.__table__.columns}
        assert {c["name"] for c in found.get_columns("officers")} == {c.name for c in Officer.__table__.columns}
        with engine.begin() as conn:
            assert conn.execute(text("SELECT code, level, parent_id FROM units ORDER BY id")).all() == [
                ("CITY", "city", None), ("COUNTY", "county", 1)]
            assert conn.execute(text("SELECT code, name, unit_id FROM precincts ORDER BY id")).all() == [
                ("GL01", "东街", 2), ("GL02", "西巷", 2)]
            assert conn.execute(text("SELECT username, precinct_id, unit_id, grants FROM officers ORDER BY username")
                                ).all() == [("a", 1, None, ""), ("chief", 2, 1, "")]
            # a unit added after the upgrade gets a fresh id (PostgreSQL's sequence moved past the defaults)
            conn.execute(text("INSERT INTO units (code, name, level) VALUES ('NEW', 'n', 'city')"))
        engine.dispose()
        downgrade(legacy_url, "0018_declarant_kind", keyring=keyring)
        engine = _engine(legacy_url)
        assert "units" not in inspect(engine).get_table_names()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT code FROM precincts ORDER BY id")).scalars().all() == ["GL01", "GL02"]
        engine.dispose()

    def test_an_empty_database_gets_no_default_units(self, legacy_url):
        upgrade(legacy_url, "0019_org_units", keyring=Keyring(**KEYS))
        engine = _engine(legacy_url)
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM units")) == 0
        engine.dispose()
