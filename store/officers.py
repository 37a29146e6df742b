"""Officer accounts: hashed passwords (werkzeug's scrypt), one precinct each."""
from __future__ import annotations

import functools
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from store import officer_sessions
from store.enrolment import precinct
from store.models import Officer

ROLES = ("officer", "supervisor", "admin")
MIN_PASSWORD = 8


class AccountError(ValueError):
    """An account change that cannot be made: `code` names the rule, the message says what to change."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def add_officer(session: Session, username: str, password: str, precinct_code: str, role: str = "officer") -> Officer:
    """Create an officer; AccountError says what to change."""
    if role not in ROLES:
        raise AccountError("unknown_role", f"role must be one of {', '.join(ROLES)}")
    _check_password(password)
    if session.scalar(select(Officer).where(Officer.username == username)) is not None:
        raise AccountError("taken", f"officer {username!r} already exists")
    officer = Officer(username=username, password_hash=generate_password_hash(password), role=role,
                      precinct=precinct(session, precinct_code))
    session.add(officer)
    session.flush()
    return officer


def officer_named(session: Session, username: str) -> Officer:
    """The officer with this username; AccountError when there is none."""
    officer = session.scalar(select(Officer).where(Officer.username == username))
    if officer is None:
        raise AccountError("unknown_officer", f"no officer {username!r}")
    return officer


def set_password(session: Session, username: str, password: str) -> int:
    """Change an officer's password and end every session opened with the old one; returns how many ended."""
    _check_password(password)
    officer = officer_named(session, username)
    officer.password_hash = generate_password_hash(password)
    return officer_sessions.revoke_all(session, officer.id)


def password_ok(officer: Officer | None, password: str) -> bool:
    """Check a password; for an unknown account, against a throwaway hash of the same cost.

    Hashing only for real accounts made "no such user" answer in microseconds and a wrong password
    in tens of milliseconds: a stopwatch listed the accounts.
    """
    matches = check_password_hash(officer.password_hash if officer is not None else _dummy_hash(), password)
    return matches and officer is not None


@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(16))


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError("short_password", f"password must be at least {MIN_PASSWORD} characters")
