"""Migration 0029_staffverify: a verification item names a declaration or a staff declaration, exactly one; the
tenants' items kept both ways, the staff items dropped on a downgrade (their column goes)."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from store.keyring import Keyring
from store.migrate import downgrade, upgrade
from store.models import VerificationItem
from tests.constants import KEYS
from tests.store.test_migration_item_precincts import _engine

BEFORE = "0028_waiting"
ROWS = (
    "INSERT INTO precincts (id, code, name) VALUES (1, 'GL01', '东街')",
    "INSERT INTO landlords (id, phone, name, created_at) VALUES (1, '+8613800000000', '陈', '2026-10-01 00:00:00')",
    "INSERT INTO properties (id, code, landlord_id, precinct_id, address, single_unit) "
    "VALUES (1, '100001', 1, 1, '东街12号', false)",
    "INSERT INTO people (id, document_type, document_number, name, created_at, updated_at) "
    "VALUES (1, 'none', NULL, '张三', '2026-10-01 00:00:00', '2026-10-01 00:00:00')",
    "INSERT INTO declarations (id, person_id, property_id, room, move_in, status, receipt, channel, late, "
    "found_on_visit, declared_at, updated_at) VALUES (1, 1, 1, '301', '2026-10-01', 'active', 'R0000001', 'sms', "
    "false, false, '2026-10-02 00:00:00', '2026-10-02 00:00:00')",
    "INSERT INTO employers (id, credit_code, name, address, precinct_id, created_at) "
    "VALUES (1, '91350102MA2XYM123R', '闽江建设', '工业路1号', 1, '2026-10-01 00:00:00')",
    "INSERT INTO sites (id, code, employer_id, kind, address) VALUES (1, '300002', 1, 'dormitory', '工业路3号')",
    "INSERT INTO staff_declarations (id, person_id, employer_id, site_id, room, lodger, start, status, receipt, "
    "channel, declarant_phone, late, declared_at, updated_at) VALUES (1, 1, 1, 1, '101', true, '2026-10-01', "
    "'active', 'R0000002', 'sms', '+8613600000000', false, '2026-10-02 00:00:00', '2026-10-02 00:00:00')",
    "INSERT INTO verification_items (id, declaration_id, precinct_id, month, reason, drawn_at) "
    "VALUES (1, 1, 1, '2026-10', 'no_document', '2026-11-01 00:00:00')",
)
ITEM = ("INSERT INTO verification_items (id, {columns}precinct_id, month, reason, drawn_at) "
        "VALUES (:id, {values}1, '2026-10', 'no_document', '2026-11-01 00:00:00')")


def _insert(engine, item_id: int, columns: str, values: str) -> None:
    with engine.begin() as conn:
        conn.execute(text(ITEM.format(columns=columns, values=values)), {"id": item_id})


def test_an_item_names_exactly_one_declaration_and_downgrade_drops_the_staff_items(legacy_url):
    keyring = Keyring(**KEYS)
    upgrade(legacy_url, BEFORE, keyring=keyring)
    engine = _engine(legacy_url)
    with engine.begin() as conn:
        for sql in ROWS:
            conn.execute(text(sql))
    engine.dispose()

    upgrade(legacy_url, "0029_staffverify", keyring=keyring)
    engine = _engine(legacy_url)
    found = inspect(engine)
    assert {c["name"] for c in found.get_columns("verification_items")} == \
        {c.name for c in VerificationItem.__table__.columns}
    assert {c["name"]: c["nullable"] for c in found.get_columns("verification_items")}["declaration_id"]
    _insert(engine, 2, "staff_declaration_id, ", "1, ")
    with pytest.raises(IntegrityError):  # the staff declaration is drawn once
        _insert(engine, 3, "staff_declaration_id, ", "1, ")
    with pytest.raises(IntegrityError):  # both named
        _insert(engine, 4, "declaration_id, staff_declaration_id, ", "1, 1, ")
    with pytest.raises(IntegrityError):  # neither named
        _insert(engine, 5, "", "")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id, declaration_id, staff_declaration_id FROM verification_items "
                                 "ORDER BY id")).all() == [(1, 1, None), (2, None, 1)]
    engine.dispose()

    downgrade(legacy_url, BEFORE, keyring=keyring)
    engine = _engine(legacy_url)
    columns = {c["name"]: c for c in inspect(engine).get_columns("verification_items")}
    assert "staff_declaration_id" not in columns and not columns["declaration_id"]["nullable"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id, declaration_id FROM verification_items")).all() == [(1, 1)]
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == BEFORE
    engine.dispose()
