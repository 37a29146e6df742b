"""Token shapes (docs/sms-format.md §1–§3) in one table, and the tokenizer that applies them.

Shapes are tried in table order at each position; a match counts only if it
ends on a field boundary: a separator, the end of the record, or a change
between CJK and non-CJK script. That is what lets `登记张三350102199001011238`
split into keyword, name and ID while `E12345678X` stays one (bad) field.
Everything runs on the NFKC-normalised text; the grammar maps spans back.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from parsers.commands import Command

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
CJK = HAN + "·"
LATIN = "A-Za-z\u00c0-\u024f\u1e00-\u1eff\u0370-\u03ff\u0400-\u04ff"

_I = re.IGNORECASE

# `.`/`!`/`?` end a sentence on a phone keyboard: a separator only before
# another separator or the end, so `2014.1.8` and `J.SMITH` keep their dots.
SEPARATOR = re.compile(r"(?:[\s#,:]|[.!?](?=[\s#,:.!?]|$))+")
LEADING = re.compile(r"[\s#,:;\u2028\u2029\u0085]+")
RECORD_SEPARATOR = re.compile(r"[\n\r\u2028\u2029\u0085;]")
IS_HAN = re.compile(f"[{HAN}]")

KEYWORDS: dict[str, Command] = {
    "REG": Command.MOVE_IN, "IN": Command.MOVE_IN, "DJ": Command.MOVE_IN, "登记": Command.MOVE_IN,
    "入住": Command.MOVE_IN,
    "OUT": Command.MOVE_OUT, "TZ": Command.MOVE_OUT, "退租": Command.MOVE_OUT, "搬离": Command.MOVE_OUT,
    "DEL": Command.CANCEL, "撤销": Command.CANCEL, "作废": Command.CANCEL,
    "Y": Command.CONFIRM, "YES": Command.CONFIRM, "是": Command.CONFIRM, "确认": Command.CONFIRM,
    "N": Command.DISPUTE, "NO": Command.DISPUTE, "否": Command.DISPUTE, "有误": Command.DISPUTE,
    "LIST": Command.LIST, "查询": Command.LIST, "名单": Command.LIST,
    "HELP": Command.HELP, "?": Command.HELP, "帮助": Command.HELP, "格式": Command.HELP,
    # v2 (§9.2–§9.4)
    "注册": Command.ENROL, "备案": Command.ENROL, "ENROL": Command.ENROL, "ENROLL": Command.ENROL,
    "授权": Command.AGENT, "代理": Command.AGENT, "AGENT": Command.AGENT,
    "取消授权": Command.AGENT_REVOKE, "解除代理": Command.AGENT_REVOKE, "UNAGENT": Command.AGENT_REVOKE,
    "用工": Command.STAFF, "入职": Command.STAFF, "雇用": Command.STAFF, "STAFF": Command.STAFF,
    "HIRE": Command.STAFF,
    "离职": Command.STAFF_END, "解雇": Command.STAFF_END, "LEAVE": Command.STAFF_END,
    "照片": Command.PHOTO, "PHOTO": Command.PHOTO,
}
CHINESE_KEYWORDS = frozenset(k for k in KEYWORDS if IS_HAN.search(k))
_latin_kw = sorted((k for k in KEYWORDS if k.isascii() and k.isalpha()), key=len, reverse=True)
_cjk_kw = sorted(CHINESE_KEYWORDS, key=len, reverse=True)
# A Latin keyword may be glued to anything but another letter (`DJ张三`,
# `Y12345671`); a Chinese keyword may be glued to anything (`登记张三`).
KEYWORD = re.compile(
    "(?:" + "|".join(_cjk_kw) + r"|\?|(?:" + "|".join(_latin_kw) + f")(?![{LATIN}]))", _I)
# The household-registration address (§9.1): its keyword opens a field that runs to the end of the record,
# spaces kept. A Chinese keyword may be glued to what precedes it (`王小明户籍福建…`), a Latin one may not.
HUKOU = re.compile(rf"(?:户籍|籍贯|(?<![{LATIN}])HUKOU(?![{LATIN}]))[ ]*:?[ ]*", _I)
# Words that mark a record rather than fill a field: a lodger among staff (§9.4), a single-unit property (§9.3).
LODGER_WORDS = frozenset({"宿舍", "LODGE"})
SINGLE_UNIT_WORDS = frozenset({"单套", "SINGLE"})
FIRST_FIELD = re.compile(rf"[{CJK}]+|[^\s#,:;\n\r{CJK}]+")

TOKENS: dict[str, re.Pattern[str]] = {
    "PROPERTY": re.compile(r"@(?P<value>[^\s#,:@]+)"),
    "ID_SUFFIX": re.compile(r"(?:\*|尾号)[ ]*(?P<value>\d{3,5}[\dX])", _I),
    "PASSPORT": re.compile(r"(?:护照(?:号)?|PP|P:)[ ]*(?P<value>[A-Z0-9]{5,20})", _I),
    "HKMO": re.compile(r"(?:港澳(?:通行证)?[ ]*)?(?P<value>[HM]\d{8}(?:\d{2})?)", _I),
    "TW": re.compile(r"(?:台胞(?:证)?|TW)[ ]*(?P<value>\d{8})", _I),
    "NOID": re.compile(r"无证|NOID", _I),
    "DATE_WORD": re.compile(r"今天|昨天|TODAY|YESTERDAY", _I),
    "DATE_YMD_CJK": re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})[日号]?"),
    "DATE_MD_CJK": re.compile(r"(?P<m>\d{1,2})月(?P<d>\d{1,2})[日号]?"),
    "DATE_YMD": re.compile(r"(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"),
    "DATE_MD": re.compile(r"(?P<m>\d{1,2})[/.](?P<d>\d{1,2})"),
    # `3-2` is a date only when it is a plausible month-day and has no room
    # suffix (`3-2室` is a room); write rooms like `12-5` as `12-5室` or `房12-5`.
    # A `房` followed by a room value opens the next field (`1-9房301` and `1-9房A237` are a date,
    # then a room), like a name's end below (`张三房A301`).
    "DATE_MD_DASH": re.compile(r"(?P<m>0?[1-9]|1[0-2])-(?P<d>0?[1-9]|[12]\d|3[01])(?![\d\-室号]|房(?![号间]?[A-Za-z]?\d))"),
    "RIC": re.compile(r"\d{17}[\dX]", _I),
    "PHONE": re.compile(r"\+\d{6,15}|1[3-9]\d{9}"),
    "ROOM": re.compile(r"(?:(?:房号|房间|房|RM|ROOM)[ ]*)?(?P<value>[A-Z]?\d{1,4}(?:-\d{1,4}){0,2})"
                       r"(?:[室号]|房(?![号间]?[A-Z]?\d))?", _I),
    "NUMBER": re.compile(r"\d+X?", _I),
    # A Chinese name stops before a glued field prefix (`张三房301`, `张三无证`).
    "NAME_CJK": re.compile(rf"(?:(?!无证|今天|昨天|房号?[A-Za-z]?\d|房间[A-Za-z]?\d|护照|港澳|台胞|尾号|户籍|籍贯)[{CJK}])+"),
    "LATIN_WORD": re.compile(rf"[{LATIN}](?:[{LATIN}]|['\-.](?=[{LATIN}]))*\.?"),
    "OTHER": re.compile(rf"[{CJK}]+|[^\s#,:{CJK}]+"),
}
_ORDER = tuple(TOKENS.items())
_IS_CJK_CHAR = re.compile(f"[{CJK}]")


@dataclass(frozen=True, slots=True)
class Token:
    """One field: its shape name, normalised span and the regex match."""

    kind: str
    start: int
    end: int
    text: str
    value: str  # the shape's `value` group, or the whole text

    def group(self, name: str) -> str | None:
        m = TOKENS[self.kind].fullmatch(self.text)
        return m.group(name) if m else None


def _at_boundary(text: str, end: int, stop: int) -> bool:
    if end >= stop:
        return True
    nxt = text[end]
    if _IS_CJK_CHAR.match(nxt) or _IS_CJK_CHAR.match(text[end - 1]):
        return True
    return SEPARATOR.match(text, end, stop) is not None


def tokenize(text: str, start: int, stop: int) -> list[Token]:
    """Split text[start:stop] (one record) into fields by shape."""
    tokens: list[Token] = []
    pos = start
    while pos < stop:
        sep = SEPARATOR.match(text, pos, stop)
        if sep:
            pos = sep.end()
            continue
        for kind, pattern in _ORDER:
            m = pattern.match(text, pos, stop)
            if m is None or not _at_boundary(text, m.end(), stop):
                continue
            if kind == "PASSPORT" and not any(c.isdigit() for c in m.group("value")):
                continue  # `PP JOHNSON` is a name, not a passport
            value = m.groupdict().get("value") or m.group()
            tokens.append(Token(kind, pos, m.end(), m.group(), value))
            pos = m.end()
            break
        else:  # OTHER always matches one char at least; kept for safety
            tokens.append(Token("OTHER", pos, pos + 1, text[pos], text[pos]))
            pos += 1
    return tokens
