"""Migration 0011: replies the API took become `queued` (what `sent` meant before receipts), and back."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import text

from store.keyring import Keyring
from store.migrate import downgrade, upgrade
from tests.constants import KEYS, LANDLORD
from tests.store.test_migration_item_precincts import _engine


class TestDeliveryReceipts:
    def test_sent_becomes_queued_and_back(self, legacy_url):
        """A reply stored `sent` before receipts reads `queued` after the upgrade, with no attempts recorded
        and nothing purged; the downgrade gives `sent` back."""
        keyring = Keyring(**KEYS)
        upgrade(legacy_url, "0010_contact_languages", keyring=keyring)
        engine = _engine(legacy_url)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO outbound_messages (id, to_number, body, purpose, status, created_at) "
                              "VALUES (1, :to, 'ok', 'reply', 'sent', :now), (2, :to, 'x', 'notice', 'outbox', :now)"),
                         {"to": LANDLORD, "now": dt.datetime(2026, 1, 5)})
        upgrade(legacy_url, "0011_delivery_receipts", keyring=keyring)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, status, attempts, error_code FROM outbound_messages ORDER BY id")).all()
            attempts = conn.scalar(text("SELECT count(*) FROM delivery_attempts"))
        assert [tuple(r) for r in rows] == [(1, "queued", 0, None), (2, "outbox", 0, None)] and attempts == 0
        downgrade(legacy_url, "0010_contact_languages", keyring=keyring)
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT status FROM outbound_messages WHERE id = 1")) == "sent"
        engine.dispose()
