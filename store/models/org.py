"""The police side: the unit tree, stations, officers and what they leave behind (sessions, throttles, audit)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models.base import Base, utcnow
from store.sealed import SealedJSON


class Unit(Base):
    """A bureau above the stations: a city (or province) bureau at the top, county bureaus under it.

    Stations are the `precincts` rows (every query already scopes by precinct); each names its county in
    `Precinct.unit_id`. store.org reads and changes the tree.
    """
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(8))  # city | county
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)


class Precinct(Base):
    """A station (派出所), the lowest level of the tree: under a county unit, or not placed yet."""
    __tablename__ = "precincts"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)


class Officer(Base):
    __tablename__ = "officers"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), default="officer")  # store.officers.ROLES
    # Where the officer works: a station, or (supervisors, county staff) a unit; store.scope reads both.
    precinct_id: Mapped[int | None] = mapped_column(ForeignKey("precincts.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    grants: Mapped[str] = mapped_column(String(64), default="")  # space-separated: store.officers.GRANTS
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    precinct: Mapped[Precinct | None] = relationship()
    unit: Mapped[Unit | None] = relationship()


class OfficerSession(Base):
    """One login: the browser's cookie holds a random token, this row only its SHA-256.

    Checked on every request, so logging out, a password change or `declgate officer revoke`
    ends a session at once, and a copy of the cookie (or of this table) outlives none of them.
    """

    __tablename__ = "officer_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    officer: Mapped[Officer] = relationship()


class LoginThrottle(Base):
    """Failed logins counted for one key (an account, or an account from one address), and the back-off.

    The key is a SHA-256 of the username (and address), known account or not, so the table neither
    holds addresses in clear nor answers differently for names that do not exist.
    """

    __tablename__ = "login_throttles"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    blocked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)


class AuditEntry(Base):
    """Who looked at or changed what: searches, full-ID views, edits, decisions."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict[str, Any] | None] = mapped_column(SealedJSON("audit_log.detail"))  # a search may be an ID
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)

    officer: Mapped[Officer | None] = relationship()
