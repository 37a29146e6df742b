"""Migration 0009 seals a store in place: counts and dedupe unchanged, and no plaintext ID left behind."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from rq import Queue

from gateway.app import create_app
from gateway.runtime import build_runtime, embedded_redis, install
from gateway.settings import Settings
from store.db import make_engine
from store.keyring import Keyring
from store.migrate import downgrade, heads, upgrade
from store.models import AuditEntry, InboundMessage, Person
from tests.store.legacy import (AUDIT, BEFORE, INBOUND, PEOPLE, counts, database_bytes, landlord_phone,
                                plaintext_ids, ric_number, room, seed)
from tests.constants import KEYS, PUBLIC_BASE_URL, SUITE, TOKEN
from tests.support import drain, reply_to, sms

LARGE = 100_000  # the finding's size: about 40 s on SQLite and 80 s on PostgreSQL on a busy 2-core machine


def gateway_on(url: str):
    """A runtime and a Flask client on `url` with the suite's keys and a queue of their own."""
    name = f"migrated-{uuid.uuid4().hex[:10]}"
    settings = Settings(database_url=url, twilio_auth_token=TOKEN, secret_key="x", queue_name=name,
                        public_base_url=PUBLIC_BASE_URL, **SUITE)
    rt = build_runtime(settings)
    rt.redis = embedded_redis(name)
    rt.queue = Queue(name, connection=rt.redis)
    install(rt)
    return rt, create_app(settings, rt=rt, test_config={"TESTING": True}).test_client()


def raw_rows(url: str) -> dict[str, list]:
    """Every sealed column's stored values, as 0005's column types read them."""
    engine = make_engine(url)
    with engine.connect() as conn:
        found = {
            "people": conn.execute(sa.select(PEOPLE.c.id, PEOPLE.c.document_number).order_by(PEOPLE.c.id)).all(),
            "inbound": conn.execute(sa.select(INBOUND.c.id, INBOUND.c.body, INBOUND.c.parse, INBOUND.c.payload)
                                    .order_by(INBOUND.c.id)).all(),
            "audit": conn.execute(sa.select(AUDIT.c.id, AUDIT.c.detail).order_by(AUDIT.c.id)).all()}
    engine.dispose()
    return found


class TestUpgrade:
    @pytest.mark.slow
    def test_seals_a_large_store_in_place_keeping_counts_and_dedupe(self, legacy_url):
        """100k people, their declarations and messages are sealed; counts stay, nothing readable is left,
        everything reads back, and re-declaring a migrated tenant is `already_registered`."""
        legacy = seed(legacy_url, LARGE)
        before = counts(legacy_url)
        assert len(plaintext_ids(database_bytes(legacy_url), legacy.numbers)) == LARGE  # the check sees a leak

        upgrade(legacy_url, keyring=Keyring(**KEYS))

        assert counts(legacy_url) == before
        assert plaintext_ids(database_bytes(legacy_url), legacy.numbers) == set()
        rt, client = gateway_on(legacy_url)
        try:
            with rt.sessions() as session:
                assert session.get(Person, 1).document_number == ric_number(0)
                assert session.scalar(sa.select(sa.func.count(sa.distinct(Person.document_hash)))) == LARGE
                first = session.get(InboundMessage, 1)
                assert first.body == f"登记 租客0 {ric_number(0)} {room(0)}"
                assert first.parse["records"][0]["document"]["number"] == ric_number(0)
                assert first.payload["document_number"] == ric_number(0)
                assert session.get(AuditEntry, 1).detail == {"query": ric_number(0), "results": 1}
            again = sms(client, f"登记 张三 {ric_number(7)} {room(7)}", landlord_phone(7))
            drain(rt)
            replies = reply_to(rt, again.sid)
            assert any("此前已登记" in reply for reply in replies), replies
            after = counts(legacy_url)
            assert (after["people"], after["declarations"]) == (LARGE, LARGE)
        finally:
            rt.dispose()

    def test_refuses_without_keys_and_changes_nothing(self, legacy_url):
        """Rows to seal and no keys: a clear error naming the settings, and the store left just before 0009."""
        seed(legacy_url, 20)
        before = raw_rows(legacy_url)

        with pytest.raises(RuntimeError, match="DATA_KEYS and BLIND_INDEX_KEY"):
            upgrade(legacy_url)

        engine = make_engine(legacy_url)
        with engine.connect() as conn:
            # PostgreSQL rolls the whole upgrade back; SQLite keeps the revisions before 0009, which seal nothing.
            expected = BEFORE if legacy_url.startswith("postgresql") else "0008_officer_sessions"
            assert conn.scalar(sa.text("SELECT version_num FROM alembic_version")) == expected
        engine.dispose()
        assert raw_rows(legacy_url) == before

    def test_empty_store_needs_no_keys(self, legacy_url):
        """A new deployment migrates before it has keys: there is nothing to seal."""
        upgrade(legacy_url)

        engine = make_engine(legacy_url)
        with engine.connect() as conn:
            assert {conn.scalar(sa.text("SELECT version_num FROM alembic_version"))} == heads()
        engine.dispose()


class TestDowngrade:
    def test_opens_every_value_back_and_upgrades_again(self, legacy_url):
        """With the keys, downgrade restores the very values that were sealed; upgrading again seals them."""
        legacy = seed(legacy_url, 50)
        before = raw_rows(legacy_url)
        keyring = Keyring(**KEYS)
        upgrade(legacy_url, keyring=keyring)
        assert plaintext_ids(database_bytes(legacy_url), legacy.numbers) == set()

        downgrade(legacy_url, BEFORE, keyring=keyring)
        assert raw_rows(legacy_url) == before

        upgrade(legacy_url, keyring=keyring)
        assert plaintext_ids(database_bytes(legacy_url), legacy.numbers) == set()
