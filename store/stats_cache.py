"""What the statistics pages keep in the database so that any web process can serve it without recounting
or redrawing: the figures of the month under way for a few minutes, and the charts already drawn.

Both are forgotten together with the monthly snapshots (`store.stats._forget_snapshots`) when a change
reaches back into a month. A stored chart is found by a digest of everything it was drawn from, so it can
never be served for other figures: forgetting only keeps the table small.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from store.db import insert_for
from store.models import LiveFigures, StoredChart, utcnow

log = logging.getLogger(__name__)
# How old the month under way's figures may be when a page shows them (with the time they were counted).
LIVE_TTL = dt.timedelta(minutes=5)
# A page may show an older count, up to STALE_MAX, while it has the count taken again after its response.
STALE_MAX = dt.timedelta(hours=1)
# Charts of the month under way change as declarations arrive; older ones are dropped when a new one is kept.
OPEN_CHART_TTL = dt.timedelta(hours=1)


def _insert(session: Session):
    return insert_for(session.get_bind().dialect.name)


def save_live(session: Session, month: str, time_zone: str, computed_at: dt.datetime, figures: dict) -> None:
    """Keep the month under way's figures, replacing older ones; the caller commits."""
    statement = _insert(session)(LiveFigures).values(month=month, time_zone=time_zone, computed_at=computed_at,
                                                     figures=figures)
    session.execute(statement.on_conflict_do_update(index_elements=["month", "time_zone"],
                                                    set_={"computed_at": computed_at, "figures": figures}))
    session.execute(delete(LiveFigures).where(LiveFigures.month < month, LiveFigures.time_zone == time_zone))


def load_live(session: Session, month: str, time_zone: str, now: dt.datetime,
              max_age: dt.timedelta = LIVE_TTL) -> LiveFigures | None:
    """The month's figures if they were counted less than `max_age` before `now`."""
    row = session.scalar(select(LiveFigures).where(LiveFigures.month == month, LiveFigures.time_zone == time_zone))
    return row if row is not None and now - max_age < row.computed_at <= now else None


def forget(session: Session, first_month: str) -> None:
    """Drop the live figures and charts of `first_month` and every later month (with their snapshots)."""
    session.execute(delete(LiveFigures).where(LiveFigures.month >= first_month))
    session.execute(delete(StoredChart).where(StoredChart.month >= first_month))


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ChartStore:
    """Charts of one month read from and kept in the database, each in its own short transaction, so that
    drawing (a few hundred milliseconds) never holds a lock. A database error only means drawing again."""

    def __init__(self, sessions: sessionmaker[Session], month: str, *, closed: bool) -> None:
        self.sessions, self.month, self.closed = sessions, month, closed

    def load(self, key: str) -> str | None:
        try:
            with self.sessions() as session:
                return session.scalar(select(StoredChart.svg).where(StoredChart.digest == digest(key)))
        except SQLAlchemyError:
            log.warning("stored charts unreadable; drawing instead", exc_info=True)
            return None

    def save(self, key: str, svg: str) -> None:
        now = utcnow()
        expires = None if self.closed else now + OPEN_CHART_TTL
        try:
            with self.sessions.begin() as session:
                session.execute(delete(StoredChart).where(StoredChart.expires_at.is_not(None),
                                                          or_(StoredChart.expires_at < now,
                                                              StoredChart.month < self.month)))
                session.execute(_insert(session)(StoredChart).values(
                    digest=digest(key), month=self.month, svg=svg, created_at=now, expires_at=expires)
                    .on_conflict_do_nothing(index_elements=["digest"]))
        except SQLAlchemyError:
            log.warning("could not keep a drawn chart", exc_info=True)
