"""The SMS declaration grammar (docs/sms-format.md §1–§4, v2 §9; codes §6, interpretations §7): one function per rule.

Each rule's docstring is its EBNF. Rules read tokens from `tokens.tokenize`
and record problems as values; nothing here raises on user input.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from parsers import tokens as T
from parsers.commands import AGENT_COMMANDS, MOVE_INS, MOVE_OUTS, RECEIPT_ARGUMENT, Command
from parsers.dates import (DEADLINE_DAYS, birth_date, check_move_in_date, check_move_out_date, make_date,
                           resolve_year)
from parsers.documents import check_ric, convert_legacy_ric, ric_region_known
from parsers.normalize import Normalised, free_text, normalise
from parsers.phones import to_e164
from parsers.receipts import is_valid_receipt
from parsers.result import Document, ParseResult, Problem, Record

MAX_RECORDS = 10
MAX_CHARS = 1600
# A name and an address as long as the API takes them (gateway.api.schemas) and the store keeps them.
NAME_MAX, ADDRESS_MAX = 60, 200
DOCUMENT_KINDS = frozenset({"RIC", "PASSPORT", "HKMO", "TW", "NOID"})
DATE_KINDS = frozenset({"DATE_WORD", "DATE_YMD_CJK", "DATE_MD_CJK", "DATE_YMD", "DATE_MD", "DATE_MD_DASH"})
_DOC_TYPES = {"PASSPORT": "passport", "HKMO": "hkmo_permit", "TW": "tw_permit"}
_ID_LENGTH_DIGITS = frozenset({16, 17, 19})


def is_cjk_name(text: str) -> bool:
    """cjk_name = 2 * 20 CJK ; (a middle dot only between characters) — the SMS's rule, the API's too."""
    return (2 <= len(text) <= 20 and text.strip("·") == text and "··" not in text
            and T.TOKENS["NAME_CJK"].fullmatch(text) is not None)


@dataclass(frozen=True, slots=True)
class _Segment:
    """One record's slice of the normalised text and its fields."""

    start: int
    end: int
    tokens: list[T.Token]
    hukou: tuple[int, int, str] | None = None  # the household-registration field: its span and address


@dataclass(slots=True)
class _Inherited:
    """What a record passes on to the next one that omits it (a family in one room)."""

    property: str | None = None
    property_span: tuple[int, int] | None = None
    room: str | None = None
    date_token: T.Token | None = None


