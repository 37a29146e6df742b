"""Migration 0013: the campaign's default start is the day of the oldest stored message, not the upgrade's."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import create_engine, select, text

from store import facts
from store.keyring import Keyring
from store.migrate import downgrade, upgrade
from store.models import GatewayFact
from tests.constants import KEYS, LANDLORD


class TestCampaignStart:
    def test_an_upgraded_database_began_with_its_first_message(self, legacy_url):
        """Upgrading a gateway that has run for months must not turn every earlier move-in into backlog."""
        keyring = Keyring(**KEYS)
        upgrade(legacy_url, "0012_api_tokens", keyring=keyring)
        engine = create_engine(legacy_url)
        with engine.begin() as conn:
            for sid, day in (("SM2", dt.datetime(2026, 5, 1, 8, 0)), ("SM1", dt.datetime(2026, 3, 2, 23, 0))):
                conn.execute(text("INSERT INTO inbound_messages (provider_sid, channel, from_number, to_number, "
                                  "body, received_at, status, attempts) "
                                  "VALUES (:sid, 'sms', :p, '', '', :t, 'processed', 0)"),
                             {"sid": sid, "p": LANDLORD, "t": day})
        upgrade(legacy_url, "0013_campaign_start", keyring=keyring)
        with engine.connect() as conn:
            assert conn.scalar(select(GatewayFact.value).where(GatewayFact.key == facts.CREATED_ON)) == "2026-03-02"
        downgrade(legacy_url, "0012_api_tokens", keyring=keyring)
        engine.dispose()

    def test_a_new_database_began_today(self, legacy_url):
        upgrade(legacy_url, "0013_campaign_start", keyring=Keyring(**KEYS))
        engine = create_engine(legacy_url)
        with engine.connect() as conn:
            day = conn.scalar(select(GatewayFact.value).where(GatewayFact.key == facts.CREATED_ON))
        engine.dispose()
        assert abs((dt.date.fromisoformat(day) - dt.date.today()).days) <= 1
