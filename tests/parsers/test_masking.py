"""Masking every ID-like shape in free text, and leaving ordinary text alone."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from parsers.masking import contains_id, find_ids, mask_id, mask_ids, restore_ids
from tests.budget import examples

from .strategies import ric_numbers

SEPARATORS = [" ", "-", ".", "/", "_", "  ", " - ", "\u3000", "－", "．", "\u00ad", "·", ","]
INVISIBLE = ["\u200b", "\u200d", "\ufeff"]
FULL_WIDTH = {c: chr(ord(c) + 0xFEE0) for c in "0123456789Xx-./_"}
PREFIXES = ["", "登记 张三 ", "DJ JOHN ", "身份证：", "ID:", "退租 ", "备注\n", "王五", "@100001 "]
SUFFIXES = ["", " 301", " 301 @100001", "\n13912345678", "房301", " 2024-03-04", "号", ";李四"]


def compact(text: str) -> str:
    """What a reader sees once separators between characters are ignored."""
    text = "".join(c for c in unicodedata.normalize("NFKC", text) if c not in "".join(INVISIBLE))
    return re.sub(r"[\s\-._/·,\u00ad]+", "", text).upper()


def legacy_numbers() -> st.SearchStrategy[str]:
    """First-generation 15-digit IDs: region, YYMMDD, sequence."""
    return st.builds(lambda r, born, seq: f"{r}{born:%y%m%d}{seq:03d}", st.sampled_from(["350102", "110101", "440305"]),
                     st.dates(), st.integers(0, 999))


@st.composite
def grouped(draw, number: str, legacy: bool) -> str:
    """`number` cut into groups joined by separators, as a person might copy it off a card.

    Either the region stands apart (then any further cuts), or every group is as wide.
    """
    if legacy or draw(st.booleans()):
        cuts = {6} | set(draw(st.lists(st.integers(7, len(number) - 1), max_size=len(number) - 7)))
    else:
        width = draw(st.integers(1, 9))
        cuts = set(range(width, len(number), width))
    edges = [0, *sorted(cuts), len(number)]
    parts = [number[a:b] for a, b in zip(edges, edges[1:])]
    out = parts[0]
    for part in parts[1:]:
        out += draw(st.sampled_from(SEPARATORS)) + part
    return out


@st.composite
def typed(draw, text: str) -> str:
    """Some characters full-width, an X maybe lower-case, zero-width characters slipped in."""
    out = []
    for c in text:
        if c == "X" and draw(st.booleans()):
            c = "x"
        if c in FULL_WIDTH and draw(st.booleans()):
            c = FULL_WIDTH[c]
        out.append(c)
        if c.isdigit() and draw(st.integers(0, 9)) == 0:
            out.append(draw(st.sampled_from(INVISIBLE)))
    return "".join(out)


@st.composite
def ids_in_text(draw) -> tuple[str, str]:
    """(the number, a text holding it in some shape)."""
    kind = draw(st.sampled_from(["ric", "legacy", "typo"]))
    if kind == "ric":
        number = draw(ric_numbers())
        shape = draw(st.one_of(st.just(number), grouped(number, legacy=False)))
    elif kind == "legacy":
        number = draw(legacy_numbers())
        shape = draw(st.one_of(st.just(number), grouped(number, legacy=True)))
    else:  # a digit missing, one too many, a wrong check digit: typed as one run
        valid = draw(ric_numbers())
        number = draw(st.sampled_from([valid[:-1], valid[:-1] + "7" + valid[-1], valid[:-1] + str((int(valid[-2]) + 1) % 10),
                                       valid[:9] + valid[10:]]))
        shape = number
    text = draw(st.sampled_from(PREFIXES)) + draw(typed(shape)) + draw(st.sampled_from(SUFFIXES))
    return number, text


def leaks(masked: str, number: str) -> bool:
    """Whether the digits a mask hides (all but the first and last four) can still be read."""
    return number[4:-4].upper() in compact(masked)


class TestMaskIds:
    @given(ids_in_text())
    @settings(max_examples=examples(200))
    @example(("320102198808081114", "320102-19880808-1114"))
    @example(("320102198808081114", "3201 0219 8808 0811 14"))
    @example(("32010219880808111X", "３２０１０２１９８８０８０８１１１ｘ"))
    @example(("350102199001011238", "登记 张三 350102\u200b199001011238 301"))
    def test_no_id_survives_in_any_shape(self, case):
        """An ID typed with spaces, dashes, dots, full-width characters or a lower-case x is masked."""
        number, text = case
        masked = mask_ids(text)
        assert not leaks(masked, number), (text, masked)
        assert contains_id(text)

    @given(ids_in_text())
    @settings(max_examples=examples(100))
    def test_masked_form_is_the_one_mask_id_gives(self, case):
        """The masked text shows the number the way every other screen does: first 4, last 4."""
        number, text = case
        assert mask_id(number.upper()) in mask_ids(text)

    @given(ids_in_text())
    @settings(max_examples=examples(100))
    def test_masking_twice_changes_nothing(self, case):
        """A masked text has no ID left to mask."""
        _, text = case
        once = mask_ids(text)
        assert mask_ids(once) == once and not contains_id(once)

    @pytest.mark.parametrize(("text", "masked"), [
        ("登记 张三 350102199001011238 3 @100001", "登记 张三 3501**********1238 3 @100001"),
        ("登记 张三 350102 19900101 1238 301", "登记 张三 3501**********1238 301"),
        ("13912345678 350102-19900101-123x", "13912345678 3501**********123X"),
    ])
    def test_the_number_and_only_the_number_is_replaced(self, text, masked):
        """An ID next to a room, a phone or a stray digit is masked whole, and its neighbours are kept."""
        assert mask_ids(text) == masked

    @pytest.mark.parametrize(("text", "masked"), [
        ("护照 E12345678 301", "护照 *******78 301"),
        ("PP12345678", "PP******78"),
        ("港澳通行证 H1234567890", "港澳通行证 H123***7890"),
        ("M12345678", "*******78"),
        ("台胞证 12345678", "台胞证 ******78"),
        ("TW12345678", "TW******78"),
    ])
    def test_passport_and_permit_numbers_the_grammar_knows(self, text, masked):
        """Passport and permit numbers, with the prefixes the SMS grammar recognises, are masked."""
        assert mask_ids(text) == masked

    @pytest.mark.parametrize("text", [
        "撤销 12345678", "登记 张三 13912345678 301 @100001", "+8613800138000", "+442071838750",
        "100001 301 2024-01-02", "12345678 1201 301", "0591 87654321 301", "13912345678 1201",
        "2024年3月1日 3/4 12-5室", "PP JOHNSON", "APP 12345", "SH12345678",
        "RE0123456789012345678abcdef0123456789",  # a Twilio SID
        "第 1 / 2 页，共 26 条", "2024-01-02 10:11:12",
    ])
    def test_ordinary_text_is_left_alone(self, text):
        """Receipts, phones, rooms, property codes, dates, names and SIDs are not ID numbers."""
        assert mask_ids(text) == text and find_ids(text) == []


# Ordinary SMS fields: what landlords type next to each other.
mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
receipts = st.from_regex(r"[0-9]{8}", fullmatch=True)
rooms = st.one_of(st.integers(1, 9999).map(str), st.from_regex(r"[0-9]{1,2}-[0-9]{1,3}室", fullmatch=True))
codes = st.from_regex(r"@?[1-9][0-9]{3,11}", fullmatch=True)
dates = st.dates(dt.date(1990, 1, 1), dt.date(2099, 12, 31)).flatmap(lambda d: st.sampled_from([d.isoformat(), f"{d.month}/{d.day}", f"{d:%Y年%m月%d日}",
                                                      f"{d:%Y%m%d}", f"{d.year}.{d.month}.{d.day}"]))
words = st.sampled_from(["登记", "退租", "撤销", "张三", "JOHN SMITH", "HELP", "房", "号", "无证"])
field = st.one_of(mobiles, mobiles.map(lambda m: "+86" + m), receipts, rooms, dates, words)
sms_line = st.lists(field, min_size=1, max_size=8).flatmap(
    lambda fields: st.lists(st.sampled_from([" ", ", ", "，", "  "]), min_size=len(fields), max_size=len(fields))
    .map(lambda seps: "".join(f + s for f, s in zip(fields, seps)).strip()))



def _two_receipts(text: str) -> bool:
    return [len(group) for group in re.findall(r"\d+", text)] == [8, 8]


class TestOrdinaryText:
    @given(st.lists(sms_line, min_size=1, max_size=3).map("\n".join), codes)
    @example("11000019 00010100", "1000")  # the pair above: left out by the assumption, not a failure
    @settings(max_examples=examples(200))
    def test_declarations_without_ids_are_unchanged(self, text, code):
        """An SMS of mobiles, receipts, rooms, dates and a property code comes out exactly as typed (but for two
        receipts side by side that take an ID's shape, below)."""
        text = f"{text} {code}" if code.startswith("@") else f"{code}\n{text}"
        assume(not any(_two_receipts(text[span.start:span.end]) for span in find_ids(text)))
        assert mask_ids(text) == text

    def test_two_receipts_in_an_ids_shape_are_masked(self):
        """Two 8-digit receipts cut like an ID with a digit missing (a province, a birth date at 7-14): about one
        pair in 4,000. Masked on purpose: the rule cannot tell them from an ID typed one digit short, and
        masking a receipt costs a reader a look-up where showing an ID costs its holder their privacy."""
        assert _two_receipts("11000019 00010100") and mask_ids("11000019 00010100") != "11000019 00010100"

    @given(st.text())
    def test_any_text_is_masked_without_failing(self, text):
        """Arbitrary text gives sorted, separate spans, each shown with stars, and nothing else changes length."""
        spans = find_ids(text)
        assert all(a.end <= b.start for a, b in zip(spans, spans[1:]))
        assert all("*" in s.masked and s.start < s.end for s in spans)
        assert len(mask_ids(text)) == len(text) - sum(s.end - s.start - len(s.masked) for s in spans)


class TestRestoreIds:
    def test_masked_numbers_come_back_from_the_original(self):
        """An officer's correction of the masked text keeps the landlord's numbers."""
        original = "登记 张三 320102-19880808-1114 301\n李四 350102199001011238 302"
        edited = mask_ids(original).replace("301", "305")
        assert restore_ids(edited, original) == "登记 张三 320102-19880808-1114 305\n李四 350102199001011238 302"

    def test_a_mask_not_in_the_original_stays_masked(self):
        """A masked form the original does not hold is not guessed at."""
        assert restore_ids("登记 张三 3501**********1238", "登记 张三 110101199003074477") == \
            "登记 张三 3501**********1238"
