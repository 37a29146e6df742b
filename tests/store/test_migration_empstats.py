"""Migration 0023: employers get their enrolment time (their first staff declaration's, else the upgrade's), the
snapshots get the employers' figures, and the snapshots kept before are forgotten (counted again when viewed, now
with lodgers among the residents); downgrade removes the columns and keeps every employer and staff row."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import inspect, text

from store.keyring import Keyring
from store.migrate import downgrade, upgrade
from tests.constants import KEYS
from tests.store.test_migration_item_precincts import _engine


def test_employers_created_at_is_backfilled_snapshots_forgotten_and_downgrade_keeps_the_rows(legacy_url):
    keyring = Keyring(**KEYS)
    upgrade(legacy_url, "0022_art57", keyring=keyring)
    engine = _engine(legacy_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO precincts (id, code, name) VALUES (1, 'GL01', '东街')"))
        conn.execute(text("INSERT INTO employers (id, credit_code, name, address, precinct_id) VALUES "
                          "(1, '91350102MA2XYM123R', 'a', 'x', 1), (2, '91350100M000100Y43', 'b', 'y', 1)"))
        conn.execute(text("INSERT INTO sites (id, code, employer_id, kind, address) VALUES (1, '300001', 1, "
                          "'dormitory', 'x')"))
        conn.execute(text("INSERT INTO people (id, document_type, name, created_at, updated_at) VALUES "
                          "(1, 'none', 'p', '2026-01-02 00:00:00', '2026-01-02 00:00:00')"))
        conn.execute(text("INSERT INTO staff_declarations (id, person_id, employer_id, site_id, lodger, start, status, "
                          "receipt, channel, declarant_phone, declared_at, updated_at, late) VALUES "
                          "(1, 1, 1, 1, true, '2026-01-01', 'active', 'S1', 'sms', '+8613600000000', "
                          "'2026-01-05 00:00:00', '2026-01-05 00:00:00', false), "
                          "(2, 1, 1, 1, false, '2026-01-01', 'ended', 'S2', 'sms', '+8613600000000', "
                          "'2026-01-03 00:00:00', '2026-01-03 00:00:00', false)"))
        conn.execute(text("INSERT INTO stats_month_snapshots (month, time_zone, precinct_id, new_declarations, "
                          "move_outs, active_residents, enrolled_landlords, enrolled_properties, landlords_declaring, "
                          "late_declarations, sms, voice, officer, web, declared_by_agents, inbound_messages, "
                          "rejected_messages, rejections, computed_at) VALUES ('2026-01', 'UTC', 1, 0, 0, 0, 0, 0, "
                          "0, 0, 0, 0, 0, 0, 0, 0, 0, '[]', '2026-02-01 00:00:00')"))
    engine.dispose()
    before = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0) - dt.timedelta(seconds=1)
    upgrade(legacy_url, "0023_empstats", keyring=keyring)
    engine = _engine(legacy_url)
    found = inspect(engine)
    added = {"employers": {"created_at"}, "staff_declarations": {"hukou_address"},
             "stats_month_snapshots": {"employers_enrolled", "staff_declared", "staff_active", "lodgers_active",
                                       "late_staff_declarations"}}
    for table, columns in added.items():  # its own columns: later revisions add more
        assert columns <= {c["name"] for c in found.get_columns(table)}
    with engine.connect() as conn:
        first, second = conn.execute(text("SELECT created_at FROM employers ORDER BY id")).scalars().all()
        assert str(first).startswith("2026-01-03")  # the first staff declaration
        upgraded = second if isinstance(second, dt.datetime) else dt.datetime.fromisoformat(str(second))
        assert before <= upgraded <= before + dt.timedelta(minutes=5)  # no staff: the upgrade's time, in UTC
        assert conn.scalar(text("SELECT count(*) FROM stats_month_snapshots")) == 0
    engine.dispose()
    downgrade(legacy_url, "0022_art57", keyring=keyring)
    engine = _engine(legacy_url)
    assert "created_at" not in {c["name"] for c in inspect(engine).get_columns("employers")}
    assert "hukou_address" not in {c["name"] for c in inspect(engine).get_columns("staff_declarations")}
    assert "lodgers_active" not in {c["name"] for c in inspect(engine).get_columns("stats_month_snapshots")}
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM employers")) == 2
        assert conn.scalar(text("SELECT count(*) FROM staff_declarations")) == 2
    engine.dispose()
