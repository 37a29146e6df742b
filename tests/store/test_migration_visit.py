"""Migration 0025: declarations gain the officer who made them and `found_on_visit` (false for every earlier
one), officers' copies of messages the officer who edited them; nothing stored before is lost either way."""
from __future__ import annotations

from sqlalchemy import inspect, text

from store.keyring import Keyring
from store.migrate import downgrade, upgrade
from store.models import Declaration, InboundMessage
from tests.constants import KEYS
from tests.store.test_migration_item_precincts import _engine


def test_earlier_declarations_were_found_on_no_visit_and_downgrade_keeps_them(legacy_url):
    keyring = Keyring(**KEYS)
    upgrade(legacy_url, "0024_empweb", keyring=keyring)
    engine = _engine(legacy_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO precincts (id, code, name) VALUES (1, 'GL01', '东街')"))
        conn.execute(text("INSERT INTO landlords (id, phone, name, created_at) VALUES (1, '+8613800138000', 'a', "
                          "'2026-01-01 00:00:00')"))
        conn.execute(text("INSERT INTO properties (id, code, landlord_id, precinct_id, address, single_unit) "
                          "VALUES (1, '100001', 1, 1, 'x', false)"))
        conn.execute(text("INSERT INTO people (id, document_type, name, created_at, updated_at) VALUES "
                          "(1, 'none', 'p', '2026-01-02 00:00:00', '2026-01-02 00:00:00')"))
        conn.execute(text("INSERT INTO declarations (id, person_id, property_id, move_in, status, receipt, channel, "
                          "late, declared_at, updated_at) VALUES "
                          "(1, 1, 1, '2026-01-01', 'active', 'A1', 'officer', false, '2026-01-03 00:00:00', "
                          "'2026-01-03 00:00:00')"))
    engine.dispose()
    upgrade(legacy_url, "0025_visit", keyring=keyring)
    engine = _engine(legacy_url)
    found = inspect(engine)
    for model in (Declaration, InboundMessage):
        table = model.__table__
        assert {c["name"] for c in found.get_columns(table.name)} == {c.name for c in table.columns}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id, receipt, channel, officer_id, found_on_visit FROM declarations")).all() \
            == [(1, "A1", "officer", None, False)]
    engine.dispose()
    downgrade(legacy_url, "0024_empweb", keyring=keyring)
    engine = _engine(legacy_url)
    assert {"officer_id", "found_on_visit"}.isdisjoint(c["name"] for c in inspect(engine).get_columns("declarations"))
    assert "edited_by_id" not in {c["name"] for c in inspect(engine).get_columns("inbound_messages")}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id, receipt FROM declarations")).all() == [(1, "A1")]
    engine.dispose()
