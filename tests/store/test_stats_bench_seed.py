"""bench/stats.py seeds a province-sized store with COPY, past the ORM, so it must keep up with the schema.

A migration that made `updated_at` required left it failing at its first COPY, unnoticed until the figures
were next wanted. Seeding a small store here, with the gateway reading it back, catches that at once.
"""
from __future__ import annotations

import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gateway.runtime import build_runtime
from gateway.settings import Settings
from store.models import Declaration, InboundMessage, Person
from tests.databases import drop_database, fresh_database

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import _common as bench  # noqa: E402
import stats as stats_bench  # noqa: E402

PEOPLE = 200


@pytest.fixture
def scratch_url(postgres_url):
    url = f"{postgres_url}_statsseed_{uuid.uuid4().hex[:6]}"
    fresh_database(url)
    yield url
    drop_database(url)


def test_the_statistics_bench_seeds_a_store_the_gateway_reads(scratch_url):
    stats_bench.seed(scratch_url, PEOPLE)
    rt = build_runtime(Settings(database_url=scratch_url, secret_key="x", twilio_auth_token="x", **bench.KEYS))
    try:
        with rt.sessions() as session:
            assert session.scalar(select(func.count()).select_from(Person)) == PEOPLE
            assert session.scalar(select(func.count()).select_from(Declaration)) == 2 * PEOPLE
            assert session.get(Person, 7).document_number == "B000000007"  # sealed as the gateway seals it
            assert session.scalar(select(func.count()).select_from(InboundMessage)) > 0
    finally:
        rt.dispose()
