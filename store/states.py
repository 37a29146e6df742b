"""The closed sets of values the status columns hold, as StrEnums.

A member IS its string (`InboundStatus.RECEIVED == "received"`), so the columns stay plain strings,
rows written before these classes existed read the same, and no migration was needed. Officers see
these names on their pages and in exports: renaming a value is a data migration, not a refactoring.
"""
from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    """How an inbound message, and the declaration it made, reached the gateway."""

    SMS = "sms"
    VOICE = "voice"
    OFFICER = "officer"  # typed in by an officer rather than sent by the landlord
    WEB = "web"  # the JSON API under /api/v1 (and the landlords' page /my, built on it)


class InboundStatus(StrEnum):
    """Where an inbound message stands: `received` until a worker has handled it, then one of the others."""

    RECEIVED = "received"
    PROCESSED = "processed"
    REJECTED = "rejected"  # at least one record (or the whole message) was not applied
    IGNORED = "ignored"  # an opt-out word (STOP/START): recorded, never answered


class ReviewState(StrEnum):
    """An inbound message in the officers' queue: open until an officer (or the landlord's answer) closes it."""

    OPEN = "open"
    RESOLVED = "resolved"
    REJECTED = "rejected"
    SPAM = "spam"


class DeclarationStatus(StrEnum):
    """A declaration's life: one `active` per person and property (a partial unique index says so)."""

    ACTIVE = "active"
    ENDED = "ended"  # moved out
    CANCELLED = "cancelled"  # withdrawn by the landlord, rejected by an officer, or a duplicate
    SUPERSEDED = "superseded"  # the person was declared somewhere else since
    PENDING_REVIEW = "pending_review"  # waits for an officer (no document, a recording) or a caller's landlord
    DISPUTED = "disputed"  # the landlord answered N to a tenant's self-declaration


# A declaration that still says the person lives there (or will, once an officer or landlord confirms it).
CURRENT = (DeclarationStatus.ACTIVE, DeclarationStatus.PENDING_REVIEW, DeclarationStatus.DISPUTED)


class LandlordResponse(StrEnum):
    """The landlord's answer to a tenant's self-declaration (None while it waits)."""

    CONFIRMED = "confirmed"
    DISPUTED = "disputed"


class OutboundStatus(StrEnum):
    """An SMS we send: `pending`, claimed as `sending` before the provider is called, then where it went.

    From `queued` on, the states are Twilio's, moved by its delivery receipts (gateway.pipeline.receipts)
    in the order `RANK` gives, never backwards: a late `sent` does not undo a `delivered`.
    """

    PENDING = "pending"
    SENDING = "sending"  # a crash between the claim and the provider's answer leaves it here, never sent twice
    QUEUED = "queued"  # accepted by Twilio's REST API
    SENT = "sent"  # handed to the carrier (a receipt said so)
    DELIVERED = "delivered"  # the carrier confirmed it reached the phone
    UNDELIVERED = "undelivered"  # the carrier could not deliver it (ErrorCode says why)
    FAILED = "failed"  # never left Twilio, or refused by its API (ErrorCode says why)
    OUTBOX = "outbox"  # recorded by the local outbox instead (demo, tests, no Twilio account)
    SUPPRESSED = "suppressed"  # the number opted out (STOP): kept for the record, never sent


# How far along a sent SMS is: a receipt moves a message only to a higher rank. The three ends share one.
DELIVERY_RANK = {OutboundStatus.PENDING: 0, OutboundStatus.SENDING: 1, OutboundStatus.QUEUED: 2,
                 OutboundStatus.SENT: 3, OutboundStatus.DELIVERED: 4, OutboundStatus.UNDELIVERED: 4,
                 OutboundStatus.FAILED: 4}
NOT_DELIVERED = (OutboundStatus.UNDELIVERED, OutboundStatus.FAILED)


class RegisterState(StrEnum):
    """A person of the no-document register (store.register). `verified` and `document_found` are officers'
    decisions kept in `people.register_state`; `pending` and `left` are read from the declarations."""

    PENDING = "pending"
    VERIFIED = "verified"  # an officer has seen them and their household registration
    DOCUMENT_FOUND = "document_found"  # an officer found their document: they hold its number now
    LEFT = "left"  # no declaration in the officer's precincts still current


class VerificationReason(StrEnum):
    """Why a declaration was drawn for verification (store.verification): the sample, or a kind always checked."""

    SAMPLE = "sample"
    REGION_UNKNOWN = "region_unknown"
    NO_DOCUMENT = "no_document"
    BACKLOG = "backlog"


class VerificationMark(StrEnum):
    """An officer's finding on a drawn declaration; an item without one is open."""

    VERIFIED = "verified"
    CORRECTED = "corrected"
    NOT_FOUND = "not_found"
