"""What /metrics reads from the database at each scrape: the backlog, the officers' queue, declarations, and
where the last day's SMS went. Each is one indexed aggregate query."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import Declaration, InboundMessage, OutboundMessage, utcnow
from store.states import InboundStatus, ReviewState


def waiting(session: Session, now: dt.datetime | None = None) -> tuple[int, float | None]:
    """Inbound messages no worker has handled yet, and the age in seconds of the oldest (None: none waits)."""
    count, oldest = session.execute(select(func.count(), func.min(InboundMessage.received_at))
                                    .where(InboundMessage.status == InboundStatus.RECEIVED)).one()
    if oldest is None:
        return count, None
    return count, max(((now or utcnow()) - oldest).total_seconds(), 0.0)


def review_queue(session: Session) -> dict[str, int]:
    """Open items in the officers' queue, by reason."""
    return dict(session.execute(select(InboundMessage.review_reason, func.count())
                                .where(InboundMessage.review_state == ReviewState.OPEN)
                                .group_by(InboundMessage.review_reason)).all())


def declarations_by_channel(session: Session) -> dict[str, int]:
    """Declarations ever stored (any status: none is ever deleted), by the channel they came by."""
    return dict(session.execute(select(Declaration.channel, func.count()).group_by(Declaration.channel)).all())


def outbound_by_status(session: Session, since: dt.timedelta = dt.timedelta(days=1)) -> dict[str, int]:
    """SMS recorded within `since`, by where they stand (pending … delivered, undelivered, failed)."""
    return dict(session.execute(select(OutboundMessage.status, func.count())
                                .where(OutboundMessage.created_at >= utcnow() - since)
                                .group_by(OutboundMessage.status)).all())
