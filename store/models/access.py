"""The internet channel's credentials (migration 0012_api_tokens and later): log-in codes, tokens, idempotency."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models.base import Base, utcnow


class ApiLoginCode(Base):
    """A one-time log-in code sent by SMS, kept only as a salted hash; every request is a row, so the
    per-phone and per-address limits are counts over the last hour."""

    __tablename__ = "api_login_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))  # sha256(salt + code), hex; a never-sent code for a stranger
    salt: Mapped[str] = mapped_column(String(32))
    tries: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class ApiToken(Base):
    """A bearer token of the JSON API; the SHA-256 of the token is stored, never the token."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # None for an agent that is no landlord (0013): `phone` is who holds it, and what it may reach is read per request.
    landlord_id: Mapped[int | None] = mapped_column(ForeignKey("landlords.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    landlord: Mapped[Landlord | None] = relationship()


class ExportToken(Base):  # a machine client's pull of one unit's rows (store.export_tokens); SHA-256 kept only
    __tablename__ = "export_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    unmasked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    unit: Mapped[Unit] = relationship()


class IdempotentRequest(Base):
    """A POST's answer kept under its Idempotency-Key: a retry is answered the same and does nothing again."""

    __tablename__ = "api_idempotency"
    __table_args__ = (UniqueConstraint("scope", "key", name="uq_api_idempotency_scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(64))  # `landlord:<id>`, or `phone:<E.164>` before log-in
    key: Mapped[str] = mapped_column(String(64))  # sha256 of the client's key and the path, hex
    fingerprint: Mapped[str] = mapped_column(String(64))  # sha256 of the body: the same key with another body is refused
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)  # what was answered (IDs in it are masked)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
