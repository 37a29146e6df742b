"""The benchmarks' seeded store (bench/seeded_store.py) is one the gateway reads as its own.

bench/e2e.py measures every round on 300,000 seeded people and bench/dedupe.py on up to a million,
written with COPY past the ORM. A migration that adds a required column, or a change to the sealing,
must fail here rather than leave the benchmarks broken, or measuring a store the gateway could never
have written (a NOT NULL column once broke bench/dedupe.py unnoticed).
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gateway.pipeline import batch, intake
from store.models import Declaration, InboundMessage, OutboundMessage, Person, Precinct
from store.states import DeclarationStatus, InboundStatus
from tests.constants import GATEWAY_NUMBER

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import seeded_store  # noqa: E402

SEEDED = 30
pytestmark = pytest.mark.parametrize("backend", ["postgres"])  # COPY is PostgreSQL's


@pytest.fixture
def layout(enrolled, postgres_url, redis_url) -> seeded_store.Layout:
    """Three seeded landlords' properties beside the suite's enrolled one, SEEDED people living there."""
    rt = enrolled
    with rt.sessions() as session:
        precinct = session.scalar(select(Precinct.id).where(Precinct.code == "GL01"))
    layout = seeded_store.Layout(rt.settings.database_url, 3, precinct_id=precinct, first_id=2, keys=rt.keyring)
    seeded_store.seed_properties(layout)
    seeded_store.grow(layout, 0, SEEDED)
    return layout


def test_seeded_people_open_with_the_gateways_keys(rt, layout):
    with rt.sessions() as session:
        numbers = dict(session.execute(select(Person.id, Person.document_number)).all())
        bodies = dict(session.execute(select(InboundMessage.id, InboundMessage.body)).all())
    assert numbers == {s + 1: seeded_store.id_number(s) for s in range(SEEDED)}
    assert bodies == {s + 1: seeded_store.body(s) for s in range(SEEDED)}


def test_a_seeded_tenant_declared_by_another_seeded_landlord_moves(rt, layout):
    """Dedupe finds the seeded person by the blind index, and the seeded landlord is enrolled: a move."""
    text = seeded_store.body(0)  # person 0 lives at property 0
    inbound_id, _ = intake.store_sms(rt, sid="SMseededmove", from_number=layout.phone(1), to_number=GATEWAY_NUMBER,
                                     body=text)
    batch.process_waiting(rt)
    with rt.sessions() as session:
        assert session.get(InboundMessage, inbound_id).status == InboundStatus.PROCESSED
        assert session.scalar(select(func.count()).select_from(Person)) == SEEDED  # no second person
        held = dict(session.execute(select(Declaration.property_id, Declaration.status)
                                    .where(Declaration.person_id == 1)).all())
        assert held == {layout.first_id: DeclarationStatus.SUPERSEDED, layout.first_id + 1: DeclarationStatus.ACTIVE}
        new = session.scalar(select(Declaration.id).where(Declaration.inbound_id == inbound_id))
        reply = session.scalar(select(OutboundMessage.id).where(OutboundMessage.in_reply_to == inbound_id))
    # The gateway's own rows take ids past the seeded ones.
    assert min(inbound_id, new, reply) > SEEDED
