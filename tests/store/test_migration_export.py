"""Migration 0021: `updated_at` backfilled with the best time known (a declaration's end, else its start; a
person's creation), so the first `export --since` after the upgrade finds the rows that ended after it."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import inspect, text

from store.keyring import Keyring
from store.migrate import downgrade, upgrade
from store.models import Declaration, ExportToken, Person
from tests.constants import KEYS
from tests.store.test_migration_item_precincts import _engine


def test_updated_at_is_backfilled_and_downgrade_removes_it(legacy_url):
    keyring = Keyring(**KEYS)
    upgrade(legacy_url, "0020_employers", keyring=keyring)
    engine = _engine(legacy_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO precincts (id, code, name) VALUES (1, 'GL01', '东街')"))
        conn.execute(text("INSERT INTO landlords (id, phone, name, created_at) VALUES (1, '+8613800138000', 'a', "
                          "'2026-01-01 00:00:00')"))
        conn.execute(text("INSERT INTO properties (id, code, landlord_id, precinct_id, address, single_unit) "
                          "VALUES (1, '100001', 1, 1, 'x', false)"))
        conn.execute(text("INSERT INTO people (id, document_type, name, created_at) VALUES "
                          "(1, 'none', 'p', '2026-01-02 00:00:00')"))
        conn.execute(text("INSERT INTO declarations (id, person_id, property_id, move_in, status, receipt, channel, "
                          "late, declared_at, ended_at) VALUES "
                          "(1, 1, 1, '2026-01-01', 'active', 'A1', 'sms', false, '2026-01-03 00:00:00', NULL), "
                          "(2, 1, 1, '2026-01-01', 'ended', 'A2', 'sms', false, '2026-01-03 00:00:00', "
                          "'2026-02-04 00:00:00')"))
    engine.dispose()
    upgrade(legacy_url, "0021_export", keyring=keyring)
    engine = _engine(legacy_url)
    found = inspect(engine)
    for model in (Declaration, Person, ExportToken):
        table = model.__table__
        columns = {c["name"] for c in found.get_columns(table.name)}
        # Every column it has is the model's (later migrations add more), and this one's are there.
        assert columns <= {c.name for c in table.columns} and ("updated_at" in columns or model is ExportToken)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT updated_at FROM declarations ORDER BY id")).scalars().all() in (
            [dt.datetime(2026, 1, 3), dt.datetime(2026, 2, 4)], ["2026-01-03 00:00:00", "2026-02-04 00:00:00"])
        assert str(conn.scalar(text("SELECT updated_at FROM people"))).startswith("2026-01-02")
    engine.dispose()
    downgrade(legacy_url, "0020_employers", keyring=keyring)
    engine = _engine(legacy_url)
    assert "export_tokens" not in inspect(engine).get_table_names()
    assert "updated_at" not in {c["name"] for c in inspect(engine).get_columns("declarations")}
    engine.dispose()
