"""What the pipeline did with each record: the input to the reply texts.

The worker fills these in after touching the store; `parsers.replies` turns
them into one SMS without any I/O, so every reply can be tested on its own.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class OutcomeStatus(StrEnum):
    """What became of a record (or of a whole message): the key of its words in the reply catalogues.

    Not a declaration's stored status, though some share a name: `superseded` here means "registered
    here, ended elsewhere", where a declaration `superseded` is the one that was ended.
    """

    REGISTERED = "registered"
    ALREADY_REGISTERED = "already_registered"
    SUPERSEDED = "superseded"
    PENDING_REVIEW = "pending_review"
    MOVED_OUT = "moved_out"
    CANCELLED = "cancelled"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"
    LISTED = "listed"  # one active tenant in a `list` reply
    REJECTED = "rejected"
    CLAIMED = "claimed"  # a caller's move-in, waiting for the landlord
    ALREADY_CLAIMED = "already_claimed"  # the same caller's claim again: never told, they hear `claimed`
    MOVE_OUT_REQUESTED = "move_out_requested"  # a caller's move-out, whatever it matched
    AGENT_GRANTED = "agent_granted"  # `授权`: `name` holds the agent's phone and the properties granted
    AGENT_REVOKED = "agent_revoked"  # `取消授权`: likewise, what was revoked
    LEFT = "left"  # `离职`: a staff member's employment ended (an employer's move_out, §9.4)


@dataclass(frozen=True)
class Outcome:
    """The fate of one record (or of the whole message when `record` is None).

    `document_number` is the FULL number: only the reply renderer masks it, so
    masking happens in exactly one place.
    """

    status: OutcomeStatus
    record: int | None = None
    name: str | None = None
    document_number: str | None = None
    receipt: str | None = None
    room: str | None = None
    codes: tuple[str, ...] = ()  # why it was rejected (error codes), or warnings worth telling
