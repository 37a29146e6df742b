"""Receipt numbers: 7-digit serial plus a Damm check digit.

Damm catches every single-digit error and every adjacent transposition, which
are exactly the mistakes made when a receipt is read aloud or typed on a keypad.
"""
from __future__ import annotations

from stdnum import damm

SERIAL_LIMIT = 10_000_000


def receipt_from_serial(n: int) -> str:
    """Turn a store-chosen serial (0 <= n < 10**7) into the 8-digit receipt."""
    if not 0 <= n < SERIAL_LIMIT:
        raise ValueError(f"receipt serial out of range: {n}")
    serial = f"{n:07d}"
    return serial + damm.calc_check_digit(serial)


def is_valid_receipt(s: str) -> bool:
    """Whether `s` is 8 ASCII digits whose Damm check passes."""
    if not isinstance(s, str) or len(s) != 8 or not s.isascii() or not s.isdigit():
        return False
    return damm.is_valid(s)
