"""Sealed columns: values encrypted by the database layer itself, so models stay readable.

`SealedText` and `SealedJSON` seal on the way in and open on the way out with the keyring of the
engine the statement runs on. The keyring is attached to each engine's dialect when the runtime
(or a migration) builds the engine: no key sits in a module global or is read from the
environment here, and two engines in one process (a test rotating keys) can hold different keys.

A sealed column cannot be compared in SQL (each seal draws a fresh nonce, so `==` would silently
match nothing): such a comparison raises. Look documents up by `people.document_hash` instead.
"""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.types import TypeDecorator

from store.keyring import Keyring, SealedDataError

_ATTRIBUTE = "declgate_keyring"
_ALLOWED = {operators.is_, operators.is_not}  # NULL says only that there is no value


class SealedColumnError(Exception):
    """A query compared a sealed column in SQL; it must use the blind index."""


def attach(engine: Engine, keyring: Keyring) -> Engine:
    """Give every statement on `engine` these keys (the intake engine and the main one each need it)."""
    setattr(engine.dialect, _ATTRIBUTE, keyring)
    return engine


def keyring_of(dialect: Dialect) -> Keyring:
    keyring = getattr(dialect, _ATTRIBUTE, None)
    if keyring is None:
        raise SealedDataError("this database engine has no data keys: build it with gateway.runtime.build_runtime "
                              "or attach them with store.sealed.attach")
    return keyring


def keyring_for(session: Session) -> Keyring:
    """The keys of the engine a session works on."""
    return keyring_of(session.get_bind().dialect)


def document_hash(session: Session, document_type: str, number: str) -> str:
    """The blind index of a document, under the keys of the session's engine (see store.keyring)."""
    return keyring_for(session).document_hash(document_type, number)


class _NoComparison(TypeDecorator.Comparator):
    def operate(self, op, *other, **kwargs):
        if op not in _ALLOWED:
            raise SealedColumnError(f"{self.expr} is sealed: compare people.document_hash instead")
        return super().operate(op, *other, **kwargs)

    def reverse_operate(self, op, other, **kwargs):
        raise SealedColumnError(f"{self.expr} is sealed: compare people.document_hash instead")


class SealedText(TypeDecorator):
    """Text sealed with the column name as associated data (`context`, e.g. "people.document_number")."""

    impl = Text
    cache_ok = True
    comparator_factory = _NoComparison

    def __init__(self, context: str) -> None:
        super().__init__()
        self.context = context

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return keyring_of(dialect).seal(self._dump(value), self.context)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return self._load(keyring_of(dialect).open(value, self.context))

    def _dump(self, value: Any) -> str:
        return value

    def _load(self, text: str) -> Any:
        return text


class SealedJSON(SealedText):
    """A JSON document sealed whole (a message's parse, a call's payload, an audit entry's detail)."""

    cache_ok = True  # SQLAlchemy asks each subclass again; its state is SealedText's (the column's name)

    def _dump(self, value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def _load(self, text: str) -> Any:
        return json.loads(text)


# Every sealed column, as (table, column): the migration seals them, `declgate keys rotate` reseals them.
# The column's "table.column" is the context its values are bound to.
SEALED_COLUMNS = (
    ("people", "document_number"),
    ("inbound_messages", "body"),
    ("inbound_messages", "parse"),
    ("inbound_messages", "payload"),
    ("audit_log", "detail"),
    ("enrolment_requests", "document_number"),
)
