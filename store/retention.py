"""Retention: raw messages and recordings past a date are emptied; what was decided from them stays.

A raw SMS or a call's answers hold full ID numbers and names as the sender typed or said them. Once the
retention period has passed they are no longer needed: the declarations, their receipts, the codes and dates of
every message, the replies and the statistics are made of other columns, so a purged month's bulletin is the
same as before. Emptied are each inbound message's body, parse and call payload (`purged_at` says when) and the
links to recorded names and addresses. Kept are the items still open in the officers' queue and the recordings
of declarations still waiting for one: someone still has to read them.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, null, or_, select, update
from sqlalchemy.orm import Session

from store import audit
from store.models import Declaration, InboundMessage, utc_midnight, utcnow
from store.states import DeclarationStatus, ReviewState

WAITING = (DeclarationStatus.PENDING_REVIEW, DeclarationStatus.DISPUTED)


@dataclass(frozen=True)
class Purged:
    """What a purge emptied (or, dry, would empty), and the open items it left alone."""

    before: dt.date
    messages: int
    recordings: int
    kept_open: int


def _messages(before: dt.datetime):
    return and_(InboundMessage.received_at < before, InboundMessage.purged_at.is_(None),
                or_(InboundMessage.review_state.is_(None), InboundMessage.review_state != ReviewState.OPEN))


def _recordings(before: dt.datetime):
    return and_(Declaration.declared_at < before, Declaration.status.not_in(WAITING),
                or_(Declaration.name_recording_url.is_not(None), Declaration.address_recording_url.is_not(None)))


def purge(session: Session, before: dt.date, *, tz: dt.tzinfo = ZoneInfo("Asia/Shanghai"), dry_run: bool = False,
          officer_id: int | None = None) -> Purged:
    """Empty what arrived before local midnight of `before`, in the caller's transaction, with an audit entry.

    Core UPDATEs, not the ORM: no statistics snapshot is forgotten, since none of these columns is counted.
    Running it again finds nothing more to do.
    """
    cutoff = utc_midnight(before, tz)
    count = lambda query: session.scalar(select(func.count()).select_from(query.subquery())) or 0  # noqa: E731
    messages = count(select(InboundMessage.id).where(_messages(cutoff)))
    recordings = count(select(Declaration.id).where(_recordings(cutoff)))
    kept_open = count(select(InboundMessage.id).where(InboundMessage.received_at < cutoff,
                                                      InboundMessage.purged_at.is_(None),
                                                      InboundMessage.review_state == ReviewState.OPEN))
    found = Purged(before, messages, recordings, kept_open)
    if dry_run:
        return found
    now = utcnow()
    session.execute(update(InboundMessage).where(_messages(cutoff))
                    .values(body="", parse=null(), payload=null(), purged_at=now).execution_options(synchronize_session=False))
    session.execute(update(Declaration).where(_recordings(cutoff))
                    .values(name_recording_url=None, address_recording_url=None,
                            updated_at=Declaration.updated_at)  # no exported field changes: no export again
                    .execution_options(synchronize_session=False))
    audit.record(session, officer_id, "purge", f"before:{before.isoformat()}", messages=messages,
                 recordings=recordings, kept_open=kept_open)
    return found
