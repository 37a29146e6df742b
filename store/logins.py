"""Officer login attempts: password check with an account lockout after repeated failures."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Officer, utcnow
from store.officers import password_ok

MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class LoginResult:
    officer: Officer | None  # set only on success
    locked_minutes: int = 0  # > 0: the account is locked for this long


def attempt(session: Session, username: str, password: str, now: dt.datetime | None = None) -> LoginResult:
    """Check a password; the fifth failure in a row locks the account for 15 minutes.

    A locked account refuses even the right password, so guessing cannot continue
    in the background while the officer waits.
    """
    now = now or utcnow()
    officer = session.scalar(select(Officer).where(Officer.username == username.strip()))
    if officer is None:
        return LoginResult(None)
    if officer.locked_until is not None and officer.locked_until > now:
        return LoginResult(None, _minutes(officer.locked_until - now))
    if password_ok(officer, password):
        officer.failed_logins, officer.locked_until = 0, None
        return LoginResult(officer)
    officer.failed_logins = (officer.failed_logins or 0) + 1
    if officer.failed_logins >= MAX_FAILURES:
        officer.failed_logins, officer.locked_until = 0, now + LOCKOUT
        return LoginResult(None, _minutes(LOCKOUT))
    return LoginResult(None)


def _minutes(delta: dt.timedelta) -> int:
    return max(1, -(-int(delta.total_seconds()) // 60))
