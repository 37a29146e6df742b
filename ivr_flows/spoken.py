"""How numbers and dates are written so text-to-speech reads them one by one.

Mandarin: plain Chinese digits 零一二三四五六七八九 (each character is read on
its own); English: digits separated by commas. Groups are separated by a pause.
"""
from __future__ import annotations

import datetime as dt

ZH_DIGITS = dict(zip("0123456789", "零一二三四五六七八九"))
ZH_SYMBOLS = {"X": "X", "-": "杠"}
EN_SYMBOLS = {"X": "X", "-": "dash"}
EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")
ID_GROUPS = (6, 8, 4)


def digits(text: str, language: str) -> str:
    """Spell `text` character by character."""
    if language == "zh":
        return "".join(ZH_DIGITS.get(ch, ZH_SYMBOLS.get(ch, ch)) for ch in text)
    return ", ".join(EN_SYMBOLS.get(ch, ch) for ch in text)


def grouped(text: str, sizes: tuple[int, ...], language: str) -> str:
    """Spell `text` in groups of `sizes` with a pause between groups."""
    parts, start = [], 0
    for size in sizes:
        if start < len(text):
            parts.append(text[start:start + size])
        start += size
    if start < len(text):
        parts.append(text[start:])
    pause = "，" if language == "zh" else ". "
    return pause.join(digits(p, language) for p in parts)


def id_number(number: str, language: str) -> str:
    """An 18-character ID read in groups of 6, 8 and 4."""
    return grouped(number, ID_GROUPS, language)


def receipt(number: str, language: str) -> str:
    """A receipt number digit by digit, in two groups of four."""
    return grouped(number, (4, 4), language)


def date(d: dt.date, language: str) -> str:
    if language == "zh":
        return f"{d.year}年{d.month}月{d.day}日"
    return f"{EN_MONTHS[d.month - 1]} {d.day}, {d.year}"
