"""A declaration sent as named fields (the JSON API) read into the same ParseResult an SMS gives.

The fields are checked with the grammar's own rules (`documents`, `dates`, `phones`, `receipts`), so a
move-in through the API fails with the same stable codes as one by SMS and is then applied by the same
pipeline code. A problem's span is empty and its `text` names the field, since there is no text to point in.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from parsers import tokens as T
from parsers.commands import Command
from parsers.dates import birth_date, check_move_in_date, check_move_out_date
from parsers.documents import check_ric, convert_legacy_ric, ric_region_known
from parsers.grammar import is_cjk_name
from parsers.normalize import free_text
from parsers.phones import to_e164
from parsers.receipts import is_valid_receipt
from parsers.result import Document, ParseResult, Problem, Record

DOCUMENT_TYPES = ("ric", "passport", "hkmo_permit", "tw_permit", "none")


@dataclass(frozen=True)
class MoveIn:
    """The fields of one move-in, as a client sends them (strings, unchecked)."""

    name: str | None = None
    document_type: str = "ric"
    document_number: str | None = None
    room: str | None = None
    date: str | None = None  # YYYY-MM-DD; None: today
    phone: str | None = None
    property: str | None = None  # the property code
    hukou: str | None = None


class _Checks:
    def __init__(self) -> None:
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def error(self, code: str, field: str) -> None:
        self.errors.append(Problem(code, 0, 0, 0, field))

    def warn(self, code: str, field: str) -> None:
        self.warnings.append(Problem(code, 0, 0, 0, field))


def _document(fields: MoveIn, checks: _Checks, today: dt.date) -> Document | None:
    kind = fields.document_type
    number = (fields.document_number or "").strip().upper().replace(" ", "")
    if kind == "none":
        return Document("none", None)
    if not number:
        checks.error("missing_id", "document_number")
        return None
    if kind != "ric":
        return Document(kind, number)
    if len(number) == 15 and number.isascii() and number.isdigit():
        number = convert_legacy_ric(number)
        checks.warn("legacy_id", "document_number")
    code = check_ric(number, today)
    if code:
        checks.error(code, "document_number")
    elif not ric_region_known(number):
        checks.warn("region_unknown", "document_number")
    return Document("ric", number)


def read_document(document_type: str, number: str | None, today: dt.date) -> tuple[Document | None, str | None]:
    """A document typed in by an officer (one found on a person declared without one), checked exactly as a
    declaration's is. Returns (the document as `people` stores it, None) or (None, the first error code)."""
    if document_type not in DOCUMENT_TYPES or document_type == "none":
        return None, "missing_id"
    checks = _Checks()
    document = _document(MoveIn(document_type=document_type, document_number=number), checks, today)
    if checks.errors:
        return None, checks.errors[0].code
    if document is not None and document.number and not document.number.isalnum():
        return None, "id_length"
    return document, None


def _date(raw: str | None, checks: _Checks, today: dt.date, deadline_days: int, field: str = "date", *,
          move_in: bool = False, campaign_start: dt.date | None = None, born: dt.date | None = None) -> dt.date | None:
    if not raw:
        return today
    try:
        value = dt.date.fromisoformat(raw)
    except ValueError:
        checks.error("bad_date", field)
        return None
    if move_in:
        check = check_move_in_date(value, today, deadline_days, campaign_start=campaign_start, born=born)
    else:
        check = check_move_out_date(value, today, deadline_days)
    if check.error:
        checks.error(check.error, field)
        return None
    if check.backlog:
        checks.warn("backlog", field)
    if check.late:
        checks.warn("late", field)
    return value


def _name(raw: str | None, checks: _Checks) -> str:
    """A name of the shape an SMS name has (§4): 2-20 CJK characters, or Latin words."""
    name = free_text(raw or "")
    if not name:
        checks.error("missing_name", "name")
    elif not (is_cjk_name(name) or all(T.TOKENS["LATIN_WORD"].fullmatch(word) for word in name.split(" "))):
        checks.error("unrecognized_token", "name")
    return name


