"""Masking of ID numbers: the single place a document number is shortened for display.

Replies go to a phone that may be shared or stolen, and officers' screens are
photographed; only enough of the number to tell two tenants apart is shown.
"""
from __future__ import annotations


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
