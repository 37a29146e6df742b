"""Officer accounts: hashed passwords (werkzeug's scrypt), one precinct each."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from store.enrolment import precinct
from store.models import Officer

ROLES = ("officer", "supervisor", "admin")
MIN_PASSWORD = 8


def add_officer(session: Session, username: str, password: str, precinct_code: str, role: str = "officer") -> Officer:
    """Create an officer; ValueError says what to change."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"password must be at least {MIN_PASSWORD} characters")
    if session.scalar(select(Officer).where(Officer.username == username)) is not None:
        raise ValueError(f"officer {username!r} already exists")
    officer = Officer(username=username, password_hash=generate_password_hash(password), role=role,
                      precinct=precinct(session, precinct_code))
    session.add(officer)
    session.flush()
    return officer


def password_ok(officer: Officer, password: str) -> bool:
    return check_password_hash(officer.password_hash, password)
