"""What the pipeline did with each record: the input to the reply texts.

The worker fills these in after touching the store; `parsers.replies` turns
them into one SMS without any I/O, so every reply can be tested on its own.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    """The fate of one record (or of the whole message when `record` is None).

    status is one of: registered, already_registered, superseded (registered here,
    ended elsewhere), pending_review, moved_out, cancelled, confirmed, disputed,
    listed (one active tenant in a `list` reply), rejected.
    `document_number` is the FULL number: only the reply renderer masks it, so
    masking happens in exactly one place.
    """

    status: str
    record: int | None = None
    name: str | None = None
    document_number: str | None = None
    receipt: str | None = None
    room: str | None = None
    codes: tuple[str, ...] = ()  # why it was rejected (error codes), or warnings worth telling
