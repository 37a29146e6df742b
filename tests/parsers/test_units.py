"""The small reusable pieces: documents, dates, receipts, masking, opt-out words, CLI, purity."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parsers import mask_id
from parsers.dates import check_move_in_date, check_move_out_date, resolve_year
from parsers.documents import check_ric, convert_legacy_ric, ric_region_known
from parsers.optout import classify_optout
from parsers.receipts import is_valid_receipt, receipt_from_serial
from tests.constants import REPO

from .strategies import TODAY, ric_numbers



class TestCheckRic:
    @pytest.mark.parametrize(("number", "code"), [
        ("350102199001011238", None),
        ("35010219900101018X", None),
        ("350102199001011239", "id_checksum"),
        ("350102199002301238", "id_birthdate"),
        ("350102201501011238", "id_birthdate"),
        ("350102188001011238", "id_birthdate"),
        ("35010219900101123", "id_length"),
        ("35010219900101123Y", "id_length"),
    ])
    def test_codes(self, number, code):
        """Each hard check yields its own code."""
        assert check_ric(number, TODAY) == code

    def test_unknown_region_is_not_a_hard_error(self):
        """A residence-permit region code passes check_ric and is only flagged as unknown."""
        assert check_ric("810000199001011230", TODAY) is None
        assert ric_region_known("810000199001011230") is False
        assert ric_region_known("350102199001011238") is True

    @given(ric_numbers())
    def test_generated_numbers_pass(self, number):
        """Every number built with a correct check digit passes."""
        assert check_ric(number, TODAY) is None


class TestConvertLegacyRic:
    def test_converts_to_the_18_digit_form(self):
        """A 15-digit ID gains the century and a check digit."""
        assert convert_legacy_ric("350102900101123") == "350102199001011238"

    def test_rejects_other_lengths(self):
        """Only 15 digits are a legacy ID."""
        with pytest.raises(ValueError):
            convert_legacy_ric("35010290010112")


class TestCheckMoveInDate:
    @pytest.mark.parametrize(("days_ago", "expected"), [
        (-2, ("date_in_future", False, False)), (-1, (None, False, False)), (0, (None, False, False)),
        (7, (None, False, False)), (8, (None, True, False)), (366, (None, True, False)),
        (367, (None, False, True)), (365 * 40, (None, False, True)),
    ])
    def test_thresholds(self, days_ago, expected):
        """Tomorrow is allowed, after that is future; past the deadline is late; past 366 days is backlog."""
        assert check_move_in_date(TODAY - dt.timedelta(days=days_ago), TODAY, 7) == expected

    def test_before_the_campaign_is_backlog_not_late(self):
        """A move-in before the campaign began could not have been declared on time: backlog, never late."""
        start = TODAY - dt.timedelta(days=30)
        assert check_move_in_date(start - dt.timedelta(days=1), TODAY, 7, campaign_start=start) == (None, False, True)
        assert check_move_in_date(start, TODAY, 7, campaign_start=start) == (None, True, False)
        assert check_move_in_date(TODAY, TODAY, 7, campaign_start=start) == (None, False, False)

    def test_before_birth_and_before_1949_are_errors(self):
        """A date before the person was born, or before 1 October 1949, is a typo."""
        born = dt.date(1990, 1, 1)
        assert check_move_in_date(dt.date(1989, 12, 31), TODAY, 7, born=born).error == "date_before_birth"
        assert check_move_in_date(born, TODAY, 7, born=born).error is None
        assert check_move_in_date(dt.date(1949, 9, 30), TODAY, 7).error == "bad_date"
        assert check_move_in_date(dt.date(1949, 10, 1), TODAY, 7).backlog

    @pytest.mark.parametrize(("days_ago", "expected"), [
        (-2, ("date_in_future", False, False)), (8, (None, True, False)), (367, ("date_too_old", False, False)),
    ])
    def test_move_out_thresholds(self, days_ago, expected):
        """A move-out more than a year back stays a typo: backlog applies to move-ins only."""
        assert check_move_out_date(TODAY - dt.timedelta(days=days_ago), TODAY, 7) == expected

    def test_year_less_dates_take_the_latest_year_not_in_the_future(self):
        """A year-less date resolves to this year unless that is after tomorrow."""
        assert resolve_year(1, 11, TODAY) == dt.date(2014, 1, 11)
        assert resolve_year(1, 12, TODAY) == dt.date(2013, 1, 12)
        assert resolve_year(2, 29, TODAY) == dt.date(2012, 2, 29)
        assert resolve_year(2, 30, TODAY) is None


class TestReceiptFromSerial:
    @given(st.integers(0, 9_999_999))
    def test_receipts_are_8_digits_and_valid(self, n):
        """Every serial becomes an 8-digit receipt that validates."""
        r = receipt_from_serial(n)
        assert len(r) == 8 and r[:7] == f"{n:07d}" and is_valid_receipt(r)

    def test_out_of_range_serial_is_refused(self):
        """Serials must fit in 7 digits."""
        with pytest.raises(ValueError):
            receipt_from_serial(10_000_000)


class TestIsValidReceipt:
    @given(st.integers(0, 9_999_999), st.integers(0, 7), st.integers(1, 9))
    def test_single_digit_errors_are_caught(self, n, pos, delta):
        """Changing any one digit makes the receipt invalid."""
        r = receipt_from_serial(n)
        bad = r[:pos] + str((int(r[pos]) + delta) % 10) + r[pos + 1:]
        assert not is_valid_receipt(bad)

    @pytest.mark.parametrize("s", ["1234567", "123456710", "1234567a", "１２３４５６７１", ""])
    def test_wrong_shapes(self, s):
        """Anything but 8 ASCII digits is invalid."""
        assert not is_valid_receipt(s)


class TestMaskId:
    @pytest.mark.parametrize(("number", "masked"), [
        ("350102199001011238", "3501**********1238"),
        ("H1234567801", "H123***7801"),
        ("E12345678", "*******78"),
        ("12", "**"),
        ("", ""),
    ])
    def test_masks(self, number, masked):
        """Long numbers keep 4+4 characters, short ones only the last 2."""
        assert mask_id(number) == masked

    @given(st.text(st.characters(blacklist_characters="*"), min_size=3, max_size=30))
    def test_never_returns_the_full_number(self, number):
        """The masked form is never the number itself (a number never holds the `*` it is masked with:
        `*00` is already masked, and masking it again rightly changes nothing)."""
        assert mask_id(number) != number


class TestClassifyOptout:
    @pytest.mark.parametrize(("text", "kind"), [
        ("STOP", "stop"), (" stop! ", "stop"), ("Unsubscribe", "stop"), ("ＳＴＯＰ", "stop"),
        ("stopall", "stop"), ("CANCEL", "stop"), ("end.", "stop"), ("quit", "stop"), ("REVOKE", "stop"),
        ("optout", "stop"), ("START", "start"), ("unstop", "start"), ("\u200bstart", "start"),
        ("YES", None), ("Y", None), ("STOP 301", None), ("登记", None), ("", None),
    ])
    def test_words(self, text, kind):
        """Only a whole-message opt-out/opt-in word is classified; Y/YES are not opt-in."""
        assert classify_optout(text) == kind


class TestCli:
    def test_prints_the_documented_example(self):
        """`python -m parsers` prints the documented example as the JSON of `ParseResult.to_json`."""
        out = subprocess.run(
            [sys.executable, "-m", "parsers", "--today", "2014-01-10", "登记 张三 350102199001011238 301"],
            cwd=REPO, capture_output=True, text=True, check=True, encoding="utf-8").stdout
        assert "张三" in out  # ensure_ascii=False
        assert json.loads(out) == {
            "command": "move_in", "language": "zh",
            "records": [{"name": "张三", "document": {"type": "ric", "number": "350102199001011238"},
                         "room": "301", "date": "2014-01-10", "phone": None, "property": None}],
            "errors": [], "warnings": []}


class TestPurity:
    def test_parsers_imports_no_web_db_or_twilio_code(self):
        """Importing parsers loads no flask, sqlalchemy, redis or twilio module."""
        code = ("import sys, parsers, parsers.__main__, parsers.codes, parsers.optout, parsers.documents;"
                "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
                "{'flask', 'sqlalchemy', 'redis', 'twilio'})))")
        out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
        assert out.stdout.strip() == ""
