"""Values a parse gives back: the only shapes the gateway relies on.

Errors are values, not exceptions, so a landlord's typo can never become a 500
and the officer UI can highlight exactly where the message went wrong.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from parsers.commands import AGENT_COMMANDS, MOVE_OUTS, RECEIPT_ARGUMENT, Command


@dataclass(frozen=True)
class Problem:
    """An error or warning: a stable code, the record it belongs to and a span of the ORIGINAL text."""

    code: str
    record: int | None
    start: int
    end: int
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "record": self.record, "start": self.start,
                "end": self.end, "text": self.text}


@dataclass(frozen=True)
class Document:
    """An identity document; `number` is None only for type `none` (no document)."""

    type: str  # ric | passport | hkmo_permit | tw_permit | none
    number: str | None

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "number": self.number}


@dataclass(frozen=True)
class Record:
    """One person in a move-in/out or staff message, one enrolment, or one agent's phone; fields left out are None."""

    name: str | None = None
    document: Document | None = None
    room: str | None = None
    date: dt.date | None = None
    phone: str | None = None  # E.164
    property: str | None = None  # selector without the '@': numeric code or alias (staff: the site's)
    id_suffix: str | None = None  # move_out only: last digits of the ID
    hukou: str | None = None  # the self-reported household-registration (户籍) address (§9.1)
    image: int | None = None  # which of the message's images is this no-document person's portrait (§9.2)
    lodger: bool = False  # staff: lodges at the site (留宿人员, §9.4)
    address: str | None = None  # enrol: the property's address, spaces kept (§9.3)
    single_unit: bool = False  # enrol: the property is one unit (单套)
    # Where the record, and the `@` that named its property (its own or the one it inherited), are in the
    # ORIGINAL text: a refusal the store decides (`unknown_property`, `missing_room`) is shown there too.
    span: tuple[int, int] | None = field(default=None, compare=False)
    property_span: tuple[int, int] | None = field(default=None, compare=False)

    def to_json(self, command: Command | None) -> dict[str, Any]:
        if command == Command.ENROL:
            return {"name": self.name, "document": self.document.to_json() if self.document else None,
                    "address": self.address, "property": self.property, "single_unit": self.single_unit}
        if command in AGENT_COMMANDS:
            return {"phone": self.phone, "property": self.property}
        out: dict[str, Any] = {
            "name": self.name,
            "document": self.document.to_json() if self.document else None,
            "room": self.room,
            "date": self.date.isoformat() if self.date else None,
            "phone": self.phone,
        }
        if command in (Command.STAFF, Command.STAFF_END):
            out["site"] = self.property
        else:
            out["property"] = self.property
        if command in MOVE_OUTS:
            out["id_suffix"] = self.id_suffix
        if command == Command.STAFF:
            out["lodger"] = self.lodger
        if self.hukou is not None:
            out["hukou"] = self.hukou
        if self.image is not None:
            out["image"] = self.image
        return out


@dataclass(frozen=True)
class ParseResult:
    """What a landlord's SMS says, plus every error and warning found in it."""

    command: Command | None  # None: no command could be read (the message errors say why)
    language: str  # "zh" | "en"
    records: tuple[Record, ...] = ()
    receipt: str | None = None  # cancel / confirm / dispute / photo
    property: str | None = None  # list
    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()

    def message_errors(self) -> tuple[Problem, ...]:
        """Errors that sink the whole message (record is None)."""
        return tuple(p for p in self.errors if p.record is None)

    def record_errors(self, index: int) -> tuple[Problem, ...]:
        return tuple(p for p in self.errors if p.record == index)

    def record_warnings(self, index: int) -> tuple[Problem, ...]:
        return tuple(p for p in self.warnings if p.record == index)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "command": self.command,
            "language": self.language,
            "records": [r.to_json(self.command) for r in self.records],
            "errors": [p.to_json() for p in self.errors],
            "warnings": [p.to_json() for p in self.warnings],
        }
        if self.command in RECEIPT_ARGUMENT:
            out["receipt"] = self.receipt
        if self.command in (Command.ENROL, *AGENT_COMMANDS) and self.records:
            out.update(self.records[0].to_json(self.command))  # §9.6: the one enrolment's or agent's fields
        if self.command == Command.LIST:
            out["property"] = self.property
        return out