class _Parser:
    def __init__(self, text: str, today: dt.date, deadline_days: int, region: str,
                 campaign_start: dt.date | None, images: int) -> None:
        self.norm: Normalised = normalise(text)
        self.text = self.norm.text
        self.today = today
        self.deadline_days = deadline_days
        self.region = region
        self.campaign_start = campaign_start
        self.images = images
        self.portraits_given = 0  # images handed to no-document records so far, in reading order
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    # -- problems ---------------------------------------------------------
    def _problem(self, code: str, record: int | None, start: int, end: int) -> Problem:
        s, e = self.norm.span(start, end)
        return Problem(code, record, s, e, self.norm.original[s:e])

    def written(self, start: int, end: int) -> str:
        """Free text (an address) as the sender wrote it: NFKC, zero-width characters dropped, runs of spaces
        made one — but `、` stays `、`, where the field grammar reads it as a separator."""
        s, e = self.norm.span(start, end)
        return free_text(self.norm.original[s:e])

    def error(self, code: str, record: int | None, start: int, end: int) -> None:
        self.errors.append(self._problem(code, record, start, end))

    def warn(self, code: str, record: int | None, start: int, end: int) -> None:
        self.warnings.append(self._problem(code, record, start, end))

    def result(self, command: Command | None, language: str, **kw) -> ParseResult:
        order = lambda p: (p.start, p.end)  # noqa: E731 - reading order for the officer UI
        return ParseResult(command, language, errors=tuple(sorted(self.errors, key=order)),
                           warnings=tuple(sorted(self.warnings, key=order)), **kw)

    # -- rules ------------------------------------------------------------
    def message(self) -> ParseResult:
        """message = SEP* keyword arguments ;
        arguments = record { RECORD_SEP record } ;"""
        text = self.text
        language = "zh" if T.IS_HAN.search(text) else "en"
        if len(self.norm.original) > MAX_CHARS:
            self.error("message_too_long", None, *self._normalised_range_of_original(MAX_CHARS))
        lead = T.LEADING.match(text)
        pos = lead.end() if lead else 0
        if pos >= len(text):
            self.error("empty_message", None, 0, len(text))
            return self.result(None, language)
        start = pos
        command, pos = self.keyword(pos)
        if command is None:
            return self.result(None, language)
        segments = self.segments(pos, hukou=command in MOVE_INS)
        if len(segments) > MAX_RECORDS:
            self.error("too_many_records", None, segments[MAX_RECORDS].start, segments[-1].end)
        if not segments and command in MOVE_INS | MOVE_OUTS:  # the keyword alone: say what the record needs
            if command in MOVE_INS:
                self.error("missing_name", 0, start, pos)
            self.error("missing_id", 0, start, pos)
            return self.result(command, language, records=(Record(),))
        if command in MOVE_INS:
            return self.result(command, language, records=self.records(segments, self.move_in_record,
                                                                       staff=command == Command.STAFF))
        if command in MOVE_OUTS:
            return self.result(command, language, records=self.records(segments, self.move_out_record))
        if command in RECEIPT_ARGUMENT:
            return self.result(command, language, receipt=self.receipt_arguments(segments))
        if command == Command.ENROL:
            return self.result(command, language, records=self.single(segments, self.enrol_record))
        if command in AGENT_COMMANDS:
            return self.result(command, language, records=self.single(segments, self.agent_record))
        if command == Command.LIST:
            return self.result(command, language, property=self.list_arguments(segments))
        return self.result(command, language)  # help: anything after it is ignored

    def _normalised_range_of_original(self, orig_start: int) -> tuple[int, int]:
        starts = self.norm.starts
        if starts is None:
            return orig_start, len(self.text)
        first = next((i for i, s in enumerate(starts) if s >= orig_start), len(self.text))
        return first, len(self.text)

    def keyword(self, pos: int) -> tuple[Command | None, int]:
        """keyword = move_in_kw | move_out_kw | cancel_kw | confirm_kw | dispute_kw | list_kw | help_kw ;
        (case-insensitive; may be glued to the next field)"""
        m = T.KEYWORD.match(self.text, pos)
        if m:
            return T.KEYWORDS[m.group().upper()], m.end()
        first = T.FIRST_FIELD.match(self.text, pos)
        end = first.end() if first else pos + 1
        self.error("unknown_keyword", None, pos, end)
        return None, pos

    def segments(self, pos: int, *, hukou: bool = False) -> list[_Segment]:
        """records = record { RECORD_SEP record } ; (empty records are ignored)
        hukou = ( "户籍" | "籍贯" | "HUKOU" ) [ ":" ] address ; (runs to the end of its record, §9.1)"""
        out: list[_Segment] = []
        text = self.text
        n = len(text)
        while pos <= n:
            m = T.RECORD_SEPARATOR.search(text, pos)
            stop = m.start() if m else n
            field = T.HUKOU.search(text, pos, stop) if hukou else None
            toks = T.tokenize(text, pos, field.start() if field else stop)
            if field:
                address = self.written(field.end(), stop) or None
                start = toks[0].start if toks else field.start()
                out.append(_Segment(start, stop, toks, (field.start(), stop, address) if address else None))
            elif toks:
                out.append(_Segment(toks[0].start, toks[-1].end, toks))
            pos = stop + 1
        return out

    def records(self, segments: list[_Segment], rule, **kw) -> tuple[Record, ...]:
        inherited = _Inherited()
        return tuple(rule(i, seg, inherited, **kw) for i, seg in enumerate(segments))

    def single(self, segments: list[_Segment], rule) -> tuple[Record, ...]:
        """A command that takes one record (an enrolment, an agent): a second record is not read."""
        if not segments:
            self.error("missing_phone" if rule == self.agent_record else "missing_name", 0, 0, len(self.text))
            return (Record(),)
        for extra in segments[1:]:
            self.error("unrecognized_token", None, extra.start, extra.end)
        return (rule(0, segments[0]),)

    def move_in_record(self, index: int, seg: _Segment, inherited: _Inherited, *, staff: bool = False) -> Record:
        """move_in_record = { document | name | room | date | phone | property } [ hukou ] ;
        staff_record = { document | name | room | date | phone | site | lodger } [ hukou ] ;
        (shapes in any order; exactly one name and one document)"""
        f = self.fields(index, seg, allow_suffix=False, staff=staff)
        if f["name"] is None:
            self.error("missing_name", index, seg.start, seg.end)
        if not f["document_seen"]:
            self.error("missing_id", index, seg.start, seg.end)
        return self.finish_record(index, f, inherited, seg)

    def move_out_record(self, index: int, seg: _Segment, inherited: _Inherited) -> Record:
        """move_out_record = { document | id_suffix | name | room | date | property } ;
        (at least one of document, id_suffix or room)"""
        f = self.fields(index, seg, allow_suffix=True)
        if not (f["document_seen"] or f["id_suffix"] or f["room"]):
            self.error("missing_id", index, seg.start, seg.end)
        return self.finish_record(index, f, inherited, seg, move_out=True)

    def finish_record(self, index: int, f: dict, inherited: _Inherited, seg: _Segment, *,
                      move_out: bool = False) -> Record:
        """Apply inheritance, then the date rules, then the no-document rules (§9.1, §9.2) to one record."""
        prop = f["property"] or inherited.property
        prop_span = f["property_span"] if f["property"] else inherited.property_span
        room = f["room"] or inherited.room
        date_token = f["date_token"] or inherited.date_token
        inherited.property, inherited.property_span, inherited.room, inherited.date_token = (
            prop, prop_span, room, date_token)
        document = f["document"]
        born = birth_date(document.number) if document and document.type == "ric" and document.number else None
        date = self.today if date_token is None else self.date(index, date_token, born=born, move_out=move_out)
        hukou = seg.hukou[2] if seg.hukou else None
        if hukou is not None and len(hukou) > ADDRESS_MAX:
            self.error("address_too_long", index, seg.hukou[0], seg.hukou[1])
        image = None
        if document is not None and document.type == "none" and not move_out:
            if self.portraits_given < self.images:
                image = self.portraits_given
            self.portraits_given += 1
            if hukou is None:
                self.warn("missing_hukou", index, *f["noid_span"])
            elif image is None:
                self.warn("missing_portrait", index, seg.hukou[0], seg.hukou[1])
        return Record(name=f["name"], document=document, room=room, date=date, phone=f["phone"], property=prop,
                      id_suffix=f["id_suffix"], hukou=hukou, image=image, lodger=f["lodger"],
                      span=self.norm.span(seg.start, seg.end), property_span=prop_span)

    def fields(self, index: int, seg: _Segment, *, allow_suffix: bool, staff: bool = False) -> dict:
        """field = document | id_suffix | name | room | date | phone | property ;
        name = cjk_name | latin_word { latin_word } ;
        lodger = "宿舍" | "LODGE" ; (staff records only: there `LODGE` is never part of a name)"""
        f: dict = {"name": None, "document": None, "document_seen": False, "room": None, "noid_span": None,
                   "date_token": None, "phone": None, "property": None, "property_span": None, "id_suffix": None,
             "lodger": False}
        toks = seg.tokens
        i = 0
        while i < len(toks):
            tok = toks[i]
            kind = tok.kind
            if kind == "LATIN_WORD":
                if staff and tok.text.upper() in T.LODGER_WORDS:
                    f["lodger"] = True
                    i += 1
                    continue
                j = i
                while (j + 1 < len(toks) and toks[j + 1].kind == "LATIN_WORD"
                       and not (staff and toks[j + 1].text.upper() in T.LODGER_WORDS)):
                    j += 1
                name = " ".join(t.text for t in toks[i:j + 1])
                self.name(index, f, name, tok.start, toks[j].end)
                i = j + 1
                continue
            i += 1
            if kind == "NAME_CJK" and staff and tok.text.endswith("宿舍"):
                f["lodger"] = True  # `宿舍`, or glued to the name before it: `张三宿舍`
                if len(tok.text) > 2:
                    self.name_cjk(index, f, tok.text[:-2], tok.start, tok.end - 2)
            elif kind == "NAME_CJK":
                self.name_cjk(index, f, tok.text, tok.start, tok.end)
            elif kind in DOCUMENT_KINDS or (kind == "NUMBER" and len(tok.text) in (15, 16, 17, 19)):
                if kind == "NOID" and not f["document_seen"]:
                    f["noid_span"] = (tok.start, tok.end)
                self.document(index, f, tok)
            elif kind == "ID_SUFFIX" and allow_suffix and f["id_suffix"] is None:
                f["id_suffix"] = tok.value.upper()
            elif kind == "ROOM" and f["room"] is None:
                f["room"] = tok.value.upper()
            elif kind in DATE_KINDS and f["date_token"] is None:
                f["date_token"] = tok
            elif kind == "NUMBER" and len(tok.text) == 8 and tok.text.isdigit() and f["date_token"] is None and tok.text[:2] in ("19", "20"):
                f["date_token"] = tok  # YYYYMMDD
            elif kind == "PHONE" and f["phone"] is None and (phone := to_e164(tok.text, self.region)):
                f["phone"] = phone
            elif kind == "PROPERTY" and f["property"] is None:
                f["property"], f["property_span"] = tok.value, self.norm.span(tok.start, tok.end)
            else:
                self.error("unrecognized_token", index, tok.start, tok.end)
        return f

    def name_cjk(self, index: int, f: dict, text: str, start: int, end: int) -> None:
        """cjk_name = 2 * 20 CJK ; (a middle dot only between characters)"""
        if is_cjk_name(text):
            self.name(index, f, text, start, end)
        else:
            self.error("unrecognized_token", index, start, end)

    def name(self, index: int, f: dict, name: str, start: int, end: int) -> None:
        """Record a name; a second one is `multiple_names`. One too long is an error, kept cut for the reply."""
        if f["name"] is None:
            if len(name) > NAME_MAX:
                self.error("name_too_long", index, start, end)
                name = name[:NAME_MAX - 1] + "…"
            f["name"] = name
        else:
            self.error("multiple_names", index, start, end)

    def document(self, index: int, f: dict, tok: T.Token) -> None:
        """document = ric | legacy_ric | passport | hkmo_permit | tw_permit | no_document ;"""
        if f["document_seen"]:
            self.error("multiple_ids", index, tok.start, tok.end)
            return
        f["document_seen"] = True
        kind, text = tok.kind, tok.text.upper()
        if kind == "NUMBER":
            if len(text) != 15 or not text.isdigit():
                self.error("id_length", index, tok.start, tok.end)
                return
            number = convert_legacy_ric(text)
            self.warn("legacy_id", index, tok.start, tok.end)
            kind = "RIC"
        elif kind == "RIC":
            number = text
        elif kind == "NOID":
            f["document"] = Document("none", None)
            return
        else:
            f["document"] = Document(_DOC_TYPES[kind], tok.value.upper())
            return
        f["document"] = Document("ric", number)
        code = check_ric(number, self.today)
        if code:
            self.error(code, index, tok.start, tok.end)
        elif not ric_region_known(number):
            self.warn("region_unknown", index, tok.start, tok.end)

    def date(self, index: int, tok: T.Token, *, born: dt.date | None = None, move_out: bool = False) -> dt.date | None:
        """date = ymd | ymd_cjk | md_cjk | md | yyyymmdd | "今天" | "TODAY" | "昨天" | "YESTERDAY" ;"""
        value = self.read_date(tok)
        if value is None:
            self.error("bad_date", index, tok.start, tok.end)
            return None
        if move_out:
            check = check_move_out_date(value, self.today, self.deadline_days)
        else:
            check = check_move_in_date(value, self.today, self.deadline_days, campaign_start=self.campaign_start,
                                       born=born)
        if check.error:
            self.error(check.error, index, tok.start, tok.end)
            return None
        if check.backlog:
            self.warn("backlog", index, tok.start, tok.end)
        if check.late:
            self.warn("late", index, tok.start, tok.end)
        return value

    def read_date(self, tok: T.Token) -> dt.date | None:
        """The calendar date a date-shaped token names, or None if there is none."""
        kind, text = tok.kind, tok.text
        if kind == "DATE_WORD":
            back = 0 if text.upper() in ("TODAY", "今天") else 1
            return self.today - dt.timedelta(days=back)
        if kind == "NUMBER":
            return make_date(int(text[:4]), int(text[4:6]), int(text[6:8]))
        m = T.TOKENS[kind].fullmatch(text)
        month, day = int(m.group("m")), int(m.group("d"))
        if "y" in m.groupdict():
            return make_date(int(m.group("y")), month, day)
        return resolve_year(month, day, self.today)

    def receipt_arguments(self, segments: list[_Segment]) -> str | None:
        """receipt_arguments = receipt [ property ] ; receipt = 8 * DIGIT (last is a Damm check digit) ;"""
        receipt: str | None = None
        seen = False
        for seg in segments:
            for tok in seg.tokens:
                if tok.kind == "PROPERTY":
                    continue  # a receipt is unique; the selector adds nothing
                digits = tok.text.replace("-", "")
                if seen or not digits.isdigit() or not digits.isascii():
                    self.error("unrecognized_token", None, tok.start, tok.end)
                    continue
                seen = True
                if is_valid_receipt(digits):
                    receipt = digits
                else:
                    self.error("bad_receipt", None, tok.start, tok.end)
        if not seen:
            end = len(self.text)
            self.error("missing_receipt", None, 0, end)
        return receipt

    def enrol_record(self, index: int, seg: _Segment) -> Record:
        """enrol_record = name document address { property | single_unit } ;
        (name and document in either order; the address is the rest of the record, spaces kept;
        `@alias` and `单套`/`SINGLE` may stand anywhere after the command)"""
        f: dict = {"name": None, "document": None, "document_seen": False}
        alias: str | None = None
        single = False
        address: list[T.Token] = []
        toks = seg.tokens
        i = 0
        while i < len(toks):
            tok = toks[i]
            i += 1
            if tok.kind == "PROPERTY" and alias is None:
                alias = tok.value
            elif tok.text.upper() in T.SINGLE_UNIT_WORDS:
                single = True
            elif address or (f["name"] is not None and f["document_seen"]):
                address.append(tok)
            elif tok.kind == "LATIN_WORD" and f["name"] is None:
                j = i - 1
                while (i < len(toks) and toks[i].kind == "LATIN_WORD"
                       and toks[i].text.upper() not in T.SINGLE_UNIT_WORDS):
                    i += 1
                self.name(index, f, " ".join(t.text for t in toks[j:i]), tok.start, toks[i - 1].end)
            elif tok.kind == "NAME_CJK" and f["name"] is None:
                self.name_cjk(index, f, tok.text, tok.start, tok.end)
            elif not f["document_seen"] and (tok.kind in DOCUMENT_KINDS - {"NOID"}
                                              or (tok.kind == "NUMBER" and len(tok.text) in (15, 16, 17, 19))):
                self.document(index, f, tok)
            else:
                address.append(tok)  # the address began before the name and document were both read
        if f["name"] is None:
            self.error("missing_name", index, seg.start, seg.end)
        if not f["document_seen"]:
            self.error("missing_id", index, seg.start, seg.end)
        text = None
        if address:
            markers = [t for t in toks if t.start >= address[0].start and t.end <= address[-1].end
                       and t not in address]
            pieces, pos = [], address[0].start
            for marker in markers:
                pieces.append(self.written(pos, marker.start))
                pos = marker.end
            pieces.append(self.written(pos, address[-1].end))
            text = " ".join(" ".join(pieces).split()) or None
        if text is None:
            self.error("missing_address", index, seg.start, seg.end)
        elif len(text) > ADDRESS_MAX:
            self.error("address_too_long", index, address[0].start, address[-1].end)
        return Record(name=f["name"], document=f["document"], property=alias, address=text, single_unit=single)

    def agent_record(self, index: int, seg: _Segment) -> Record:
        """agent_record = phone [ property ] ; (the agent's phone; without a property, all of the landlord's)
        (the phone may be typed in groups: `139 1234 5678`, `139-1234-5678`)"""
        prop: str | None = None
        rest: list[T.Token] = []
        for tok in seg.tokens:
            if tok.kind == "PROPERTY" and prop is None:
                prop = tok.value
            else:
                rest.append(tok)
        typed = "".join(tok.text for tok in rest).replace("-", "")
        phone = to_e164(typed, self.region) if rest and T.TOKENS["PHONE"].fullmatch(typed) else None
        if phone is None:
            for tok in rest:
                self.error("unrecognized_token", index, tok.start, tok.end)
            self.error("missing_phone", index, seg.start, seg.end)
        return Record(phone=phone, property=prop)

    def list_arguments(self, segments: list[_Segment]) -> str | None:
        """list_arguments = [ property ] ;"""
        prop: str | None = None
        for seg in segments:
            for tok in seg.tokens:
                if tok.kind == "PROPERTY" and prop is None:
                    prop = tok.value
                else:
                    self.error("unrecognized_token", None, tok.start, tok.end)
        return prop


def parse_sms(text: str, *, today: dt.date, deadline_days: int = DEADLINE_DAYS, region: str = "CN",
              campaign_start: dt.date | None = None, images: int = 0) -> ParseResult:
    """Parse one landlord SMS; every problem comes back as a value, never an exception.

    `campaign_start`: move-ins before it are backlog, not late (§9.5). `images`: how many pictures the
    message carried (MMS), handed to its no-document records in order as their portraits (§9.2).
    """
    return _Parser(text, today, deadline_days, region, campaign_start, images).message()
