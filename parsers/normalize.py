"""Normalisation (docs/sms-format.md §1) that remembers where every character came from.

The officer UI highlights the raw SMS, so each normalised character keeps the
span of the original character that produced it. NFKC is applied per original
character: a ligature or `㍿` may expand to several characters that all point
back to the one original character.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

DROPPED = frozenset("\u200b\u200c\u200d\u2060\ufeff")
# After NFKC: the Chinese enumeration comma and full stop, and the many dots
# phones offer for a transliterated foreign name's middle dot.
REPLACED = {"、": ",", "。": ";", "・": "·", "•": "·", "‧": "·", "∙": "·", "⋅": "·"}
_NEEDS_WORK = re.compile("[\u200b\u200c\u200d\u2060\ufeff、。・•‧∙⋅･｡､]")


@dataclass(frozen=True, slots=True)
class Normalised:
    """Normalised text plus, per normalised char, the original span it came from."""

    original: str
    text: str
    starts: tuple[int, ...] | None  # None: identity mapping (the common ASCII case)
    ends: tuple[int, ...] | None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalised [start, end) to the smallest original span covering it."""
        if self.starts is None:
            return start, end
        if start >= len(self.text):
            n = len(self.original)
            return n, n
        if end <= start:
            s = self.starts[start]
            return s, s
        return self.starts[start], self.ends[end - 1]


def normalise(original: str) -> Normalised:
    """Apply NFKC, drop zero-width/BOM characters and map `、`/`。` to `,`/`;`."""
    if (original.isascii() or unicodedata.is_normalized("NFKC", original)) and not _NEEDS_WORK.search(original):
        return Normalised(original, original, None, None)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    nfkc = unicodedata.normalize
    for i, ch in enumerate(original):
        if ch in DROPPED:
            continue
        piece = ch if ch.isascii() else nfkc("NFKC", ch)
        for p in piece:
            p = REPLACED.get(p, p)
            out.append(p)
            starts.append(i)
            ends.append(i + 1)
    return Normalised(original, "".join(out), tuple(starts), tuple(ends))


def free_text(text: str) -> str:
    """A free-text field as kept: NFKC, zero-width characters dropped, runs of spaces made one. Unlike the
    grammar's own reading, `、` stays `、` (an address may hold it)."""
    kept = "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch not in DROPPED)
    return " ".join(kept.split())
