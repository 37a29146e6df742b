"""The voice-line flows, as data. Menu digits and step order are the voice line's fixed contract (v1, and v2's
menu 4 and 5 for landlords and their agents, and for employers' contacts).

Steps shared by several flows (ID entry, property code, room, date) are built
by small functions so each flow reads like the spec's list of steps.
"""
from __future__ import annotations

from .machine import CHOICE, HANGUP, KEYS, SELF, SPEECH, Flow, State, Transition as T, entry, record

MAX_SILENT_REPEATS = 2  # the prompt is repeated at most twice on silence, then goodbye
MAX_ID_TRIES = 3
MAX_PROPERTY_TRIES = 3
MAX_NAME_FAILURES = 2
NAME_RECORD_SECONDS = 15
ADDRESS_RECORD_SECONDS = 30


def on_silence(*transitions: T) -> tuple[T, ...]:
    """Add the standard no-input handling: repeat the prompt twice, then say goodbye."""
    return transitions + (
        T("silence", SELF, guards=("may_repeat",), actions=("count_silence",), say=("no_input",)),
        T("silence", "goodbye_no_input"),
    )


def menu(*transitions: T) -> tuple[T, ...]:
    """A one-key menu: the given keys, then invalid-key and no-input handling."""
    return on_silence(*transitions, T("any key", SELF, say=("invalid_key",)))


def final(name: str, prompt: str) -> State:
    return State(name, prompt, HANGUP)


GOODBYE_NO_INPUT = final("goodbye_no_input", "goodbye_no_input")


def id_steps(confirmed: str, failed: str, *, then_do: tuple[str, ...] = (), prompt: str = "id_prompt",
             other: tuple[T, ...] = ()) -> tuple[State, ...]:
    """2a–2b: ID by keypad (checked at once, 3 tries), then read back 6-8-4. `other`: what else the entry
    may be, tried first (a landlord's `0` for no document, the last four characters of a leaving tenant's ID)."""
    return (
        State("id", prompt, entry(), on_silence(
            *other,
            T("entry", "id_readback", guards=("id_valid",), actions=("keep_document",)),
            T("entry", failed, guards=("id_last_try",), say=("id_problem",)),
            T("entry", SELF, actions=("count_id_try",), say=("id_problem",)),
        )),
        State("id_readback", "id_readback", KEYS, menu(
            T("key 1", confirmed, actions=then_do),
            T("key 2", "id"),
        )),
    )


def property_steps(confirmed: str) -> tuple[State, ...]:
    """2c: property code (3 tries), then its address read back."""
    return (
        State("property", "property_prompt", entry(), on_silence(
            T("entry", "property_readback", guards=("property_known",), actions=("keep_property",)),
            T("entry", "goodbye_property", guards=("property_last_try",), say=("property_unknown",)),
            T("entry", SELF, actions=("count_property_try",), say=("property_unknown",)),
        )),
        State("property_readback", "property_readback", KEYS, menu(
            T("key 1", confirmed),
            T("key 2", "property"),
        )),
        final("goodbye_property", "goodbye_property"),
    )


def room_step(then: str, prompt: str = "room_prompt") -> State:
    """2d: room by keypad (`*` is a dash); none only for a single-unit property (or a site: a room is optional
    for staff); read back next."""
    return State("room", prompt, entry(), (
        T("entry", then, guards=("room_valid",), actions=("keep_room",), say=("room_readback",)),
        T("entry", SELF, say=("room_invalid",)),
        T("silence", then, guards=("property_single_unit",), actions=("keep_no_room",),
          say=("room_readback",)),
        T("silence", SELF, guards=("may_repeat",), actions=("count_silence",), say=("room_required",)),
        T("silence", "goodbye_no_input"),
    ))


