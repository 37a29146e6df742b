"""store.membership.one_of: `IN` as one statement text on PostgreSQL, with the same answers as `IN`."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from store.membership import one_of
from store.models import Landlord


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=[pytest.mark.postgres,
                                                                             pytest.mark.redis])], indirect=True)
class TestOneOf:
    def test_finds_exactly_the_rows_named(self, enrolled, backend):
        with enrolled.sessions() as session:
            phones = list(session.scalars(select(Landlord.phone).order_by(Landlord.id)))
            assert phones, "the enrolled fixture has landlords"
            found = session.scalars(select(Landlord.phone).where(one_of(session, Landlord.phone, [phones[0], "+860"])))
            assert list(found) == [phones[0]]

    def test_a_value_longer_than_the_column_matches_nothing(self, enrolled, backend):
        """A cast to the column's varchar(20)[] would cut it to 20 characters and match the row holding them."""
        with enrolled.sessions.begin() as session:
            session.add(Landlord(phone="+8613811112222333344", name="长号码"))  # 20 characters, the column's length
        with enrolled.sessions() as session:
            longer = "+8613811112222333344" + "5"
            assert list(session.scalars(select(Landlord.id).where(one_of(session, Landlord.phone, [longer])))) == []
