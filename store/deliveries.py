"""Replies that did not reach the phone: what officers follow up by other means (a call, a visit)."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import DeliveryAttempt, InboundMessage, OutboundMessage
from store.scope import Scope
from store.states import NOT_DELIVERED


def not_delivered(session: Session, scope: Scope, *, page: int = 1,
                  per_page: int = 50) -> tuple[list[tuple[OutboundMessage, InboundMessage | None]], int]:
    """SMS that ended undelivered or failed (retries used up, or a permanent error), newest first, with the
    message each answers. An officer sees those answering messages of their precinct; an SMS that answers
    none (a notice) only supervisors do."""
    query = (select(OutboundMessage, InboundMessage)
             .outerjoin(InboundMessage, InboundMessage.id == OutboundMessage.in_reply_to)
             .where(OutboundMessage.status.in_(NOT_DELIVERED)))
    if not scope.all_precincts:
        query = scope.inbound(query.where(OutboundMessage.in_reply_to.is_not(None)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(OutboundMessage.id.desc()).offset((page - 1) * per_page).limit(per_page))
    return [(msg, inbound) for msg, inbound in rows], total


def attempts(session: Session, outbound_ids: list[int]) -> dict[int, list[DeliveryAttempt]]:
    """Each message's provider calls, oldest first."""
    found: dict[int, list[DeliveryAttempt]] = {msg_id: [] for msg_id in outbound_ids}
    if outbound_ids:
        for attempt in session.scalars(select(DeliveryAttempt).where(DeliveryAttempt.outbound_id.in_(outbound_ids))
                                       .order_by(DeliveryAttempt.id)):
            found[attempt.outbound_id].append(attempt)
    return found
