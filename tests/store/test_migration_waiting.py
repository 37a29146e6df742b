"""Migration 0028_waiting: the partial index a drain's claim reads its batch from, holding only the messages
still waiting for a worker; a downgrade drops it and keeps every message."""
from __future__ import annotations

from sqlalchemy import inspect, text

from store.keyring import Keyring
from store.migrate import downgrade, upgrade
from tests.constants import KEYS
from tests.store.test_migration_item_precincts import _engine

BEFORE = "0027_empenrol"


def _waiting_index(engine) -> dict | None:
    return {i["name"]: i for i in inspect(engine).get_indexes("inbound_messages")}.get("ix_inbound_waiting")


def test_the_waiting_index_holds_only_received_messages_and_goes_on_downgrade(legacy_url, backend):
    keyring = Keyring(**KEYS)
    upgrade(legacy_url, BEFORE, keyring=keyring)
    engine = _engine(legacy_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO inbound_messages (id, provider_sid, channel, from_number, to_number, body, "
                          "received_at, status, attempts) VALUES (1, 'SM1', 'sms', '+8613800138000', '+1', 'x', "
                          "'2026-12-01 00:00:00', 'received', 0)"))
    engine.dispose()

    upgrade(legacy_url, "0028_waiting", keyring=keyring)
    engine = _engine(legacy_url)
    index = _waiting_index(engine)
    assert index is not None and index["column_names"] == ["id"] and not index["unique"]
    if backend == "postgres":
        assert "received" in index["dialect_options"]["postgresql_where"]
        with engine.connect() as conn:  # built CONCURRENTLY, so that webhooks go on meanwhile: and completely
            assert conn.scalar(text("SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_inbound_waiting'::regclass"))
    else:
        with engine.connect() as conn:
            assert "WHERE status = 'received'" in conn.scalar(text(
                "SELECT sql FROM sqlite_master WHERE name = 'ix_inbound_waiting'"))
    engine.dispose()

    downgrade(legacy_url, BEFORE, keyring=keyring)
    engine = _engine(legacy_url)
    assert _waiting_index(engine) is None
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id, status FROM inbound_messages")).all() == [(1, "received")]
    engine.dispose()