def _room(raw: str | None, checks: _Checks) -> str | None:
    """A room of the shape an SMS room has (§4), kept without its prefix or suffix (`房301` is `301`)."""
    room = free_text(raw or "").upper()
    if not room:
        return None
    shape = T.TOKENS["ROOM"].fullmatch(room)
    if shape is None:
        checks.error("unrecognized_token", "room")
        return None
    return shape.group("value")


def read_move_in(fields: MoveIn, *, today: dt.date, deadline_days: int, region: str = "CN",
                 language: str = "zh", campaign_start: dt.date | None = None) -> ParseResult:
    """One move-in record, with every problem its fields have (record 0)."""
    checks = _Checks()
    name = _name(fields.name, checks)
    document = _document(fields, checks, today)
    born = birth_date(document.number) if document and document.type == "ric" and document.number else None
    date = _date(fields.date, checks, today, deadline_days, move_in=True, campaign_start=campaign_start, born=born)
    phone = None
    if fields.phone:
        phone = to_e164(fields.phone, region)
        if phone is None:
            checks.error("unrecognized_token", "phone")
    room = _room(fields.room, checks)
    hukou = " ".join((fields.hukou or "").split()) or None
    if document is not None and document.type == "none":  # §9.1; a portrait comes later by MMS (`照片 回执号`)
        checks.warn("missing_hukou" if hukou is None else "missing_portrait", "hukou")
    record = Record(name=name or None, document=document, room=room, date=date, phone=phone,
                    property=(fields.property or "").strip() or None, hukou=hukou)
    return ParseResult(Command.MOVE_IN, language, records=(record,), errors=tuple(checks.errors),
                       warnings=tuple(checks.warnings))


def read_hire(fields: MoveIn, *, lodger: bool, today: dt.date, deadline_days: int, region: str = "CN",
              language: str = "zh", campaign_start: dt.date | None = None) -> ParseResult:
    """One `用工` record (§9.4): the fields of a move-in, `property` being the site, and whether they lodge."""
    result = read_move_in(fields, today=today, deadline_days=deadline_days, region=region, language=language,
                          campaign_start=campaign_start)
    return replace(result, command=Command.STAFF, records=(replace(result.records[0], lodger=lodger),))


@dataclass(frozen=True)
class Enrol:
    """A landlord's own enrolment request, as a client sends it (strings, unchecked)."""

    name: str | None = None
    document_type: str = "ric"
    document_number: str | None = None
    address: str | None = None
    alias: str | None = None
    single_unit: bool = False


def read_enrol(fields: Enrol, *, today: dt.date, language: str = "zh") -> ParseResult:
    """One enrol record, checked like `注册 …` by SMS: the landlord's name and own document (a landlord must
    have one), the property's address."""
    checks = _Checks()
    name = (fields.name or "").strip()
    if not name:
        checks.error("missing_name", "name")
    document = None
    if fields.document_type == "none":
        checks.error("missing_id", "document_number")
    else:
        document = _document(MoveIn(document_type=fields.document_type, document_number=fields.document_number),
                             checks, today)
    address = " ".join((fields.address or "").split())
    if not address:
        checks.error("missing_address", "address")
    alias = (fields.alias or "").strip() or None
    if alias is not None and alias.isdigit():
        checks.error("unrecognized_token", "alias")
    record = Record(name=name or None, document=document, address=address or None, property=alias,
                    single_unit=fields.single_unit)
    return ParseResult(Command.ENROL, language, records=(record,), errors=tuple(checks.errors),
                       warnings=tuple(checks.warnings))


def read_move_out_date(raw: str | None, *, today: dt.date, deadline_days: int) -> tuple[dt.date | None, str | None]:
    """A move-out's date (today when none is given), or the code of what is wrong with it."""
    checks = _Checks()
    value = _date(raw, checks, today, deadline_days)
    return value, (checks.errors[0].code if checks.errors else None)


def read_by_receipt(command: Command, receipt: str, *, language: str = "zh") -> ParseResult:
    """A command on one declaration, named by its receipt (`cancel`, and a move-out by receipt)."""
    errors = () if is_valid_receipt(receipt) else (Problem("bad_receipt", None, 0, 0, "receipt"),)
    return ParseResult(command, language, receipt=receipt if not errors else None, errors=errors)
