"""How numbers and dates are written for text-to-speech."""
from __future__ import annotations

import datetime as dt

from hypothesis import given

from ivr_flows import spoken

from .strategies import id_numbers


class TestIdNumber:
    def test_mandarin_groups_are_6_8_4_in_chinese_digits(self):
        """An ID is read in Chinese digits in groups of 6, 8 and 4, X as X."""
        assert spoken.id_number("11010519491231002X", "zh") == "一一零一零五，一九四九一二三一，零零二X"

    def test_english_digits_are_comma_separated(self):
        """English spells every character, groups separated by a full stop."""
        assert spoken.id_number("350102199001011238", "en") == (
            "3, 5, 0, 1, 0, 2. 1, 9, 9, 0, 0, 1, 0, 1. 1, 2, 3, 8")

    @given(id_numbers())
    def test_every_character_is_said_once_in_order(self, number):
        """Reading back loses and reorders nothing."""
        said = spoken.id_number(number, "en").replace(". ", ", ").split(", ")
        assert "".join(said) == number


class TestReceipt:
    def test_a_receipt_is_said_digit_by_digit(self):
        """Receipts are spelled in two groups of four."""
        assert spoken.receipt("20240117", "zh") == "二零二四，零一一七"
        assert spoken.receipt("20240117", "en") == "2, 0, 2, 4. 0, 1, 1, 7"


class TestDigits:
    def test_a_dash_is_said(self):
        """Room parts typed with `*` are read with a dash between them."""
        assert spoken.digits("3-301", "zh") == "三杠三零一"
        assert spoken.digits("3-301", "en") == "3, dash, 3, 0, 1"


class TestDate:
    def test_dates_read_naturally(self):
        """Dates are said as 2024年1月8日 and January 8, 2024."""
        assert spoken.date(dt.date(2024, 1, 8), "zh") == "2024年1月8日"
        assert spoken.date(dt.date(2024, 1, 8), "en") == "January 8, 2024"
