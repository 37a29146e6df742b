"""Migration 0030_snapprops: a month's snapshot keeps its declared properties; the snapshots it finds are kept
with none (NULL: the first view that reads one counts them), and a downgrade drops the column, not the rows."""
from __future__ import annotations

from sqlalchemy import inspect, text

from store.keyring import Keyring
from store.migrate import downgrade, upgrade
from tests.constants import KEYS
from tests.store.test_migration_item_precincts import _engine

BEFORE = "0029_staffverify"
SNAPSHOT = ("INSERT INTO stats_month_snapshots (id, month, time_zone, precinct_id, new_declarations, move_outs, "
            "active_residents, enrolled_landlords, enrolled_properties, landlords_declaring, late_declarations, sms, "
            "voice, officer, web, declared_by_agents, art57_actions, art57_education, art57_warnings, art57_fines, "
            "art57_fine_yuan, employers_enrolled, staff_declared, staff_active, lodgers_active, "
            "late_staff_declarations, verification_drawn, verified, verification_errors, inbound_messages, "
            "rejected_messages, rejections, computed_at) "
            "VALUES (1, '2026-10', 'Asia/Shanghai', 1, 5, 0, 4, 1, 1, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "
            "0, 0, 0, 0, 5, 0, '[]', '2026-11-01 00:00:00')")


def _columns(engine) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns("stats_month_snapshots")}


def test_snapshots_gain_declared_properties_and_keep_their_rows(legacy_url, backend):
    keyring = Keyring(**KEYS)
    upgrade(legacy_url, BEFORE, keyring=keyring)
    engine = _engine(legacy_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO precincts (id, code, name) VALUES (1, 'GL01', '东街')"))
        conn.execute(text(SNAPSHOT))
    engine.dispose()

    upgrade(legacy_url, "0030_snapprops", keyring=keyring)
    engine = _engine(legacy_url)
    assert "declared_properties" in _columns(engine)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT id, active_residents, declared_properties FROM stats_month_snapshots")
                            ).all() == [(1, 4, None)]
        conn.execute(text("UPDATE stats_month_snapshots SET declared_properties = 3"))
    engine.dispose()

    downgrade(legacy_url, BEFORE, keyring=keyring)
    engine = _engine(legacy_url)
    assert "declared_properties" not in _columns(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id, active_residents FROM stats_month_snapshots")).all() == [(1, 4)]
    engine.dispose()