def name_steps(then: str, prefix: str = "") -> tuple[State, ...]:
    """2f: the name by speech, read back; after two failures or low confidence, recorded for an officer.
    `prefix` picks the words: the caller's own name, or (`tenant_`) the tenant's."""
    return (
        State("name", f"{prefix}name_prompt", SPEECH, (
            T("speech", "name_readback", guards=("speech_confident",), actions=("keep_name",)),
            T("speech", "name_record", actions=("keep_name_guess",), say=("name_unclear",)),
            T("silence", "name_record", guards=("name_last_try",), say=("name_unclear",)),
            T("silence", SELF, actions=("count_name_failure",), say=("name_not_heard",)),
        )),
        State("name_readback", f"{prefix}name_readback", KEYS, menu(
            T("key 1", then),
            T("key 2", "name_record", guards=("name_last_try",), actions=("forget_name",),
              say=("name_unclear",)),
            T("key 2", "name", actions=("forget_name", "count_name_failure")),
        )),
        State("name_record", f"{prefix}name_record", record(NAME_RECORD_SECONDS), on_silence(
            T("recording", then, actions=("keep_name_recording",)),
        )),
    )


def no_document_steps(then: str, prefix: str = "") -> tuple[State, ...]:
    """5 and v2 §7: the name and the household-registration address, each first by speech (kept as a draft
    for the officer) and then recorded (what the officer transcribes from)."""
    return (
        State("nodoc_name", f"{prefix}name_speech", SPEECH, (
            T("speech", "nodoc_name_record", actions=("keep_name_draft",)),
            T("silence", "nodoc_name_record"),
        )),
        State("nodoc_name_record", f"{prefix}name_record", record(NAME_RECORD_SECONDS), on_silence(
            T("recording", "nodoc_address", actions=("keep_name_recording",)),
        )),
        State("nodoc_address", f"{prefix}address_speech", SPEECH, (
            T("speech", "nodoc_address_record", actions=("keep_address_draft",)),
            T("silence", "nodoc_address_record"),
        )),
        State("nodoc_address_record", f"{prefix}address_record", record(ADDRESS_RECORD_SECONDS), on_silence(
            T("recording", then, actions=("keep_address_recording",)),
        )),
    )


def own_property_steps(confirmed: str, prompt: str = "property_prompt", goodbye: str = "goodbye_property",
                       readback: str = "property_readback", unknown: str = "property_unknown") -> tuple[State, ...]:
    """v2 §6's 2c: skipped when the caller declares for one property (an employer: one site) only; otherwise
    one of theirs by code. A code that is not theirs is "not found", like one that does not exist: the line
    tells no stranger what is enrolled. An employer hears of sites, not houses (the `site_*` prompts)."""
    return (
        State("property_choice", None, CHOICE, (
            T("always", confirmed, guards=("caller_has_one_property",), actions=("keep_only_property",)),
            T("always", "property"),
        )),
        State("property", prompt, entry(), on_silence(
            T("entry", "property_readback", guards=("property_mine",), actions=("keep_own_property",)),
            T("entry", "goodbye_property", guards=("property_last_try",), say=(unknown,)),
            T("entry", SELF, actions=("count_property_try",), say=(unknown,)),
        )),
        State("property_readback", readback, KEYS, menu(
            T("key 1", confirmed),
            T("key 2", "property"),
        )),
        final("goodbye_property", goodbye),
    )


def confirm_steps(summary: str, no_document_summary: str, name_prefix: str) -> tuple[State, ...]:
    """The end of a declaration by phone on menu 4 (a tenant or a member of staff): the name said unless no
    document was chosen (then it was recorded already), the summary to confirm, the receipt read out."""
    return (
        State("name_choice", None, CHOICE, (
            T("always", "summary_no_document", guards=("no_document_chosen",)),
            T("always", "name"),
        )),
        *name_steps(then="summary", prefix=name_prefix),
        State("summary", summary, KEYS, menu(
            T("key 1", "receipt_review", guards=("name_recorded",), actions=("submit",)),
            T("key 1", "receipt", actions=("submit",)),
            T("key 2", "id", actions=("start_over",)),
        )),
        State("summary_no_document", no_document_summary, KEYS, menu(
            T("key 1", "receipt_review", actions=("submit",)),
            T("key 2", "id", actions=("start_over",)),
        )),
        final("receipt", "declare_receipt"),
        final("receipt_review", "declare_receipt_review"),
    )


def date_steps(prompt: str, then: str) -> tuple[State, ...]:
    """2e: `1` today or `2` eight digits YYYYMMDD, read back at the start of the next prompt."""
    return (
        State("date", prompt, KEYS, menu(
            T("key 1", then, actions=("keep_today",), say=("date_readback",)),
            T("key 2", "date_entry"),
        )),
        State("date_entry", "date_entry", entry(num_digits=8), on_silence(
            T("entry", then, guards=("date_valid",), actions=("keep_date",), say=("date_readback",)),
            T("entry", SELF, say=("date_problem",)),
        )),
    )


