"""Messages in and out: every inbound SMS or call as received, every reply and its delivery attempts."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models.base import Base, utcnow
from store.sealed import SealedJSON, SealedText
from store.states import Channel, InboundStatus, OutboundStatus


class InboundMessage(Base):
    """Everything that came in, stored verbatim before the webhook answers."""

    __tablename__ = "inbound_messages"
    __table_args__ = (Index("ix_inbound_review", "review_state", "review_reason"),
                      Index("ix_inbound_status_received", "status", "received_at"),
                      Index("ix_inbound_sender_received", "from_number", "received_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_sid: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(8), default=Channel.SMS)  # a states.Channel
    from_number: Mapped[str] = mapped_column(String(32))
    to_number: Mapped[str] = mapped_column(String(32), default="")
    # Sealed: a message can carry full ID numbers.
    body: Mapped[str] = mapped_column(SealedText("inbound_messages.body"), default="")
    payload: Mapped[dict[str, Any] | None] = mapped_column(SealedJSON("inbound_messages.payload"))  # voice: the call
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    # received -> processed | rejected | ignored ; received means "not yet handled by a worker" (states.InboundStatus)
    status: Mapped[str] = mapped_column(String(16), default=InboundStatus.RECEIVED)
    parse: Mapped[dict[str, Any] | None] = mapped_column(SealedJSON("inbound_messages.parse"))  # ParseResult.to_json()
    codes: Mapped[list[str] | None] = mapped_column(JSON)  # every error/pipeline code that applied
    processed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Officers' queue: open items have a reason; closing keeps the reason for history.
    review_state: Mapped[str | None] = mapped_column(String(16))  # a states.ReviewState
    review_reason: Mapped[str | None] = mapped_column(String(32))
    precinct_id: Mapped[int | None] = mapped_column(ForeignKey("precincts.id"), index=True)
    landlord_id: Mapped[int | None] = mapped_column(ForeignKey("landlords.id"), index=True)
    edited_from_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))  # an officer's copy: who (0025)
    # Retention (migration 0010): when `declgate purge` emptied body, parse and payload; codes and dates stay.
    purged_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # MMS (0013): `pending` while its images wait for the worker's download (drains skip it), then `fetched`.
    media_state: Mapped[str | None] = mapped_column(String(8))

    landlord: Mapped[Landlord | None] = relationship()


class InboundPrecinct(Base):
    """A further precinct an inbound message is about, beyond its primary `precinct_id`.

    Most messages concern one precinct and have no row here; a landlord's message whose records name
    properties in two precincts has its first precinct as `precinct_id` (what statistics count it under)
    and one row here for each other one. store.scope.Scope.inbound reads both.
    """

    __tablename__ = "inbound_precincts"

    inbound_id: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id"), primary_key=True)
    precinct_id: Mapped[int] = mapped_column(ForeignKey("precincts.id"), primary_key=True)


class OutboundMessage(Base):
    """Every SMS we send or would send. (in_reply_to, purpose) is unique: a retried job cannot reply twice."""

    __tablename__ = "outbound_messages"
    __table_args__ = (UniqueConstraint("in_reply_to", "purpose", name="uq_outbound_reply"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_number: Mapped[str] = mapped_column(String(32), index=True)
    body: Mapped[str] = mapped_column(Text)
    in_reply_to: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))
    purpose: Mapped[str] = mapped_column(String(32), default="reply")
    # pending -> sending -> queued -> sent -> delivered | undelivered | failed (Twilio, moved by its receipts);
    # outbox (local); suppressed (opted out): states.OutboundStatus. The latest attempt's state.
    status: Mapped[str] = mapped_column(String(16), default=OutboundStatus.PENDING, index=True)
    provider_sid: Mapped[str | None] = mapped_column(String(64))  # the latest attempt's
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Receipts (0010): Twilio's ErrorCode, when it last told us, provider calls made, when a transient failure may retry.
    error_code: Mapped[str | None] = mapped_column(String(16))
    status_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    retry_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class DeliveryAttempt(Base):
    """One provider call for an outbound message. A retry is a new Twilio message with a new SID: each keeps its
    own state, so a late or repeated receipt for an earlier attempt can neither move the message nor retry it."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbound_id: Mapped[int] = mapped_column(ForeignKey("outbound_messages.id"), index=True)
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)  # None: the REST call failed
    status: Mapped[str] = mapped_column(String(16))  # a states.OutboundStatus from `queued` on
    error_code: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class OptOut(Base):
    """A number that texted STOP; nothing is sent to it until START."""

    __tablename__ = "opt_outs"

    phone: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class GatewayFact(Base):
    """A fact about this installation that settings do not hold, e.g. `created_on` (the campaign's default start)."""

    __tablename__ = "gateway_facts"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class ContactLanguage(Base):
    """The language a number last wrote (or was last prompted) in: a bare `Y 12345671` carries none of its own."""

    __tablename__ = "contact_languages"

    phone: Mapped[str] = mapped_column(String(32), primary_key=True)
    language: Mapped[str] = mapped_column(String(8))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


# Inbound messages by precinct and date, for the monthly statistics (migration 0002_stats).
Index("ix_inbound_precinct_received", InboundMessage.precinct_id, InboundMessage.received_at)
# The messages waiting for a worker, in arrival order (migration 0028_waiting): a drain's claim
# (gateway.pipeline.batch) reads its batch off this small index. Without it the claim walked the
# primary key through every message ever handled, and slowed as the store grew.
Index("ix_inbound_waiting", InboundMessage.id, postgresql_where=text("status = 'received'"),
      sqlite_where=text("status = 'received'"))
