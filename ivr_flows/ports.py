"""What the voice line needs from the rest of the system, and the values it trades.

The gateway implements `Port` over the database; tests use a recording fake.
Values are frozen dataclasses of plain types so nothing ORM-shaped leaks in.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class PropertyView:
    """A property as the caller may hear it: its code, its address, whether it has rooms."""

    code: str
    address: str
    single_unit: bool


@dataclass(frozen=True)
class StatusView:
    """A person's registration as the status line may (partly) reveal it."""

    active: bool
    declared_on: dt.date | None
    receipt: str | None
    phone_on_record: str | None  # E.164


@dataclass(frozen=True)
class VoiceDeclaration:
    """A confirmed declaration made on the voice line.

    `name_recording_url` or `address_recording_url` set means an officer must
    transcribe it (`pending_review`); `name` then holds the recogniser's best
    guess, if any, with its `name_confidence`.
    """

    # move_in | move_out | no_document (a resident) | tenant_move_in | tenant_move_out (a landlord)
    # | staff_start | staff_end (an employer contact; property_code is then the site's code)
    kind: str
    document_type: str  # ric | none (no document, or a move-out named by `id_suffix`)
    document_number: str | None
    property_code: str
    room: str | None
    date: dt.date
    name: str | None
    name_recording_url: str | None
    address_recording_url: str | None
    name_confidence: float | None
    caller: str  # the From number, E.164
    language: str  # zh | en
    id_suffix: str | None = None  # tenant_move_out: the ID's last four characters, when that is all the caller gave
    name_draft: str | None = None  # what the recogniser heard before the recordings (v2 §7): a draft, never final
    address_draft: str | None = None
    lodger: bool | None = None  # staff_start: the member of staff sleeps at the site (宿舍)


class Port(Protocol):
    """How a flow looks things up and hands a declaration over."""

    def find_property(self, code: str) -> PropertyView | None:
        """The property with this numeric code, or None."""

    def declarant_properties(self, caller: str) -> tuple[PropertyView, ...]:
        """The properties this number may declare tenants for (its landlord's own, an agent's granted ones)."""

    def employer_sites(self, caller: str) -> tuple[PropertyView, ...]:
        """The sites of the employer whose contact this number is (empty for anyone else), each with
        `single_unit` true: a room is optional for staff."""

    def registration_status(self, document_number: str, caller: str) -> StatusView:
        """The registration of the person holding this ID number, as far as `caller` may still ask.

        Counted per calling number: past its allowance the view says nothing (no phone, nothing active).
        """

    def send_status_sms(self, document_number: str, caller: str) -> bool:
        """Text the status to the phone on record, if there is one and the allowances permit; whether it went.

        What the caller hears must not depend on the answer.
        """

    def submit(self, call_sid: str, declaration: VoiceDeclaration) -> str:
        """Store the declaration (idempotent per call) and return the 8-digit receipt to read out.

        A move-out returns "": it is a request to the landlord, with no receipt the caller may hear.
        """
