"""Masking of ID numbers: the single place a document number is shortened for display.

Replies go to a phone that may be shared or stolen, and officers' screens are
photographed; only enough of the number to tell two tenants apart is shown.

`mask_id` shortens one number we know is a number. `mask_ids` finds every
ID-like shape in free text (an SMS as typed, an officer's note, a log line) and
masks each the same way. It works on the NFKC form (full-width digits and
separators, zero-width characters dropped) and maps back to the original text,
so what is left unmasked is exactly what was typed. The rule, decided once:

- A run of 15 or more digits (an optional X/x after it) is masked, whatever it
  is: a 15- or 18-character ID, one with a digit missing or one too many (a
  typo, or a checksum that fails, is still someone's ID), a bank card. Only a
  `+` phone number of at most 15 digits (E.164) and digits inside a long hex
  token (a Twilio SID, a hash) are left alone.
- Digit groups joined by separators on one line (spaces, `-`, `.`, `/`, `_`,
  `,`, `·`, up to three of them) and cut the way people cut an ID (the first
  group is the 6-digit region, or every group is as wide as the first but the
  last, which may be shorter) are masked when together they have its shape:
  16 to 19 characters with a plausible birth date (19xx/20xx,
  month, day) at characters 7-14, or 15 digits cut after the sixth (the
  region) with an old-style YYMMDD at 7-12. The first two digits are a
  province (or 81-83). A date typed as one
  (`2024-01-02`) is not part of an ID unless the 18 characters carry a valid
  check digit, so rooms and a date do not read as a region and a birth date.
  Ordinary numbers next to each other (a mobile and a room, a receipt, a
  property code and a date) do not take that shape.
- Passport and permit numbers are masked where the SMS grammar recognises them
  (parsers.tokens: `护照`/`PP`/`P:` + number, `H`/`M` + 8 or 10 digits,
  `台胞`/`TW` + 8 digits); receipts (8 digits), phones, rooms, property codes
  and dates are ordinary text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum.cn import ric as _ric

from parsers.normalize import normalise
from parsers.tokens import TOKENS

RUN_MIN = 15  # digits: the shortest ID (first generation) is 15
PHONE_MAX = 15  # digits after `+` in an E.164 number
HEX_TOKEN_MIN = 32  # a SID or hash: 32+ hex characters with a letter among them
GROUPED_MIN, GROUPED_MAX = 15, 19

_DIGITS = re.compile(r"\d+")
_HEX = re.compile(r"[0-9A-Fa-f]{%d,}" % HEX_TOKEN_MIN)
_X_AFTER = re.compile(r"[ \-._/·,]{0,3}[Xx](?![A-Za-z])")  # the check character, maybe cut off too
_SEPARATOR = r"[ \t\-_./\\,·\u00ad\u2010-\u2015\u2212]"
_SEPARATORS = re.compile(_SEPARATOR + "{1,3}")
# What every ID made of digits needs, a run or separated groups: 15 digits, at most three separators
# between neighbours. Most text (a log line, a page's dates and rooms) has no such stretch and is spared
# the group analysis, which cost a gunicorn access line 45 µs.
_ENOUGH_DIGITS = re.compile(r"\d(?:%s{0,3}\d){%d}" % (_SEPARATOR, min(RUN_MIN, GROUPED_MIN) - 1))
_DATE = re.compile(r"(?<!\d)(?:19|20)\d\d([-/.])\d{1,2}\1\d{1,2}(?!\d)")
# The first two digits of a region code: provinces, and 81-83 for residence permits.
PROVINCES = frozenset("11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
                      "61 62 63 64 65 71 81 82 83".split())
_BOUNDARY = re.compile(r"[0-9A-Za-z]")
_DOCUMENTS = tuple(TOKENS[kind] for kind in ("PASSPORT", "HKMO", "TW"))


def mask_id(number: str) -> str:
    """Keep the first 4 and last 4 characters; short numbers keep only the last 2.

    Numbers of 10 or fewer characters would be almost fully revealed by a 4+4
    window, so they fall back to showing the last 2 only.
    """
    number = number or ""
    n = len(number)
    if n > 10:
        return number[:4] + "*" * (n - 8) + number[-4:]
    if n > 2:
        return "*" * (n - 2) + number[-2:]
    return "*" * n


@dataclass(frozen=True, slots=True)
class IdSpan:
    """One ID-like shape in a text: its span in the original text and what is shown instead."""

    start: int
    end: int
    masked: str


@dataclass(frozen=True, slots=True)
class _Group:
    start: int  # in the normalised text
    end: int  # after the digits (and the X, when x_end)
    digits: str  # ASCII
    x_end: bool
    opaque: bool  # inside a hex token


def _ascii(digits: str) -> str:
    return digits if digits.isascii() else "".join(str(int(c)) for c in digits)


def _groups(text: str) -> list[_Group]:
    hexes = [(m.start(), m.end()) for m in _HEX.finditer(text) if not m.group().isdigit()]
    groups = []
    for m in _DIGITS.finditer(text):
        x = _X_AFTER.match(text, m.end())
        opaque = any(s <= m.start() and m.end() <= e for s, e in hexes)
        groups.append(_Group(m.start(), x.end() if x else m.end(), _ascii(m.group()), x is not None, opaque))
    return groups


def _run(text: str, g: _Group) -> str | None:
    """The value of a long unbroken run, or None when it is not one (or is a `+` phone)."""
    n = len(g.digits)
    if g.opaque or n < RUN_MIN:
        return None
    if not g.x_end and n <= PHONE_MAX and g.start > 0 and text[g.start - 1] == "+":
        return None
    return g.digits + ("X" if g.x_end else "")


def _valid_date(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= 31 and 1900 <= year <= 2099


def _grouped_score(digits: str, x: bool, region_cut: bool) -> tuple[int, ...] | None:
    """How much separated groups look like one ID (higher is likelier), or None when they do not."""
    total = len(digits) + x
    if total == 15:
        if x or not region_cut or not _valid_date(1900 + int(digits[6:8]), int(digits[8:10]), int(digits[10:12])):
            return None
        return (0, 1, 0)
    if not _valid_date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14])):
        return None
    checked = total == 18 and _checksum_ok(digits + ("X" if x else ""))
    return (int(checked), int(total == 18), total)


def _checksum_ok(number: str) -> bool:
    # calc_check_digit ignores the last character, so pass all 18.
    return _ric.calc_check_digit(number) == number[17].upper()


def _joined(text: str, left: _Group, right: _Group) -> bool:
    return not left.x_end and _SEPARATORS.fullmatch(text, left.end, right.start) is not None


def _dates(text: str, groups: list[_Group]) -> set[int]:
    """The groups of dates as typed (`2024-01-02`, `1990.1.1`).

    A date is a date: groups holding one make an ID only with a valid check digit.
    """
    starts = {g.start: i for i, g in enumerate(groups)}
    inside: set[int] = set()
    for m in _DATE.finditer(text):
        first = starts.get(m.start())
        if first is not None:
            inside.update(range(first, min(first + 3, len(groups))))
    return inside


def _grouped(text: str, groups: list[_Group], taken: set[int]) -> list[tuple[int, int, str]]:
    """Separated groups that form an ID, best-looking first, never overlapping; adds them to `taken`."""
    dates = _dates(text, groups)
    joined = [i + 1 < len(groups) and _joined(text, groups[i], groups[i + 1]) for i in range(len(groups))]
    candidates = []
    for i, first in enumerate(groups):
        if i in taken or first.opaque or not joined[i] or first.digits[0] not in "12345678":
            continue
        if len(first.digits) >= 2 and first.digits[:2] not in PROVINCES:
            continue
        digits, region_cut = first.digits, len(first.digits) == 6
        width, even = len(first.digits), True  # even: every group so far as wide as the first
        for j in range(i + 1, len(groups)):
            g = groups[j]
            if j in taken or g.opaque or not joined[j - 1]:
                break
            cut_like_an_id = width == 6 or even and len(g.digits) <= width
            even = even and len(g.digits) == width
            digits += g.digits
            region_cut = region_cut or len(digits) - len(g.digits) == 6
            if len(digits) > GROUPED_MAX:
                break
            if len(digits) + g.x_end < GROUPED_MIN or not cut_like_an_id:
                continue
            score = _grouped_score(digits, g.x_end, region_cut)
            if score is not None and digits[:2] in PROVINCES and (
                    score[0] or dates.isdisjoint(range(i, j + 1))):
                candidates.append((score, i, j))
    found = []
    for _score, i, j in sorted(candidates, key=lambda c: (c[0], -c[1]), reverse=True):
        if taken.isdisjoint(range(i, j + 1)):
            taken.update(range(i, j + 1))
            value = "".join(g.digits for g in groups[i:j + 1]) + ("X" if groups[j].x_end else "")
            found.append((groups[i].start, groups[j].end, mask_id(value)))
    return found


def _documents(text: str, busy: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    covered = bytearray(len(text) + 1)
    for start, end, _ in busy:
        covered[start:end] = b"\x01" * (end - start)
    found = []
    for pattern in _DOCUMENTS:
        for m in pattern.finditer(text):
            start, end = m.start("value"), m.end("value")
            value = m.group("value")
            if not any(c.isdigit() for c in value):
                continue  # `PP JOHNSON` is a name
            if m.start() > 0 and _BOUNDARY.match(text, m.start() - 1) or _BOUNDARY.match(text, end):
                continue
            if any(covered[start:end]):
                continue
            covered[start:end] = b"\x01" * (end - start)
            found.append((start, end, mask_id(_ascii_value(value))))
    return found


def _ascii_value(value: str) -> str:
    return "".join(str(int(c)) if c.isdigit() else c.upper() for c in value)


def find_ids(text: str) -> list[IdSpan]:
    """Every ID-like shape in `text` (see the module docstring for the rule), in text order."""
    if not text or not any(c.isdigit() for c in text):
        return []
    norm = normalise(text)
    s = norm.text
    groups = _groups(s) if _ENOUGH_DIGITS.search(s) else []
    # A run as long as an ID (15 or 18) is one, whatever follows it; a `+` phone or a hex token is
    # never part of one. Other runs may be part of separated groups, which go first, so that
    # `3 50102199001011238` is masked as one number rather than as a run after a stray 3.
    found, taken = [], set()
    for i, g in enumerate(groups):
        value = _run(s, g) if len(g.digits) >= RUN_MIN else None
        if value is not None and len(value) in (15, 18) or len(g.digits) >= RUN_MIN and value is None:
            taken.add(i)
            if value is not None:
                found.append((g.start, g.end, mask_id(value)))
    found += _grouped(s, groups, taken)
    for i, g in enumerate(groups):
        value = _run(s, g) if i not in taken else None
        if value is not None:
            found.append((g.start, g.end, mask_id(value)))
    found += _documents(s, found)
    spans = []
    for start, end, masked in sorted(found):
        o_start, o_end = norm.span(start, end)
        spans.append(IdSpan(o_start, o_end, masked))
    return spans


def mask_ids(text: str) -> str:
    """`text` with every ID-like shape replaced by its masked form; anything else is kept as typed."""
    spans = find_ids(text)
    if not spans:
        return text
    out, pos = [], 0
    for span in spans:
        out.append(text[pos:span.start])
        out.append(span.masked)
        pos = span.end
    out.append(text[pos:])
    return "".join(out)


def contains_id(text: str) -> bool:
    """Whether showing `text` as it is would show an ID number."""
    return bool(find_ids(text))


def restore_ids(edited: str, original: str) -> str:
    """Put back the numbers of `original` where `edited` still shows them masked.

    An officer corrects a message without seeing its ID numbers: the form holds
    the masked text, and what comes back is the correction with the landlord's
    own numbers in place. A masked form that is not in `original` stays masked.
    """
    by_mask: dict[str, list[str]] = {}
    for span in find_ids(original):
        by_mask.setdefault(span.masked, []).append(original[span.start:span.end])
    if not by_mask:
        return edited
    used: dict[str, int] = {}

    def back(m: re.Match[str]) -> str:
        raws = by_mask[m.group()]
        k = used.get(m.group(), 0)
        used[m.group()] = k + 1
        return raws[min(k, len(raws) - 1)]

    pattern = re.compile("|".join(re.escape(k) for k in sorted(by_mask, key=len, reverse=True)))
    return pattern.sub(back, edited)
