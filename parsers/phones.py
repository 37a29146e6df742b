"""Tenant phone numbers, normalised to E.164 with phonenumbers."""
from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

CN_MOBILE = re.compile(r"(?:\+86)?1[3-9]\d{9}")


@lru_cache(maxsize=8192)
def to_e164(raw: str, region: str = "CN") -> str | None:
    """E.164 form of a typed phone number, or None when it is not a number.

    The one check of a phone number: a tenant's in an SMS, a landlord's at enrolment, an officer's search.
    An 11-digit `1[3-9]…` (bare or after +86) is a Chinese mobile whatever the
    default region, and its shape is trusted even where phonenumbers' metadata lags a new prefix.
    """
    raw = raw.strip()  # a form field or a CSV cell; an SMS token never has spaces around it
    cn_mobile = CN_MOBILE.fullmatch(raw) is not None
    try:
        parsed = phonenumbers.parse(raw, "CN" if cn_mobile else region)
    except phonenumbers.NumberParseException:
        return None
    ok = phonenumbers.is_possible_number(parsed) if cn_mobile else phonenumbers.is_valid_number(parsed)
    if not ok:
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def is_mobile(number: str, region: str = "CN") -> bool:
    """Whether an SMS copy can reach this caller."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(parsed) in (phonenumbers.PhoneNumberType.MOBILE,
                                                 phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
