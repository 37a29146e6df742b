"""Replies and notices: recorded in the job's transaction, sent to the provider after it commits.

Idempotency: (in_reply_to, purpose) is unique on outbound messages, so a retried job cannot
reply twice, and a row is claimed (`sending`) before the provider is called.
"""
from __future__ import annotations

import datetime as dt

from rq import Retry
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gateway import runtime
from store import lookups
from store.models import InboundMessage, OptOut, OutboundMessage, utcnow
from store.states import OutboundStatus


def queue_sms(session: Session, to: str, body: str, *, in_reply_to: int | None, purpose: str,
              flush: bool = True) -> OutboundMessage:
    """Record an SMS to send; an opted-out number gets a `suppressed` row instead of a message.

    With Twilio the row stays `pending` until `send_one` claims it after the commit. The local outbox
    sends nothing anywhere, so its row is written already delivered, in the caller's transaction:
    there is no provider call to order against the commit, and a rollback takes the record with it.
    """
    sender = runtime.current().sender
    batch = lookups.current(session)
    if batch is not None and to in batch.opted_out:
        suppressed = batch.opted_out[to]
    else:
        suppressed = session.get(OptOut, to) is not None
    msg = OutboundMessage(to_number=to, body=body, in_reply_to=in_reply_to, purpose=purpose,
                          status=OutboundStatus.SUPPRESSED if suppressed else OutboundStatus.PENDING)
    if not suppressed and sender.kind == "outbox":
        msg.status, msg.provider_sid, msg.sent_at = OutboundStatus.OUTBOX, sender.send(to, body), utcnow()
    session.add(msg)
    if flush:  # callers that enqueue a delivery job need the id now
        session.flush()
    return msg

def deliver(inbound_id: int | None = None) -> int:
    """Send the pending outbound messages of one inbound message (or all pending ones)."""
    rt = runtime.current()
    with rt.sessions() as session:
        query = select(OutboundMessage.id).where(OutboundMessage.status == OutboundStatus.PENDING)
        if inbound_id is not None:
            query = query.where(OutboundMessage.in_reply_to == inbound_id)
        ids = list(session.scalars(query.order_by(OutboundMessage.id)))
    return sum(send_one(msg_id) for msg_id in ids)

def send_one(msg_id: int) -> bool:
    """Send one outbound message if it is still pending (also an RQ job, for SMS not tied to an inbound).

    The row is claimed (`sending`) and committed before the provider is called:
    a crash mid-send leaves a `sending` row for officers to check, never a second SMS.
    """
    rt = runtime.current()
    with rt.sessions.begin() as session:
        claimed = session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id == msg_id, OutboundMessage.status == OutboundStatus.PENDING)
            .values(status=OutboundStatus.SENDING)).rowcount
        if not claimed:
            return False
        msg = session.get(OutboundMessage, msg_id)
        to, body = msg.to_number, msg.body
        inbound = session.get(InboundMessage, msg.in_reply_to) if msg.in_reply_to is not None else None
        from_ = (inbound.to_number or None) if inbound is not None else None
    provider_sid = rt.sender.send(to, body, from_)
    with rt.sessions.begin() as session:
        msg = session.get(OutboundMessage, msg_id)
        msg.status = OutboundStatus.SENT if rt.sender.kind == "twilio" else OutboundStatus.OUTBOX
        msg.provider_sid, msg.sent_at = provider_sid, utcnow()
    return True

def enqueue_delivery(rt: runtime.Runtime, msg_id: int) -> None:
    """Send an SMS from a worker, never while a webhook waits on Twilio's REST API."""
    rt.queue.enqueue(send_one, msg_id, job_id=f"outbound-{msg_id}", retry=Retry(max=3, interval=[5, 30, 120]))

def deliver_stale(older_than: dt.timedelta) -> int:
    """Send replies still `pending` after `older_than`: their job committed, then died before sending."""
    rt = runtime.current()
    with rt.sessions() as session:
        inbound_ids = list(session.scalars(
            select(OutboundMessage.in_reply_to).where(OutboundMessage.status == OutboundStatus.PENDING,
                                                      OutboundMessage.created_at <= utcnow() - older_than)
            .distinct()))
    return sum(deliver(inbound_id) for inbound_id in inbound_ids if inbound_id is not None)
