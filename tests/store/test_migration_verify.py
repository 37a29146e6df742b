"""Migration 0026: the verification tables and the snapshots' three verification counts (0 for months closed
before: their true figure), snapshots kept; downgrade removes them."""
from __future__ import annotations

from sqlalchemy import inspect, text

from store.keyring import Keyring
from store.migrate import downgrade, upgrade
from store.models import MonthSnapshot, VerificationDraw, VerificationItem
from tests.constants import KEYS
from tests.store.test_migration_item_precincts import _engine

# Columns later migrations add: 0029_staffverify (an item may be a staff declaration's), 0030_snapprops (a
# snapshot keeps its declared properties).
LATER = {"staff_declaration_id", "declared_properties"}


def test_snapshots_keep_their_rows_with_zero_counts_and_downgrade_removes_the_tables(legacy_url):
    keyring = Keyring(**KEYS)
    upgrade(legacy_url, "0025_visit", keyring=keyring)
    engine = _engine(legacy_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO precincts (id, code, name) VALUES (1, 'GL01', '东街')"))
        conn.execute(text(
            "INSERT INTO stats_month_snapshots (month, time_zone, precinct_id, new_declarations, move_outs, "
            "active_residents, enrolled_landlords, enrolled_properties, landlords_declaring, late_declarations, sms, "
            "voice, officer, web, declared_by_agents, inbound_messages, rejected_messages, rejections, computed_at) "
            "VALUES ('2026-03', 'UTC', 1, 7, 0, 7, 1, 1, 1, 0, 7, 0, 0, 0, 0, 7, 0, '[]', '2026-04-01 00:00:00')"))
    engine.dispose()
    upgrade(legacy_url, "0026_verify", keyring=keyring)
    engine = _engine(legacy_url)
    found = inspect(engine)
    for model in (MonthSnapshot, VerificationItem, VerificationDraw):
        table = model.__table__
        assert {c["name"] for c in found.get_columns(table.name)} == {c.name for c in table.columns} - LATER
    with engine.connect() as conn:
        assert conn.execute(text("SELECT new_declarations, verification_drawn, verified, verification_errors "
                                 "FROM stats_month_snapshots")).one() == (7, 0, 0, 0)
    engine.dispose()
    downgrade(legacy_url, "0025_visit", keyring=keyring)
    engine = _engine(legacy_url)
    names = inspect(engine).get_table_names()
    assert "verification_items" not in names and "verification_draws" not in names
    assert "verified" not in {c["name"] for c in inspect(engine).get_columns("stats_month_snapshots")}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT new_declarations FROM stats_month_snapshots")).scalar() == 7
    engine.dispose()
