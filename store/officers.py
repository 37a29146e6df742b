"""Officer accounts: hashed passwords (werkzeug's scrypt), a role, and a place in the tree: a station
(precinct) or a unit (store.org); store.scope.reach turns the place into what the officer sees.

Roles: an assistant (协管员) enters and reviews like an officer but sees ID numbers masked and never the
audit page, unless granted `reveal` or `audit`; a supervisor also has the supervisors' pages, for the
stations under their unit (every station when placed at no unit); an admin sees everything."""
from __future__ import annotations

import functools
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from store import officer_sessions
from store.enrolment import precinct
from store.models import Officer, Unit
from store.org import unit_named

ROLES = ("officer", "assistant", "supervisor", "admin")
GRANTS = ("reveal", "audit")
MIN_PASSWORD = 8


class AccountError(ValueError):
    """An account change that cannot be made: `code` names the rule, the message says what to change."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def add_officer(session: Session, username: str, password: str, precinct_code: str | None, role: str = "officer",
                unit_code: str | None = None) -> Officer:
    """Create an officer at a station (`precinct_code`) or a unit (`unit_code`); AccountError says what to change."""
    if role not in ROLES:
        raise AccountError("unknown_role", f"role must be one of {', '.join(ROLES)}")
    _check_password(password)
    if session.scalar(select(Officer).where(Officer.username == username)) is not None:
        raise AccountError("taken", f"officer {username!r} already exists")
    unit = _unit(session, unit_code) if unit_code else None
    if not precinct_code and unit is None and role in ("officer", "assistant"):
        raise AccountError("no_place", "an officer or assistant needs a precinct (station) or a unit")
    officer = Officer(username=username, password_hash=generate_password_hash(password), role=role,
                      precinct=precinct(session, precinct_code) if precinct_code else None, unit=unit)
    session.add(officer)
    session.flush()
    return officer


def officer_named(session: Session, username: str) -> Officer:
    """The officer with this username; AccountError when there is none."""
    officer = session.scalar(select(Officer).where(Officer.username == username))
    if officer is None:
        raise AccountError("unknown_officer", f"no officer {username!r}")
    return officer


def place(session: Session, username: str, *, role: str | None = None, unit_code: str | None = None,
          precinct_code: str | None = None, grants: list[str] | None = None) -> Officer:
    """Change an officer's role, unit, station or grants (an admin's edit); their open sessions pick it up
    on the next request, since every request reads the place afresh."""
    officer = officer_named(session, username)
    if role is not None:
        if role not in ROLES:
            raise AccountError("unknown_role", f"role must be one of {', '.join(ROLES)}")
        officer.role = role
    if unit_code is not None:
        officer.unit = _unit(session, unit_code) if unit_code else None
    if precinct_code is not None:
        officer.precinct = precinct(session, precinct_code) if precinct_code else None
    if grants is not None:
        unknown = [g for g in grants if g not in GRANTS]
        if unknown:
            raise AccountError("unknown_grant", f"grants must be among {', '.join(GRANTS)}")
        officer.grants = " ".join(dict.fromkeys(grants))
    session.flush()
    return officer


def _unit(session: Session, code: str) -> Unit:
    found = unit_named(session, code)
    if found is None:
        raise AccountError("unknown_unit", f"no unit {code!r} (see declgate org list)")
    return found


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
