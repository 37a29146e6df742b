"""What every table shares: the declarative base with stable constraint names, and stored time."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase


# Stable constraint names so Alembic migrations read the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def local_time(stored: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """A stored time (naive UTC, as utcnow gives) in the deployment's time zone, aware."""
    return stored.replace(tzinfo=dt.timezone.utc).astimezone(tz)


def utc_midnight(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """When a calendar day starts in the deployment's time zone, as a stored time (naive UTC): the bound a
    query by local days compares stored times with."""
    return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
