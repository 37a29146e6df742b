"""Officers' logins as rows: opened at login, checked on every request, revoked at logout.

The browser keeps a random token (inside Flask's signed cookie); only its SHA-256 is stored, so
the table alone opens no session. A session ends when it is revoked, after `idle` without a
request, or `lifetime` after the login, whichever comes first.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from store.models import Officer, OfficerSession, utcnow

TOUCH_EVERY = dt.timedelta(seconds=60)  # last_seen is written at most this often: not a write per page


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, officer_id: int, lifetime: dt.timedelta,
                 now: dt.datetime | None = None) -> str:
    """Start a session for the officer and return its token (the only copy); drops their long-dead rows."""
    now = now or utcnow()
    session.execute(delete(OfficerSession).where(OfficerSession.officer_id == officer_id,
                                                 OfficerSession.created_at < now - lifetime))
    token = secrets.token_urlsafe(32)
    session.add(OfficerSession(token_hash=_hash(token), officer_id=officer_id, created_at=now, last_seen_at=now))
    session.flush()
    return token


def officer_for(session: Session, token: str, *, idle: dt.timedelta, lifetime: dt.timedelta,
                now: dt.datetime | None = None) -> Officer | None:
    """The officer whose live session this token is, noting the visit; None once it has ended."""
    now = now or utcnow()
    row = session.scalar(select(OfficerSession).where(OfficerSession.token_hash == _hash(token)))
    if row is None or row.revoked_at is not None:
        return None
    if now - row.last_seen_at > idle or now - row.created_at > lifetime:
        row.revoked_at = now
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return row.officer


def revoke(session: Session, token: str, now: dt.datetime | None = None) -> None:
    """End one session (logout)."""
    session.execute(update(OfficerSession).where(OfficerSession.token_hash == _hash(token),
                                                 OfficerSession.revoked_at.is_(None))
                    .values(revoked_at=now or utcnow()))


def revoke_all(session: Session, officer_id: int, now: dt.datetime | None = None) -> int:
    """End every session of an officer (password change, a lost phone); returns how many were live."""
    result = session.execute(update(OfficerSession).where(OfficerSession.officer_id == officer_id,
                                                          OfficerSession.revoked_at.is_(None))
                             .values(revoked_at=now or utcnow()))
    return result.rowcount or 0