WELCOME = Flow("welcome", "language", (
    State("language", "welcome", KEYS, bilingual=True, transitions=(
        T("key 1", "menu", actions=("choose_mandarin", "look_up_declarant")),
        T("key 2", "menu", actions=("choose_english", "look_up_declarant")),
        T("silence", "menu", actions=("choose_mandarin", "look_up_declarant")),
        T("any key", SELF, say=("invalid_key",)),
    )),
    # A landlord or an agent hears 4 and 5 for tenants, an employer contact for staff (v2 §6); a number that
    # is both is asked which.
    State("menu", "menu", KEYS, menu(
        T("key 1", "move_in:id"),
        T("key 2", "move_out:id"),
        T("key 3", "status:id"),
        T("key 0", "no_document:nodoc_name"),
        T("key 4", "declare_which", guards=("caller_declares", "caller_employs")),
        T("key 4", "declare:id", guards=("caller_declares",)),
        T("key 4", "staff:id", guards=("caller_employs",)),
        T("key 5", "leave_which", guards=("caller_declares", "caller_employs")),
        T("key 5", "declare_out:id", guards=("caller_declares",)),
        T("key 5", "staff_out:id", guards=("caller_employs",)),
        T("key *", SELF),
    )),
    State("declare_which", "declare_which", KEYS, menu(
        T("key 1", "declare:id"),
        T("key 2", "staff:id"),
    )),
    State("leave_which", "leave_which", KEYS, menu(
        T("key 1", "declare_out:id"),
        T("key 2", "staff_out:id"),
    )),
    GOODBYE_NO_INPUT,
))

MOVE_IN = Flow("move_in", "id", (
    *id_steps(confirmed="property", failed="id_failed"),
    State("id_failed", "id_failed", KEYS, (
        T("key 0", "no_document:nodoc_name"),
        T("any key", "goodbye"),
        T("silence", "goodbye"),
    )),
    *property_steps(confirmed="room"),
    room_step(then="date"),
    *date_steps("move_in_date", then="name"),
    *name_steps(then="summary"),
    State("summary", "move_in_summary", KEYS, menu(
        T("key 1", "receipt_review", guards=("name_recorded",), actions=("submit",)),
        T("key 1", "receipt", actions=("submit",)),
        T("key 2", "id", actions=("start_over",)),
    )),
    final("receipt", "move_in_receipt"),
    final("receipt_review", "move_in_receipt_review"),
    final("goodbye", "goodbye"),
    GOODBYE_NO_INPUT,
))

MOVE_OUT = Flow("move_out", "id", (
    *id_steps(confirmed="property", failed="goodbye_id"),
    *property_steps(confirmed="date"),
    *date_steps("move_out_date", then="summary"),
    State("summary", "move_out_summary", KEYS, menu(
        T("key 1", "receipt", actions=("submit",)),
        T("key 2", "id", actions=("start_over",)),
    )),
    final("receipt", "move_out_requested"),
    final("goodbye_id", "goodbye_id"),
    GOODBYE_NO_INPUT,
))

STATUS = Flow("status", "id", (
    *id_steps(confirmed="report", failed="goodbye_id", then_do=("look_up_status",)),
    State("report", None, CHOICE, (
        T("always", "active", guards=("caller_on_record", "registration_active")),
        T("always", "inactive", guards=("caller_on_record",)),
        # Anyone else hears one answer, whatever is on record: the line must not tell who is registered.
        T("always", "sent_if_on_record", actions=("send_status_sms",)),
    )),
    final("active", "status_active"),
    final("inactive", "status_inactive"),
    final("sent_if_on_record", "status_sent_if_on_record"),
    final("goodbye_id", "goodbye_id"),
    GOODBYE_NO_INPUT,
))

NO_DOCUMENT = Flow("no_document", "nodoc_name", (
    *no_document_steps(then="property"),
    *property_steps(confirmed="room"),
    room_step(then="summary"),
    State("summary", "no_document_summary", KEYS, menu(
        T("key 1", "receipt", actions=("submit",)),
        T("key 2", "nodoc_name", actions=("start_over",)),
    )),
    final("receipt", "no_document_receipt"),
    GOODBYE_NO_INPUT,
))

