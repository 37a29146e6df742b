"""One reply SMS per inbound message, built from the parse and the pipeline's outcomes.

Texts live in `catalog_zh` / `catalog_en`; this module only arranges them. The
full document number arrives in `Outcome.document_number` and leaves masked:
this is the only place a reply mentions an ID.
"""
from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType

from parsers import catalog_en, catalog_zh
from parsers.commands import Command
from parsers.masking import mask_id, mask_ids
from parsers.outcome import Outcome, OutcomeStatus
from parsers.result import ParseResult

CATALOGS: dict[str, ModuleType] = {"zh": catalog_zh, "en": catalog_en}
_EXAMPLE_CODES = frozenset({"unknown_keyword", "empty_message"})
_MAX_TOKEN_DIGITS = 8  # unrecognised text with more digits may be most of an ID number: masked
_MAX_TOKEN_SHOWN = 20  # longer unrecognised text is cut


def _unique(codes) -> tuple[str, ...]:
    return tuple(dict.fromkeys(codes))


def _code_text(cat: ModuleType, code: str, result: ParseResult, record: int | None) -> str:
    text = cat.COMMAND_CODES.get(result.command or "", {}).get(code) or cat.CODES.get(code, code)
    if "{token}" in text:
        token = next((p.text for p in result.errors if p.code == code and p.record == record), "")
        token = token.strip()
        if sum(ch.isdigit() for ch in token) > _MAX_TOKEN_DIGITS:
            token = mask_id(token)
        elif len(token) > _MAX_TOKEN_SHOWN:
            token = token[:_MAX_TOKEN_SHOWN - 1] + "…"
        text = text.format(token=token)
    return text


def _record_line(cat: ModuleType, o: Outcome, result: ParseResult) -> str:
    rec = result.records[o.record] if o.record is not None and 0 <= o.record < len(result.records) else None
    name = o.name or (rec.name if rec else None)
    number = o.document_number
    if number is None and rec is not None and rec.document is not None:
        number = rec.document.number
    parts = [] if o.status == OutcomeStatus.LISTED else [cat.STATUS.get(o.status, o.status)]
    if name:
        parts.append(mask_ids(name))
    if number:
        parts.append(mask_id(number))
    room = o.room or (rec.room if rec else None)
    if room and (o.status == OutcomeStatus.LISTED or (not number and o.status == OutcomeStatus.MOVED_OUT)):
        parts.append(cat.TEMPLATES["room"].format(room=room))
    if o.receipt:
        parts.append(cat.TEMPLATES["receipt"].format(receipt=o.receipt))
    line = " ".join(parts)
    notes = [_code_text(cat, c, result, o.record) for c in o.codes]
    if notes:
        line += ("：" if cat is catalog_zh else ": ") + cat.TEMPLATES["joiner"].join(notes)
    return line


# Commands written as a bare Latin keyword and numbers (`Y 12345671`, `DEL 12345671`, `LIST @100001`, `HELP`):
# the same in every language, so the words do not say which one the landlord reads.
BARE_COMMANDS = frozenset({Command.CONFIRM, Command.DISPUTE, Command.CANCEL, Command.LIST, Command.HELP})


def says_no_language(body: str, result: ParseResult) -> bool:
    """Whether a message has no language of its own: no Chinese, and only a bare command or no letters at all
    (a receipt typed alone)."""
    if result.language == "zh":
        return False
    return result.command in BARE_COMMANDS or not any(ch.isalpha() for ch in body)


def reply_language(body: str, result: ParseResult, remembered: str | None) -> tuple[str, bool]:
    """The language to answer in, and whether it is one to remember for the sender.

    A message that says no language is answered in the one the conversation is in (the number's last
    message, or the prompt it answers), English for a number never heard from; any other message in its own.
    """
    if says_no_language(body, result):
        return (remembered if remembered in CATALOGS else "en"), False
    return result.language, True


def render_reply(result: ParseResult, outcomes: Sequence[Outcome], *, language: str | None = None) -> str:
    """The single reply SMS for one inbound message."""
    cat = CATALOGS.get(language or result.language, catalog_en)
    lines: list[str] = []
    whole = [o for o in outcomes if o.record is None and o.status == OutcomeStatus.REJECTED]
    codes = _unique(c for o in whole for c in o.codes)
    if not outcomes and result.message_errors():
        codes = _unique(p.code for p in result.message_errors())
    if codes:
        lines.append(cat.STATUS[OutcomeStatus.REJECTED] + ("：" if cat is catalog_zh else ": ")
                     + cat.TEMPLATES["joiner"].join(_code_text(cat, c, result, None) for c in codes))
        if _EXAMPLE_CODES & set(codes):
            lines.append(cat.TEMPLATES["help"])
        return "\n".join(lines)
    if result.command == Command.HELP:
        return cat.TEMPLATES["help"]
    listed = [o for o in outcomes if o.status == OutcomeStatus.LISTED]
    if result.command == Command.LIST or listed:
        if not listed:
            return cat.TEMPLATES["list_empty"]
        lines.append(cat.TEMPLATES["list_header"])
        lines.extend(_record_line(cat, o, result) for o in listed)
        return "\n".join(lines)
    per_record = [o for o in outcomes if o.record is not None or o.status != OutcomeStatus.REJECTED]
    numbered = len(per_record) > 1
    for n, o in enumerate(per_record, 1):
        line = _record_line(cat, o, result)
        lines.append(f"{n}.{line}" if numbered else line)
    return "\n".join(lines)
