"""Walk move-out calls (menu 2): ID, property, date, confirm."""
from __future__ import annotations

import datetime as dt

import pytest

from ivr_flows import spoken

from tests.constants import ID_A

from .conftest import TODAY
from .fakes import APARTMENTS
from .helpers import LANGUAGES, SHORT_ID, keyed, opening, text


class TestMoveOutFlow:
    @pytest.mark.parametrize("language", LANGUAGES)
    def test_a_whole_move_out_ends_with_the_request_received(self, new_call, port, language):
        """ID, property and an entered date, confirmed, hand one move-out to the port; no receipt is read."""
        call = new_call(language)
        call.press("2")
        call.press(keyed(ID_A))
        call.press("1")
        call.press(APARTMENTS.code + "#")
        assert APARTMENTS.address in call.said
        call.press("1")
        assert text(language, "move_out_date") in call.said
        call.press("2")
        call.press("20240105")
        assert call.where == "move_out:summary"
        assert opening(language, "move_out_summary") in call.said
        assert {"zh": "2024年1月5日", "en": "January 5, 2024"}[language] in call.said
        call.press("1")
        assert call.hung_up and call.said == text(language, "move_out_requested")
        assert spoken.receipt(port.receipt, language) not in call.said
        (_, declaration), = port.submitted
        assert declaration.kind == "move_out" and declaration.document_number == ID_A
        assert declaration.property_code == APARTMENTS.code and declaration.room is None
        assert declaration.date == dt.date(2024, 1, 5) and declaration.name is None

    def test_today_is_one_key(self, new_call, port):
        """Pressing 1 at the date takes today."""
        call = new_call("zh")
        for digits in ("2", keyed(ID_A), "1", APARTMENTS.code + "#", "1", "1"):
            call.press(digits)
        call.press("1")
        assert port.submitted[0][1].date == TODAY

    def test_three_wrong_ids_say_goodbye(self, new_call, port):
        """A move-out has no no-document path: the third wrong ID ends the call."""
        call = new_call("en")
        call.press("2")
        for _ in range(3):
            call.press(SHORT_ID + "#")
        assert call.hung_up and text("en", "goodbye_id") in call.said
        assert not port.submitted

    def test_summary_2_starts_again(self, new_call, port):
        """Pressing 2 at the move-out summary asks for the ID again."""
        call = new_call("en")
        for digits in ("2", keyed(ID_A), "1", APARTMENTS.code + "#", "1", "1"):
            call.press(digits)
        call.press("2")
        assert call.where == "move_out:id" and not port.submitted
