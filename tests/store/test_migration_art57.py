"""Migration 0022: staff declarations' `late` backfilled by the move-in rule (deadline, backlog, campaign start),
nothing else touched; the actions' table comes and goes."""
from __future__ import annotations

from sqlalchemy import inspect, text

from store.keyring import Keyring
from store.migrate import downgrade, upgrade
from store.models import Art57Action
from tests.constants import KEYS
from tests.store.test_migration_item_precincts import _engine

# (id, start, declared_at): on time, 8 days late, a backlog start (over 366 days back), before the campaign.
STAFF = [(1, "2026-03-01", "2026-03-05 09:00:00"), (2, "2026-03-01", "2026-03-09 09:00:00"),
         (3, "2024-01-01", "2026-03-09 09:00:00"), (4, "2025-12-20", "2026-03-09 09:00:00")]


def test_late_is_backfilled_and_downgrade_removes_it(legacy_url):
    keyring = Keyring(**KEYS)
    upgrade(legacy_url, "0021_export", keyring=keyring)
    engine = _engine(legacy_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM gateway_facts WHERE key = 'created_on'"))
        conn.execute(text("INSERT INTO gateway_facts (key, value) VALUES ('created_on', '2026-01-01')"))
        conn.execute(text("INSERT INTO precincts (id, code, name) VALUES (1, 'GL01', '东街')"))
        conn.execute(text("INSERT INTO employers (id, credit_code, name, address, precinct_id) VALUES "
                          "(1, '91350102MA2XYM123R', '闽江建设', 'x', 1)"))
        conn.execute(text("INSERT INTO sites (id, code, employer_id, kind, address) VALUES "
                          "(1, '300001', 1, 'workplace', 'x')"))
        conn.execute(text("INSERT INTO people (id, document_type, name, created_at, updated_at) VALUES "
                          "(1, 'none', 'p', '2026-01-02 00:00:00', '2026-01-02 00:00:00')"))
        for ident, start, declared in STAFF:
            conn.execute(text("INSERT INTO staff_declarations (id, person_id, employer_id, site_id, lodger, start, "
                              "status, receipt, channel, declarant_phone, declared_at, updated_at) VALUES "
                              "(:id, 1, 1, 1, false, :start, 'ended', :receipt, 'sms', '+8613600000000', "
                              ":declared, :declared)"),
                         {"id": ident, "start": start, "receipt": f"S{ident}", "declared": declared})
    engine.dispose()
    upgrade(legacy_url, "0022_art57", keyring=keyring)
    engine = _engine(legacy_url)
    found = inspect(engine)
    assert {c["name"] for c in found.get_columns("art57_actions")} == {c.name for c in Art57Action.__table__.columns}
    assert "late" in {c["name"] for c in found.get_columns("staff_declarations")}  # later revisions add more
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, late, receipt FROM staff_declarations ORDER BY id")).all()
    assert [(i, bool(late), receipt) for i, late, receipt in rows] == [
        (1, False, "S1"), (2, True, "S2"), (3, False, "S3"), (4, False, "S4")]
    engine.dispose()
    downgrade(legacy_url, "0021_export", keyring=keyring)
    engine = _engine(legacy_url)
    assert "art57_actions" not in inspect(engine).get_table_names()
    assert "late" not in {c["name"] for c in inspect(engine).get_columns("staff_declarations")}
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM staff_declarations")) == 4
    engine.dispose()
