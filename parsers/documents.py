"""Identity-document shape checks, shared by the SMS grammar and the voice line.

Hard checks are the ones a typo breaks (length, check digit, birth date). The
region code is only a warning: stdnum's historical table lacks residence-permit
codes (81/82/83xxxx) and re-coded counties, and those people are real tenants.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

from stdnum.cn import ric as _ric
from stdnum.exceptions import ValidationError

MAX_AGE_YEARS = 120


def _is_ric_shape(number: str) -> bool:
    return (len(number) == 18 and number[:17].isascii() and number[:17].isdigit()
            and (number[17] in "0123456789X"))


def check_ric(number: str, today: dt.date) -> str | None:
    """Return `id_length`, `id_birthdate`, `id_checksum` or None for an 18-char ID.

    Expects the number already upper-cased. The birth date is checked before the
    check digit because "impossible birth date" tells the landlord where to look.
    """
    if not _is_ric_shape(number):
        return "id_length"
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "id_birthdate"
    if born > today:
        return "id_birthdate"
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if age > MAX_AGE_YEARS:
        return "id_birthdate"
    # calc_check_digit ignores the last character, so pass all 18.
    if _ric.calc_check_digit(number) != number[17]:
        return "id_checksum"
    return None


@lru_cache(maxsize=4096)
def _region_known(prefix: str, year: int) -> bool:
    probe = prefix + f"{year:04d}0101" + "0000"
    try:
        _ric.get_birth_place(probe)
    except (ValidationError, KeyError, ValueError):
        return False
    return True


def ric_region_known(number: str) -> bool:
    """Whether stdnum's table knows the region code at the holder's birth year (a warning only)."""
    if not _is_ric_shape(number):
        return False
    return _region_known(number[:6], int(number[6:10]))


def convert_legacy_ric(number: str) -> str:
    """Turn a 15-digit first-generation ID into its 18-digit form.

    First-generation IDs carry a 2-digit year (all 19xx) and no check digit.
    """
    if len(number) != 15 or not number.isascii() or not number.isdigit():
        raise ValueError("a legacy ID is exactly 15 digits")
    body = number[:6] + "19" + number[6:]
    return body + _ric.calc_check_digit(body + "0")