# v2 §6, menu 4: a landlord (agent, employer contact) declares a tenant. Stored at once as their own
# declaration, like an SMS from their phone: no "please confirm" goes to them.
DECLARE = Flow("declare", "id", (
    *id_steps(confirmed="property_choice", failed="goodbye_id", prompt="declare_id_prompt", other=(
        T("entry", "nodoc_name", guards=("no_document_key",), actions=("choose_no_document",)),)),
    *no_document_steps(then="property_choice", prefix="tenant_"),
    *own_property_steps(confirmed="room"),
    room_step(then="date"),
    *date_steps("move_in_date", then="name_choice"),
    *confirm_steps("declare_summary", "declare_no_document_summary", name_prefix="tenant_"),
    final("goodbye_id", "goodbye_id"),
    GOODBYE_NO_INPUT,
))

# v2 §6, menu 5: a tenant moved out, named by ID or its last four characters.
DECLARE_OUT = Flow("declare_out", "id", (
    *id_steps(confirmed="property_choice", failed="goodbye_id", prompt="declare_out_id_prompt", other=(
        T("entry", "property_choice", guards=("id_suffix_entered",), actions=("keep_id_suffix",)),)),
    *own_property_steps(confirmed="date"),
    *date_steps("move_out_date", then="summary"),
    State("summary", "declare_out_summary", KEYS, menu(
        T("key 1", "done", actions=("submit",)),
        T("key 2", "id", actions=("start_over",)),
    )),
    final("done", "declare_out_done"),
    final("goodbye_id", "goodbye_id"),
    GOODBYE_NO_INPUT,
))

# v2 §6 for an employer contact, menu 4: a member of staff at one of the employer's own sites, with whether they
# lodge there (宿舍); stored at once like the contact's `用工` SMS.
STAFF = Flow("staff", "id", (
    *id_steps(confirmed="property_choice", failed="goodbye_id", prompt="staff_id_prompt", other=(
        T("entry", "nodoc_name", guards=("no_document_key",), actions=("choose_no_document",)),)),
    *no_document_steps(then="property_choice", prefix="staff_"),
    *own_property_steps(confirmed="room", prompt="site_prompt", goodbye="goodbye_site", readback="site_readback",
                        unknown="site_unknown"),
    room_step(then="lodger", prompt="staff_room_prompt"),
    State("lodger", "staff_lodger_prompt", KEYS, menu(
        T("key 1", "date", actions=("keep_lodger",)),
        T("key 2", "date", actions=("keep_not_lodger",)),
    )),
    *date_steps("staff_start_date", then="name_choice"),
    *confirm_steps("staff_summary", "staff_no_document_summary", name_prefix="staff_"),
    final("goodbye_id", "goodbye_id"),
    GOODBYE_NO_INPUT,
))

# v2 §6 for an employer contact, menu 5: a member of staff left, named by ID or its last four characters.
STAFF_OUT = Flow("staff_out", "id", (
    *id_steps(confirmed="property_choice", failed="goodbye_id", prompt="staff_out_id_prompt", other=(
        T("entry", "property_choice", guards=("id_suffix_entered",), actions=("keep_id_suffix",)),)),
    *own_property_steps(confirmed="date", prompt="site_prompt", goodbye="goodbye_site", readback="site_readback",
                        unknown="site_unknown"),
    *date_steps("staff_end_date", then="summary"),
    State("summary", "staff_out_summary", KEYS, menu(
        T("key 1", "done", actions=("submit",)),
        T("key 2", "id", actions=("start_over",)),
    )),
    final("done", "staff_out_done"),
    final("goodbye_id", "goodbye_id"),
    GOODBYE_NO_INPUT,
))

FLOWS: dict[str, Flow] = {f.name: f for f in (WELCOME, MOVE_IN, MOVE_OUT, STATUS, NO_DOCUMENT, DECLARE, DECLARE_OUT,
                                              STAFF, STAFF_OUT)}
STAFF_FLOWS = frozenset({STAFF.name, STAFF_OUT.name})  # their own places are the employer's sites
