"""Named predicates the flows refer to by name. Each reads the context; none has side effects."""
from __future__ import annotations

import re
from typing import Callable

from .call import Context
from .flows import MAX_ID_TRIES, MAX_NAME_FAILURES, MAX_PROPERTY_TRIES, MAX_SILENT_REPEATS

SPEECH_CONFIDENCE = 0.5  # below this the name is recorded for an officer instead
ROOM = re.compile(r"[0-9]{1,4}(-[0-9]{1,4}){0,2}")
ID_SUFFIX = re.compile(r"[0-9]{3}[0-9X]")

GUARDS: dict[str, Callable[[Context], bool]] = {}


def guard(fn: Callable[[Context], bool]) -> Callable[[Context], bool]:
    GUARDS[fn.__name__] = fn
    return fn


@guard
def may_repeat(ctx: Context) -> bool:
    """The prompt has been repeated on silence fewer than twice."""
    return ctx.state["silences"] < MAX_SILENT_REPEATS


@guard
def id_valid(ctx: Context) -> bool:
    """The typed ID passes length, birth-date and check-digit checks."""
    return ctx.id_problem() is None


@guard
def id_last_try(ctx: Context) -> bool:
    """This wrong ID is the caller's last allowed try."""
    return ctx.counters.get("id", 0) + 1 >= MAX_ID_TRIES


@guard
def property_known(ctx: Context) -> bool:
    """The typed property code belongs to a registered property."""
    return ctx.property_found() is not None


@guard
def property_last_try(ctx: Context) -> bool:
    """This unknown property code is the caller's last allowed try."""
    return ctx.counters.get("property", 0) + 1 >= MAX_PROPERTY_TRIES


@guard
def property_single_unit(ctx: Context) -> bool:
    """The chosen property has no separate rooms, so the room may be empty."""
    return bool(ctx.data.get("single_unit"))


@guard
def room_valid(ctx: Context) -> bool:
    """The typed room is 1–4 digits, optionally in up to three dash-separated parts."""
    return ROOM.fullmatch(ctx.keyed().replace("*", "-")) is not None


@guard
def date_valid(ctx: Context) -> bool:
    """The typed date passes the SMS rules for its flow (parsers.dates)."""
    return ctx.date_entered()[1] is None


@guard
def speech_confident(ctx: Context) -> bool:
    """The recogniser is sure enough of the spoken name to read it back."""
    return ctx.inp.confidence is not None and ctx.inp.confidence >= SPEECH_CONFIDENCE


@guard
def name_last_try(ctx: Context) -> bool:
    """This failure to catch the name is the last before recording it."""
    return ctx.counters.get("name", 0) + 1 >= MAX_NAME_FAILURES


@guard
def name_recorded(ctx: Context) -> bool:
    """The name is a recording an officer must transcribe."""
    return ctx.data.get("name_recording_url") is not None


@guard
def caller_on_record(ctx: Context) -> bool:
    """The calling number is the phone on record for this ID."""
    return bool(ctx.data["status"]["caller_on_record"])


@guard
def registration_active(ctx: Context) -> bool:
    """An active registration exists for this ID."""
    return bool(ctx.data["status"]["active"])


@guard
def caller_declares(ctx: Context) -> bool:
    """The caller is a landlord or an agent: the menu offers 4 and 5 for tenants (v2 §6)."""
    return bool(ctx.data.get("declarant"))


@guard
def caller_employs(ctx: Context) -> bool:
    """The caller is an employer's contact: the menu offers 4 and 5 for staff (v2 §6)."""
    return bool(ctx.data.get("employer"))


@guard
def caller_has_one_property(ctx: Context) -> bool:
    """The caller declares for exactly one property (or site), so the line does not ask which."""
    return len(ctx.own_properties()) == 1


@guard
def property_mine(ctx: Context) -> bool:
    """The typed code is one of the properties (sites) the caller may declare for."""
    return ctx.own_found() is not None


@guard
def no_document_key(ctx: Context) -> bool:
    """`0` alone where an ID is asked: the tenant has no document."""
    return ctx.keyed() == "0"


@guard
def no_document_chosen(ctx: Context) -> bool:
    return bool(ctx.data.get("no_document"))


@guard
def id_suffix_entered(ctx: Context) -> bool:
    """Four keys where an ID is asked: its last four characters (`*` for X)."""
    return ID_SUFFIX.fullmatch(ctx.id_entered()) is not None
