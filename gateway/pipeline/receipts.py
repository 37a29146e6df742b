"""Delivery receipts: where each SMS we sent went, from Twilio's StatusCallback, and what a failure costs.

Twilio posts `MessageSid`, `MessageStatus` and, on a failure, `ErrorCode` to PUBLIC_BASE_URL/sms/status as it
learns more. Receipts come more than once and out of order, so each attempt (one provider SID) only moves
forward (`store.states.DELIVERY_RANK`): a repeated or late receipt changes nothing and is answered 200 all
the same. An attempt that ends `undelivered` or `failed` with a transient ErrorCode is sent again, as a new
Twilio message, after a back-off and at most MAX_ATTEMPTS times in all; a permanent one (the number does not
exist, is a landline, blocked the sender, opted out) never is: sending again would fail the same way and
cost a message each time.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from twilio.base.exceptions import TwilioException, TwilioRestException

from gateway.runtime import Runtime
from gateway.telemetry import metrics
from store.models import DeliveryAttempt, InboundMessage, OutboundMessage, utcnow
from store.states import DELIVERY_RANK, NOT_DELIVERED, OutboundStatus

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # provider calls per message, the first included
BACKOFF = (dt.timedelta(minutes=1), dt.timedelta(minutes=10))  # before the 2nd and the 3rd attempt
# Twilio error codes that will fail the same way every time (www.twilio.com/docs/api/errors):
PERMANENT = frozenset({
    "21211",  # invalid 'To' number
    "21214",  # 'To' number cannot be reached
    "21408",  # sending to this region is not enabled on the account
    "21610",  # the recipient replied STOP to this sender (unsubscribed)
    "21612",  # 'To' number not reachable by SMS from this sender
    "21614",  # 'To' number is not a mobile number
    "30003",  # unreachable destination handset
    "30004",  # message blocked (by the recipient or the carrier)
    "30005",  # unknown destination handset (the number does not exist)
    "30006",  # landline or unreachable carrier
    "30007",  # filtered by the carrier as spam
    "30032",  # toll-free number not verified
    "30034",  # sender not registered for this traffic
})
# What Twilio's API, or the way to it, can raise at a send; anything else is a bug and fails the job loudly.
PROVIDER_ERRORS = (TwilioException, OSError)
# Twilio's MessageStatus values, as our states (`sending` is Twilio's, not our claim: still queued at Twilio).
TWILIO_STATES = {"accepted": OutboundStatus.QUEUED, "scheduled": OutboundStatus.QUEUED,
                 "queued": OutboundStatus.QUEUED, "sending": OutboundStatus.QUEUED, "sent": OutboundStatus.SENT,
                 "delivered": OutboundStatus.DELIVERED, "read": OutboundStatus.DELIVERED,
                 "undelivered": OutboundStatus.UNDELIVERED, "failed": OutboundStatus.FAILED,
                 "canceled": OutboundStatus.FAILED}


@dataclass(frozen=True)
class Receipt:
    """What one status callback did: `applied`, `stale` (repeated, or overtaken by a later state),
    `unknown` (a SID we never sent) or `ignored` (a status we do not track, e.g. an inbound one)."""

    outcome: str
    status: str | None = None
    retry: bool = False


def transient(error_code: str | None) -> bool:
    """Whether sending again may succeed: anything Twilio does not call permanent (a queue overflow, a
    carrier's congestion, an unknown error, our API rate limit, no answer at all)."""
    return error_code not in PERMANENT


def record(rt: Runtime, sid: str, twilio_status: str, error_code: str | None) -> Receipt:
    """Apply one receipt to the attempt with this SID and, if it is the message's latest, to the message."""
    status = TWILIO_STATES.get(twilio_status.strip().lower())
    error_code = (error_code or "").strip()[:16] or None
    if status is None:
        return _counted(Receipt("ignored"), "other")  # never the raw value: a label per junk value would pile up
    now = utcnow()
    with rt.sessions.begin() as session:
        attempt = session.scalar(select(DeliveryAttempt).where(DeliveryAttempt.provider_sid == sid)
                                 .with_for_update())
        if attempt is None:
            log.info("receipt %s for %s, which this gateway did not send; ignored", twilio_status, sid)
            return _counted(Receipt("unknown", status), status)
        if DELIVERY_RANK[status] <= DELIVERY_RANK[OutboundStatus(attempt.status)]:
            return _counted(Receipt("stale", status), status)
        attempt.status, attempt.updated_at = status, now
        attempt.error_code = error_code if status in NOT_DELIVERED else attempt.error_code
        msg = session.get(OutboundMessage, attempt.outbound_id, with_for_update=True)
        if msg.provider_sid != sid:  # an earlier attempt: its message has moved on to a newer one
            return _counted(Receipt("applied", status), status)
        msg.status, msg.status_at = status, now
        retry = False
        if status in NOT_DELIVERED:
            msg.error_code = error_code
            retry = after_failure(msg, error_code, now)
            metrics.delivery_failed(error_code)
        elif status == OutboundStatus.DELIVERED and msg.purpose == "reply" and msg.in_reply_to is not None:
            metrics.reply_latency("delivered", _received_at(session, msg.in_reply_to), now)
    return _counted(Receipt("applied", status, retry), status)


def after_failure(msg: OutboundMessage, error_code: str | None, now: dt.datetime) -> bool:
    """Decide a failed attempt's sequel on its message (in the caller's transaction): back to `pending` with a
    `retry_at` when it is transient and attempts are left (the sweep sends it then), else it stays failed."""
    if transient(error_code) and msg.attempts < MAX_ATTEMPTS:
        msg.status, msg.retry_at = OutboundStatus.PENDING, now + BACKOFF[min(msg.attempts, len(BACKOFF)) - 1]
        return True
    msg.retry_at = None
    return False


def send_failed(rt: Runtime, msg_id: int, exc: Exception) -> None:
    """Twilio's API refused a send (or could not be reached): record the attempt and decide on a retry."""
    error_code = str(exc.code) if isinstance(exc, TwilioRestException) and exc.code else None
    now = utcnow()
    with rt.sessions.begin() as session:
        msg = session.get(OutboundMessage, msg_id)
        session.add(DeliveryAttempt(outbound_id=msg_id, provider_sid=None, status=OutboundStatus.FAILED,
                                    error_code=error_code))
        msg.status, msg.error_code, msg.status_at = OutboundStatus.FAILED, error_code, now
        sequel = f"trying again after {msg.retry_at:%H:%M:%S}Z" if after_failure(msg, error_code, now) \
            else "not trying again"
    metrics.delivery_failed(error_code)
    log.warning("outbound %s: Twilio refused it (%s, error %s); %s", msg_id, type(exc).__name__, error_code, sequel)


def _received_at(session: Session, inbound_id: int) -> dt.datetime | None:
    return session.scalar(select(InboundMessage.received_at).where(InboundMessage.id == inbound_id))


def _counted(receipt: Receipt, status: str) -> Receipt:
    metrics.RECEIPTS.labels(status=str(status)[:16], outcome=receipt.outcome).inc()
    return receipt
