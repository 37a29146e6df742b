"""Tokens of machine clients (the integrated police platform) pulling `GET /api/v1/export`.

An admin makes one per unit (`declgate export-token create --unit U`): it reads the rows of the stations under
that unit (store.org.stations_under), nothing else, and is no landlord's API token — the two live in separate
tables, so neither opens the other's door. Only the SHA-256 is stored, as for API tokens (store.api_access).
"""
from __future__ import annotations

import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from store import org
from store.api_access import token_hash
from store.models import ExportToken, utcnow


class UnknownUnit(LookupError):
    """No unit has that code."""


def create(session: Session, unit_code: str, *, unmasked: bool = False) -> tuple[str, ExportToken]:
    """A new token for the unit; returns it (shown once) and its row."""
    unit = org.unit_named(session, unit_code)
    if unit is None:
        raise UnknownUnit(unit_code)
    token = "dgx_" + secrets.token_urlsafe(32)
    row = ExportToken(token_hash=token_hash(token), unit_id=unit.id, unmasked=unmasked, created_at=utcnow())
    session.add(row)
    session.flush()
    return token, row


def in_force(session: Session, token: str) -> ExportToken | None:
    """The token's row while it is not revoked, else None."""
    row = session.scalar(select(ExportToken).where(ExportToken.token_hash == token_hash(token)))
    return row if row is not None and row.revoked_at is None else None


def revoke(session: Session, token_id: int) -> bool:
    """End a token by its id; True if it was in force."""
    result = session.execute(update(ExportToken).where(ExportToken.id == token_id, ExportToken.revoked_at.is_(None))
                             .values(revoked_at=utcnow()))
    return bool(result.rowcount)


def listed(session: Session) -> list[ExportToken]:
    return list(session.scalars(select(ExportToken).order_by(ExportToken.id)))
