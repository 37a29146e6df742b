"""Sealed columns: tokens in the table, values in the model, and no SQL comparison that would silently miss."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from store.declarations import find_person
from store.db import make_engine, make_sessionmaker
from store.models import Person
from store.sealed import SealedColumnError
from tests.constants import ID_A, ID_B


class TestSealedColumns:
    def test_the_table_holds_a_token_the_model_the_number(self, rt):
        """A person's number is stored sealed, read back in clear, and found through its blind index."""
        with rt.sessions.begin() as session:
            session.add(Person(document_type="ric", document_number=ID_A, name="张三"))
        with rt.engine.connect() as conn:
            stored, digest = conn.execute(sa.text("SELECT document_number, document_hash FROM people")).one()
        assert ID_A not in stored and stored.startswith(rt.keyring.current_prefix)
        assert digest == rt.keyring.document_hash("ric", ID_A)
        with rt.sessions() as session:
            assert find_person(session, "ric", ID_A).document_number == ID_A
            assert find_person(session, "passport", ID_A) is None

    def test_a_changed_number_gets_a_new_hash(self, rt):
        """Correcting a number moves its blind index with it."""
        with rt.sessions.begin() as session:
            person = Person(document_type="ric", document_number=ID_B, name="李四")
            session.add(person)
        with rt.sessions.begin() as session:
            session.get(Person, person.id).document_number = ID_A
        with rt.sessions() as session:
            assert find_person(session, "ric", ID_A).id == person.id

    def test_comparing_a_sealed_column_in_sql_raises(self, rt):
        """`document_number == x` could never match a token: it raises instead of finding nobody."""
        with pytest.raises(SealedColumnError, match="document_hash"):
            sa.select(Person).where(Person.document_number == ID_A)
        with pytest.raises(SealedColumnError):
            sa.select(Person).where(Person.document_number.like("3501%"))
        sa.select(Person).where(Person.document_number.is_(None))  # absence is not a secret

    def test_an_engine_without_keys_refuses_to_write(self, settings):
        """Writing through an engine nobody gave keys fails loudly rather than storing plaintext."""
        engine = make_engine(settings.database_url)
        try:
            with make_sessionmaker(engine).begin() as session, pytest.raises(Exception, match="no data keys"):
                session.add(Person(document_type="ric", document_number=ID_A))
                session.flush()
        finally:
            engine.dispose()
