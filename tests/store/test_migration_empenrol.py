"""Migration 0027_empenrol: employers' requests share the enrolment table; the landlords' stored so far stay
landlords', and a downgrade keeps them (an employer's request has no landlord meaning and goes)."""
from __future__ import annotations

from sqlalchemy import inspect, text

from store.keyring import Keyring
from store.migrate import downgrade, upgrade
from store.models import EnrolmentRequest
from tests.constants import KEYS
from tests.store.test_migration_item_precincts import _engine

BEFORE = "0026_verify"
LANDLORD_ROW = ("INSERT INTO enrolment_requests (id, phone, name, document_type, address, address_key, single_unit, "
                "language, status, address_conflict, channel, created_at) VALUES (1, '+8613700000000', '王房东', "
                "'none', '东街14号', '东街14号', false, 'zh', 'pending', false, 'web', '2026-12-01 00:00:00')")


def _pending_index(engine) -> dict:
    return {i["name"]: i for i in inspect(engine).get_indexes("enrolment_requests")}["uq_enrolment_requests_pending"]


def test_landlords_requests_are_kept_both_ways(legacy_url):
    keyring = Keyring(**KEYS)
    upgrade(legacy_url, BEFORE, keyring=keyring)
    engine = _engine(legacy_url)
    with engine.begin() as conn:
        conn.execute(text(LANDLORD_ROW))
    engine.dispose()

    upgrade(legacy_url, "0027_empenrol", keyring=keyring)
    engine = _engine(legacy_url)
    columns = {c["name"] for c in inspect(engine).get_columns("enrolment_requests")}
    assert columns == {c.name for c in EnrolmentRequest.__table__.columns}
    assert _pending_index(engine)["unique"]
    with engine.begin() as conn:
        assert conn.execute(text("SELECT name, kind, credit_code, credit_conflict FROM enrolment_requests")).one() \
            in (("王房东", "landlord", None, False), ("王房东", "landlord", None, 0))
        conn.execute(text("INSERT INTO enrolment_requests (id, kind, phone, name, document_type, address, address_key, "
                          "single_unit, language, status, address_conflict, channel, created_at, credit_code, "
                          "credit_conflict, site_kind) VALUES (2, 'employer', '+8613700000001', '榕城物流', 'none', "
                          "'东街16号', '东街16号', false, 'zh', 'pending', false, 'web', '2026-12-01 00:00:00', "
                          "'91110000802100433B', false, 'workplace')"))
    engine.dispose()

    downgrade(legacy_url, BEFORE, keyring=keyring)
    engine = _engine(legacy_url)
    columns = {c["name"] for c in inspect(engine).get_columns("enrolment_requests")}
    assert not columns & {"kind", "credit_code", "credit_conflict", "site_address", "site_kind", "capacity"}
    assert _pending_index(engine)["unique"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id, name FROM enrolment_requests")).all() == [(1, "王房东")]
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == BEFORE
    engine.dispose()
