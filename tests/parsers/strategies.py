"""Hypothesis strategies: well-formed declarations and the many ways to type them."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hypothesis import strategies as st
from stdnum.cn import ric

TODAY = dt.date(2014, 1, 10)
# Han characters that start no field prefix (房, 无证, 今天, 护照 … are excluded).
SAFE_HAN = "张李王赵刘陈杨黄周吴三四五娜明华伟芳欧阳丽军"
LATIN_WORDS = ["JOHN", "SMITH", "MARIA", "LOPEZ", "ANNA", "KIM", "OBRIEN", "JEAN-LUC"]
REGIONS = ["350102", "110101", "440305", "310104"]
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"


@dataclass(frozen=True)
class Field:
    """One field as typed plus whether it may be glued to a neighbour of the other script."""

    text: str
    key: str


@dataclass(frozen=True)
class Declaration:
    """What a landlord means: the values parse_sms must give back."""

    name: str
    doc_type: str
    doc_number: str | None
    room: str | None
    date: dt.date | None  # None: not typed (inherited, else today)
    phone: str | None
    property: str | None
    fields: tuple[Field, ...]


def ric_numbers() -> st.SearchStrategy[str]:
    """Valid 18-character Resident IDs with known region codes."""
    def build(region: str, born: dt.date, seq: int) -> str:
        body = region + born.strftime("%Y%m%d") + f"{seq:03d}"
        return body + ric.calc_check_digit(body + "0")
    return st.builds(build, st.sampled_from(REGIONS),
                     st.dates(dt.date(1940, 1, 1), dt.date(2010, 12, 31)), st.integers(0, 999))


def random_case(draw, word: str) -> str:
    return "".join(c.lower() if draw(st.booleans()) else c.upper() for c in word)


@st.composite
def names(draw) -> tuple[str, str]:
    """(typed, expected) names: Chinese (maybe with ·) or Latin words."""
    if draw(st.booleans()):
        first = draw(st.text(SAFE_HAN, min_size=1, max_size=3))
        if draw(st.booleans()):
            value = first + "·" + draw(st.text(SAFE_HAN, min_size=1, max_size=3))
        else:
            value = first + draw(st.text(SAFE_HAN, min_size=1, max_size=2))
        return value, value
    words = draw(st.lists(st.sampled_from(LATIN_WORDS), min_size=1, max_size=3))
    return " ".join(words), " ".join(words)


@st.composite
def documents(draw) -> tuple[str, str, str | None]:
    """(typed, type, number) for every document form."""
    kind = draw(st.sampled_from(["ric", "ric", "passport", "hkmo", "tw", "none"]))
    if kind == "ric":
        number = draw(ric_numbers())
        typed = number[:-1] + (number[-1].lower() if draw(st.booleans()) else number[-1])
        return typed, "ric", number
    if kind == "passport":
        number = draw(st.sampled_from("EGP")) + draw(st.text("0123456789", min_size=7, max_size=8))
        prefix = draw(st.sampled_from(["护照", "PP", "pp", "P:", "PP "]))
        return prefix + number, "passport", number
    if kind == "hkmo":
        number = draw(st.sampled_from("HM")) + draw(st.text("0123456789", min_size=8, max_size=8))
        if draw(st.booleans()):
            number += draw(st.text("0123456789", min_size=2, max_size=2))
        prefix = draw(st.sampled_from(["港澳", ""]))
        return prefix + number, "hkmo_permit", number
    if kind == "tw":
        number = draw(st.text("0123456789", min_size=8, max_size=8))
        return draw(st.sampled_from(["台胞", "TW", "tw"])) + number, "tw_permit", number
    return draw(st.sampled_from(["无证", "NOID", "noid"])), "none", None


@st.composite
def rooms(draw) -> tuple[str, str]:
    """(typed, value) rooms with optional prefix/suffix; never a plausible `M-D`."""
    letter = draw(st.sampled_from(["", "A", "B", "c"]))
    value = str(draw(st.integers(1, 9999)))
    if draw(st.booleans()):
        value = f"{draw(st.integers(1, 99))}-{draw(st.integers(1, 99))}-{value}"
    value = letter + value
    prefix = draw(st.sampled_from(["", "", "房", "房号", "RM", "ROOM ", "rm"]))
    suffix = draw(st.sampled_from(["", "", "室", "号"])) if not prefix else ""
    return prefix + value + suffix, value.upper()


@st.composite
def dates(draw) -> tuple[str, dt.date]:
    """(typed, value) in every date form, within the deadline."""
    d = TODAY - dt.timedelta(days=draw(st.integers(0, 6)))
    forms = [
        d.isoformat(), f"{d.year}/{d.month}/{d.day}", f"{d.year}.{d.month}.{d.day}",
        d.strftime("%Y%m%d"), f"{d.year}年{d.month}月{d.day}日", f"{d.month}月{d.day}日",
        f"{d.month}-{d.day}", f"{d.month}/{d.day}", f"{d.month}.{d.day}",
    ]
    if d == TODAY:
        forms += ["今天", "TODAY", "today"]
    if d == TODAY - dt.timedelta(days=1):
        forms += ["昨天", "YESTERDAY", "Yesterday"]
    return draw(st.sampled_from(forms)), d


@st.composite
def declarations(draw) -> Declaration:
    """A well-formed move_in record with its fields in random order."""
    name_typed, name = draw(names())
    doc_typed, doc_type, doc_number = draw(documents())
    fields = [Field(name_typed, "name"), Field(doc_typed, "document")]
    room = date = date_typed = phone = prop = None
    if draw(st.booleans()):
        room_typed, room = draw(rooms())
        fields.append(Field(room_typed, "room"))
    if draw(st.booleans()):
        date_typed, date = draw(dates())
        fields.append(Field(date_typed, "date"))
    if draw(st.booleans()):
        local = "1" + draw(st.sampled_from("3589")) + draw(st.text("0123456789", min_size=9, max_size=9))
        phone = "+86" + local
        fields.append(Field(draw(st.sampled_from([local, phone])), "phone"))
    if draw(st.booleans()):
        prop = draw(st.sampled_from(["12", "7", "阳光", "home"]))
        fields.append(Field("@" + prop, "property"))
    fields = draw(st.permutations(fields))
    return Declaration(name, doc_type, doc_number, room, date, phone, prop, tuple(fields))


def expected_records(decls: list[Declaration]) -> list[dict]:
    """The values each record must parse to, with property/room/date inherited (docs/sms-format.md §3)."""
    out: list[dict] = []
    prop = room = date = None
    for d in decls:
        prop, room, date = d.property or prop, d.room or room, d.date or date
        out.append({"name": d.name, "document": (d.doc_type, d.doc_number), "room": room,
                    "date": date or TODAY, "phone": d.phone, "property": prop})
    return out


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or ch == "·"


def _fullwidth(draw, text: str) -> str:
    out = []
    for ch in text:
        if draw(st.integers(0, 3)) == 0:
            if ch == " ":
                ch = "\u3000"
            elif "!" <= ch <= "~":
                ch = chr(ord(ch) + 0xFEE0)
        out.append(ch)
        if draw(st.integers(0, 9)) == 0:
            out.append(draw(st.sampled_from(ZERO_WIDTH)))
    return "".join(out)


@st.composite
def messages(draw) -> tuple[str, list[Declaration]]:
    """A move_in SMS of 1–3 full records typed with random separators, width and casing."""
    decls = draw(st.lists(declarations(), min_size=1, max_size=3))
    keyword = draw(st.sampled_from(["登记", "入住", "REG", "IN", "DJ"]))
    keyword = random_case(draw, keyword) if keyword.isascii() else keyword
    parts = [keyword]
    prev_last = keyword[-1]
    for r, decl in enumerate(decls):
        if r:
            parts.append(draw(st.sampled_from([";", "\n", "。", "；", " ; ", "\r\n"])))
            prev_last = ";"
        for i, field in enumerate(decl.fields):
            first = field.text[0]
            after_property = i > 0 and decl.fields[i - 1].key == "property"
            glue_ok = (prev_last == ";"
                       or (r == 0 and i == 0 and not keyword.isascii())
                       or (_is_cjk(prev_last) != _is_cjk(first) and not after_property))
            seps = [" ", "  ", ",", "#", "、", "，", "\u3000", ":"] + ([""] * 3 if glue_ok else [])
            parts.append(draw(st.sampled_from(seps)))
            parts.append(field.text)
            prev_last = field.text[-1]
    return _fullwidth(draw, "".join(parts)), decls


NOISE = st.text(
    st.sampled_from(list("登记退租撤销确认张三李四房室号月日年无证今天尾号护照港澳台胞·、。；，＃＠＊＋")
                    + list("0123456789xX@*+#,;:.!?-/ \n\tREGOUTDELYNLISTHELProomPPTW")
                    + list(ZERO_WIDTH) + ["㍿", "ﬁ", "Ａ", "１", "\u3000", "\U00020000", "\x00", "é"]),
    max_size=120,
)
