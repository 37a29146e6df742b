"""How alike two people declared without a document are: the register's duplicate candidates.

Nobody without a document has a number to dedupe on, so the same tenant declared by two landlords, or by
SMS and then by voice, becomes two people. What they share is a name written (or heard) in characters that
may differ but sound the same, a household-registration address the declarants abbreviate differently, and
a place and time of residence. The score only ranks suggestions: an officer decides every merge.

Pure: no database, so the properties (symmetry, an identical record scores highest) are tested directly.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from pypinyin import Style, lazy_pinyin
from rapidfuzz import fuzz

# A hukou address shares at least this many leading characters with another before it counts at all: six
# are a province and a city (福建省莆田市), less is a province, which millions share.
HUKOU_PREFIX = 6
HUKOU_FULL = 12  # a shared prefix this long (a district and more) is as good as the same address
WEIGHTS = {"name": 0.55, "hukou": 0.25, "stay": 0.20}
NAME_FLOOR = 0.75  # below this the names differ: no other likeness makes two people one
SUGGEST = 0.6  # the least score shown to officers as a candidate
HOMOPHONE = 0.95  # the same sounds in other characters: almost, never quite, the same name
_NOISE = re.compile(r"[\s\W_]+")


PROPERTY, SITE = "property", "site"


@dataclass(frozen=True)
class Stay:
    """Where and when someone was declared: a landlord's property or an employer's site (`kind`, then its id: the
    two tables number their rows apart, so property 3 and site 3 are different places) and the days, `until`
    None if still there."""

    place: int
    since: dt.date
    until: dt.date | None = None
    kind: str = PROPERTY

    @property
    def where(self) -> tuple[str, int]:
        """The place as one key: a site never counts as the property with the same id."""
        return self.kind, self.place


@dataclass(frozen=True)
class Declared:
    """What is known of a person without a document, from all their declarations."""

    name: str | None
    hukou: str | None = None
    stays: tuple[Stay, ...] = field(default=())


@dataclass(frozen=True)
class Likeness:
    """A score in [0, 1] and its parts, so the page can say why a pair was suggested."""

    score: float
    name: float
    hukou: float
    stay: float

    @property
    def suggested(self) -> bool:
        return self.name >= NAME_FLOOR and self.score >= SUGGEST


def _clean(text: str | None) -> str:
    """Full-width forms folded (NFKC), case folded, spaces and punctuation dropped: how a typist varies."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", text or "")).casefold()


def _pinyin(name: str) -> str:
    return "".join(lazy_pinyin(name, style=Style.NORMAL, errors="default"))


def name_likeness(a: str | None, b: str | None) -> float:
    """Characters compared, and their sounds: 张三 and 章三 are one name heard by a voice line or a landlord."""
    left, right = _clean(a), _clean(b)
    if not left or not right:
        return 0.0
    if left == right:
        return 1.0
    characters = fuzz.ratio(left, right) / 100
    sounds = fuzz.ratio(_pinyin(left), _pinyin(right)) / 100
    return max(characters, HOMOPHONE * sounds)


def hukou_likeness(a: str | None, b: str | None) -> float:
    """1 for the same address, 0.5 to 0.9 for a shared prefix of a city or more, else 0 (unknown counts as 0)."""
    left, right = _clean(a), _clean(b)
    if not left or not right:
        return 0.0
    if left == right:
        return 1.0
    shared = 0
    for x, y in zip(left, right):
        if x != y:
            break
        shared += 1
    if shared < HUKOU_PREFIX:
        return 0.0
    return 0.5 + 0.4 * (min(shared, HUKOU_FULL) - HUKOU_PREFIX) / (HUKOU_FULL - HUKOU_PREFIX)


def _overlap(a: Stay, b: Stay) -> bool:
    return a.since <= (b.until or dt.date.max) and b.since <= (a.until or dt.date.max)


def stay_likeness(a: tuple[Stay, ...], b: tuple[Stay, ...]) -> float:
    """1: the same place at the same time (declared twice there); 0.7: the same place at another time;
    0.5: two places at once (two landlords declared them, or a landlord and an employer); 0: nothing in common."""
    best = 0.0
    for x in a:
        for y in b:
            together = _overlap(x, y)
            if x.where == y.where:
                best = max(best, 1.0 if together else 0.7)
            elif together:
                best = max(best, 0.5)
    return best


def likeness(a: Declared, b: Declared) -> Likeness:
    """How likely `a` and `b` are one person. Symmetric; nothing is more like a record than itself."""
    name = name_likeness(a.name, b.name)
    hukou = hukou_likeness(a.hukou, b.hukou)
    stay = stay_likeness(a.stays, b.stays)
    score = WEIGHTS["name"] * name + WEIGHTS["hukou"] * hukou + WEIGHTS["stay"] * stay
    return Likeness(round(score, 6), round(name, 6), round(hukou, 6), round(stay, 6))
