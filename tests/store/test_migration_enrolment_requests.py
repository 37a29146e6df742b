"""Migration 0015: the enrolment requests' table comes and goes, and matches the model."""
from __future__ import annotations

from sqlalchemy import inspect, text

from store.keyring import Keyring
from store.migrate import downgrade, upgrade
from store.models import EnrolmentRequest
from tests.constants import KEYS
from tests.store.test_migration_item_precincts import _engine


class TestEnrolmentRequests:
    def test_up_and_down(self, legacy_url):
        keyring = Keyring(**KEYS)
        upgrade(legacy_url, "0014_media", keyring=keyring)
        upgrade(legacy_url, "0015_enrolment_requests", keyring=keyring)
        engine = _engine(legacy_url)
        found = inspect(engine)
        columns = {c["name"] for c in found.get_columns("enrolment_requests")}
        # Every column it has is the model's (0027_empenrol adds the employers' ones), and the landlords' are there.
        assert {"phone", "document_number", "document_hash", "address_key"} <= columns \
            <= {c.name for c in EnrolmentRequest.__table__.columns}
        indexes = {i["name"]: i for i in found.get_indexes("enrolment_requests")}
        assert indexes["uq_enrolment_requests_pending"]["unique"]
        assert indexes["uq_enrolment_requests_pending"]["column_names"] == ["phone", "address_key"]
        assert {"ix_enrolment_requests_document_hash", "ix_enrolment_requests_address_key"} <= set(indexes)
        engine.dispose()
        downgrade(legacy_url, "0014_media", keyring=keyring)
        engine = _engine(legacy_url)
        assert "enrolment_requests" not in inspect(engine).get_table_names()
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT version_num FROM alembic_version")) == "0014_media"
        engine.dispose()
