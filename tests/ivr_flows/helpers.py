"""Small shared values for the call walks."""
from __future__ import annotations

from ivr_flows.catalogue import CATALOGUES

# Beside tests.constants' ID_A, ID_X and ID_BAD_CHECK, the ways a typed ID can be wrong:
SHORT_ID = "35010219900101123"  # ID_A without its check digit
BAD_BIRTH_ID = "350102199013011238"  # ID_A born in month 13
LANGUAGES = ("zh", "en")


def text(language: str, key: str, **values: str) -> str:
    """A catalogue line, filled in where it has placeholders."""
    return CATALOGUES[language][key].format(**values)


def keyed(number: str) -> str:
    """An ID as typed on a keypad: X is `*`, `#` ends."""
    return number.replace("X", "*") + "#"


def opening(language: str, key: str) -> str:
    """A catalogue line up to its first placeholder."""
    return CATALOGUES[language][key].split("{")[0]
