"""Twilio's opt-out / opt-in words, recognised before any grammar runs.

Twilio acts on these words itself when they are the whole message; we must
record the same state so we never send to a number Twilio has blocked.
`Y`/`YES` are confirm aliases in our grammar and deliberately not opt-in words.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Literal

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
START_WORDS = frozenset({"START", "UNSTOP"})

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_TRIM = re.compile(r"^[\W_]+|[\W_]+$")


def classify_optout(text: str) -> Literal["stop", "start"] | None:
    """Say whether the whole message is an opt-out or opt-in word."""
    if not isinstance(text, str) or len(text) > 64:
        return None
    word = unicodedata.normalize("NFKC", text.translate(_ZERO_WIDTH))
    word = _TRIM.sub("", word).upper()
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    return None
