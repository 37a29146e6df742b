"""Replies and notices: recorded in the job's transaction, sent to the provider after it commits.

Idempotency: (in_reply_to, purpose) is unique on outbound messages, so a retried job cannot
reply twice, and a row is claimed (`sending`) before the provider is called.
"""
from __future__ import annotations

import datetime as dt

from rq import Retry
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from gateway import runtime
from gateway.pipeline import receipts
from gateway.telemetry import metrics
from store import lookups
from store.models import DeliveryAttempt, InboundMessage, OptOut, OutboundMessage, utcnow
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

    The row is claimed (`sending`) and committed before the provider is called: a crash mid-send leaves a
    `sending` row for officers to check, never a second SMS. A refusal by Twilio's API (or no answer) is
    recorded as a failed attempt: a permanent one ends it, a transient one is tried again later
    (gateway.pipeline.receipts.after_failure), and the job that sent it does not fail.
    """
    rt = runtime.current()
    now = utcnow()
    with rt.sessions.begin() as session:
        claimed = session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id == msg_id, OutboundMessage.status == OutboundStatus.PENDING,
                   or_(OutboundMessage.retry_at.is_(None), OutboundMessage.retry_at <= now))
            .values(status=OutboundStatus.SENDING, attempts=OutboundMessage.attempts + 1)).rowcount
        if not claimed:
            return False
        msg = session.get(OutboundMessage, msg_id)
        to, body = msg.to_number, msg.body
        inbound = session.get(InboundMessage, msg.in_reply_to) if msg.in_reply_to is not None else None
        from_ = (inbound.to_number or None) if inbound is not None else None
        received_at = inbound.received_at if inbound is not None else None
    with metrics.SEND_SECONDS.time():
        try:
            provider_sid = rt.sender.send(to, body, from_)
        except receipts.PROVIDER_ERRORS as exc:
            receipts.send_failed(rt, msg_id, exc)
            return False
    with rt.sessions.begin() as session:
        msg = session.get(OutboundMessage, msg_id)
        msg.provider_sid, msg.sent_at, msg.retry_at = provider_sid, utcnow(), None
        if rt.sender.reports_delivery:
            msg.status = OutboundStatus.QUEUED
            session.add(DeliveryAttempt(outbound_id=msg_id, provider_sid=provider_sid, status=OutboundStatus.QUEUED))
        else:
            msg.status = OutboundStatus.OUTBOX
    if msg.purpose == "reply":
        metrics.reply_latency("queued", received_at, utcnow())
    return True

def send_notice(rt: runtime.Runtime, msg_id: int) -> None:
    """Send a notice queued with `in_reply_to=None` once its transaction committed: the local outbox recorded it
    already (queue_sms), a provider gets it from a worker."""
    if rt.sender.kind != "outbox":
        enqueue_delivery(rt, msg_id)

def enqueue_delivery(rt: runtime.Runtime, msg_id: int) -> None:
    """Send an SMS from a worker, never while a webhook waits on Twilio's REST API."""
    rt.queue.enqueue(send_one, msg_id, job_id=f"outbound-{msg_id}", retry=Retry(max=3, interval=[5, 30, 120]))

def deliver_stale(older_than: dt.timedelta) -> int:
    """Send replies still `pending` after `older_than` (their job committed, then died before sending), and
    those whose retry after a transient failure is due."""
    rt = runtime.current()
    now = utcnow()
    with rt.sessions() as session:
        ids = list(session.scalars(
            select(OutboundMessage.id).where(
                OutboundMessage.status == OutboundStatus.PENDING,
                or_(and_(OutboundMessage.retry_at.is_(None), OutboundMessage.created_at <= now - older_than),
                    OutboundMessage.retry_at <= now))
            .order_by(OutboundMessage.id)))
    return sum(send_one(msg_id) for msg_id in ids)
