"""Named effects the flows refer to by name: they write call data or call the port.

Only `submit`, `look_up_status` and `send_status_sms` touch the port; the engine
never runs an action for a retried step, so each runs once per caller input.
"""
from __future__ import annotations

import datetime as dt
from typing import Callable

from .call import Context
from .ports import VoiceDeclaration

ACTIONS: dict[str, Callable[[Context], None]] = {}
# The kind a flow's declaration is handed over as, where it is not the flow's own name.
KINDS = {"declare": "tenant_move_in", "declare_out": "tenant_move_out", "staff": "staff_start",
         "staff_out": "staff_end"}


def action(fn: Callable[[Context], None]) -> Callable[[Context], None]:
    ACTIONS[fn.__name__] = fn
    return fn


def _count(ctx: Context, counter: str) -> None:
    ctx.counters[counter] = ctx.counters.get(counter, 0) + 1


@action
def count_silence(ctx: Context) -> None:
    """Count one more silent repeat of the current prompt."""
    ctx.state["silences"] += 1


@action
def choose_mandarin(ctx: Context) -> None:
    ctx.state["language"] = "zh"


@action
def choose_english(ctx: Context) -> None:
    ctx.state["language"] = "en"


@action
def look_up_declarant(ctx: Context) -> None:
    """Whether the caller may declare for others: a landlord or agent (tenants), an employer contact (staff).
    Either makes the menu add 4 and 5."""
    ctx.data["declarant"] = bool(ctx.own_properties())
    ctx.data["employer"] = bool(ctx.own_sites())


@action
def choose_no_document(ctx: Context) -> None:
    ctx.data.update(no_document=True, document_number=None)


@action
def keep_id_suffix(ctx: Context) -> None:
    ctx.data["id_suffix"] = ctx.id_entered()


@action
def keep_only_property(ctx: Context) -> None:
    (only,) = ctx.own_properties()  # guarded by caller_has_one_property
    ctx.data.update(property_code=only.code, address=only.address, single_unit=only.single_unit)


@action
def keep_own_property(ctx: Context) -> None:
    found = ctx.own_found()
    assert found is not None  # guarded by property_mine
    ctx.data.update(property_code=found.code, address=found.address, single_unit=found.single_unit)


@action
def keep_lodger(ctx: Context) -> None:
    """The member of staff sleeps at the site (宿舍)."""
    ctx.data["lodger"] = True


@action
def keep_not_lodger(ctx: Context) -> None:
    ctx.data["lodger"] = False


@action
def keep_name_draft(ctx: Context) -> None:
    """What the recogniser heard, kept next to the recording for the officer to correct, never as final (v2 §7)."""
    ctx.data["name_draft"] = (ctx.inp.speech or "").strip() or None


@action
def keep_address_draft(ctx: Context) -> None:
    ctx.data["address_draft"] = (ctx.inp.speech or "").strip() or None


@action
def count_id_try(ctx: Context) -> None:
    _count(ctx, "id")


@action
def keep_document(ctx: Context) -> None:
    ctx.data["document_number"] = ctx.id_entered()


@action
def count_property_try(ctx: Context) -> None:
    _count(ctx, "property")


@action
def keep_property(ctx: Context) -> None:
    found = ctx.property_found()
    assert found is not None  # guarded by property_known
    ctx.data.update(property_code=found.code, address=found.address, single_unit=found.single_unit)


@action
def keep_room(ctx: Context) -> None:
    ctx.data["room"] = ctx.keyed().replace("*", "-")


@action
def keep_no_room(ctx: Context) -> None:
    ctx.data["room"] = None


@action
def keep_today(ctx: Context) -> None:
    ctx.data["date"] = ctx.today.isoformat()


@action
def keep_date(ctx: Context) -> None:
    d, _problem = ctx.date_entered()
    assert d is not None  # guarded by date_valid
    ctx.data["date"] = d.isoformat()


@action
def keep_name(ctx: Context) -> None:
    ctx.data.update(name=(ctx.inp.speech or "").strip(), name_confidence=ctx.inp.confidence)


@action
def keep_name_guess(ctx: Context) -> None:
    """Keep a low-confidence result as a hint for the officer who transcribes the recording."""
    keep_name(ctx)


@action
def forget_name(ctx: Context) -> None:
    ctx.data.update(name=None, name_confidence=None)


@action
def count_name_failure(ctx: Context) -> None:
    _count(ctx, "name")


@action
def keep_name_recording(ctx: Context) -> None:
    ctx.data["name_recording_url"] = ctx.inp.recording_url


@action
def keep_address_recording(ctx: Context) -> None:
    ctx.data["address_recording_url"] = ctx.inp.recording_url


@action
def start_over(ctx: Context) -> None:
    """Forget everything entered in this flow (summary: `2` start again)."""
    ctx.data.clear()
    ctx.counters.clear()


@action
def submit(ctx: Context) -> None:
    """Hand the confirmed declaration to the port and keep the receipt to read out."""
    data, flow = ctx.data, ctx.state["flow"]
    no_document = flow == "no_document" or bool(data.get("no_document"))
    declaration = VoiceDeclaration(
        kind=KINDS.get(flow, flow),
        document_type="none" if no_document or data.get("id_suffix") else "ric",
        document_number=None if no_document else data.get("document_number"),
        property_code=data["property_code"],
        room=data.get("room"),
        date=dt.date.fromisoformat(data["date"]) if data.get("date") else ctx.today,
        name=data.get("name"),
        name_recording_url=data.get("name_recording_url"),
        address_recording_url=data.get("address_recording_url"),
        name_confidence=data.get("name_confidence"),
        caller=ctx.state["caller"],
        language=ctx.state["language"],
        id_suffix=data.get("id_suffix"),
        name_draft=data.get("name_draft"),
        address_draft=data.get("address_draft"),
        lodger=data.get("lodger"),
    )
    data["receipt"] = ctx.port.submit(ctx.state["call_sid"], declaration)


def _same_phone(a: str | None, b: str | None) -> bool:
    def digits(p: str) -> str:
        return "".join(ch for ch in p if ch.isdigit())
    return bool(a and b) and digits(a) == digits(b)  # type: ignore[arg-type]


@action
def look_up_status(ctx: Context) -> None:
    """Ask the port once; keep only what this caller may hear (never the phone itself).

    A caller who is not the phone on record keeps nothing at all: their answer must be the same
    whether or not the ID is registered.
    """
    caller = ctx.state["caller"]
    view = ctx.port.registration_status(ctx.data["document_number"], caller)
    mine = _same_phone(caller, view.phone_on_record)
    ctx.data["status"] = {
        "caller_on_record": mine,
        "active": view.active if mine else None,
        "declared_on": view.declared_on.isoformat() if mine and view.declared_on else None,
        "receipt": view.receipt if mine else None,
    }


@action
def send_status_sms(ctx: Context) -> None:
    """Ask the port to text the phone on record; whether it did is not kept, since nothing said may depend on it."""
    ctx.port.send_status_sms(ctx.data["document_number"], ctx.state["caller"])
