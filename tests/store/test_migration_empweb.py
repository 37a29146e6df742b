"""Migration 0024: employers' grants to agents; landlords' grants are kept, with their unique index, both ways."""
from __future__ import annotations

from sqlalchemy import inspect, text

from store.keyring import Keyring
from store.migrate import downgrade, upgrade
from store.models import Agent
from tests.constants import KEYS
from tests.store.test_migration_item_precincts import _engine


def indexes(engine) -> set[str]:
    listing = ("SELECT name FROM sqlite_master WHERE type = 'index'" if engine.dialect.name == "sqlite"
               else "SELECT indexname FROM pg_indexes WHERE tablename = 'agents'")
    with engine.connect() as conn:  # expression indexes: the inspector does not list them on SQLite
        return set(conn.scalars(text(listing)))


def test_employer_grants_come_and_go_and_landlords_grants_stay(legacy_url):
    keyring = Keyring(**KEYS)
    upgrade(legacy_url, "0023_empstats", keyring=keyring)
    engine = _engine(legacy_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO precincts (id, code, name) VALUES (1, 'GL01', '东街')"))
        conn.execute(text("INSERT INTO landlords (id, phone, name, created_at) VALUES (1, '+8613800138000', 'a', "
                          "'2026-01-01 00:00:00')"))
        conn.execute(text("INSERT INTO properties (id, code, landlord_id, precinct_id, address, single_unit) "
                          "VALUES (1, '100001', 1, 1, 'x', false)"))
        conn.execute(text("INSERT INTO agents (id, landlord_id, phone, property_id, channel, created_at) VALUES "
                          "(1, 1, '+8613700000000', NULL, 'sms', '2026-01-02 00:00:00')"))
        conn.execute(text("INSERT INTO employers (id, credit_code, name, address, precinct_id, created_at) VALUES "
                          "(1, '91350102MA2XYM123R', 'e', 'y', 1, '2026-01-01 00:00:00')"))
        conn.execute(text("INSERT INTO sites (id, code, employer_id, kind, address) VALUES "
                          "(1, '300001', 1, 'workplace', 'y')"))
    engine.dispose()
    upgrade(legacy_url, "0024_empweb", keyring=keyring)
    engine = _engine(legacy_url)
    columns = {c["name"]: c for c in inspect(engine).get_columns("agents")}
    assert set(columns) == {c.name for c in Agent.__table__.columns} and columns["landlord_id"]["nullable"]
    assert {"uq_agents_active", "uq_agents_employer_active"} <= indexes(engine)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT id, landlord_id, phone FROM agents")).all() == [(1, 1, "+8613700000000")]
        conn.execute(text("INSERT INTO agents (id, employer_id, site_id, phone, channel, created_at) VALUES "
                          "(2, 1, 1, '+8613700000000', 'sms', '2026-01-03 00:00:00')"))
    engine.dispose()
    downgrade(legacy_url, "0023_empstats", keyring=keyring)
    engine = _engine(legacy_url)
    columns = {c["name"]: c for c in inspect(engine).get_columns("agents")}
    assert "employer_id" not in columns and not columns["landlord_id"]["nullable"]
    assert "uq_agents_active" in indexes(engine) and "uq_agents_employer_active" not in indexes(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id, landlord_id FROM agents")).all() == [(1, 1)]  # the landlord's stays
    engine.dispose()
