"""Walk no-document calls (menu 0): two recordings, property, room, confirm."""
from __future__ import annotations

import pytest

from .conftest import TODAY
from .fakes import APARTMENTS, HOUSE
from .helpers import LANGUAGES, opening, text

NAME_URL = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE100"
ADDRESS_URL = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE101"


class TestNoDocumentFlow:
    @pytest.mark.parametrize("language", LANGUAGES)
    def test_a_whole_no_document_declaration_carries_both_recordings(self, new_call, port, language):
        """Name (15 s) and address (30 s) are recorded, then property and room, then the receipt."""
        call = new_call(language)
        call.press("0")
        assert text(language, "name_record") in call.said
        assert 'maxLength="15"' in call.twiml and 'playBeep="true"' in call.twiml
        call.record(NAME_URL)
        assert text(language, "address_record") in call.said and 'maxLength="30"' in call.twiml
        call.record(ADDRESS_URL)
        assert text(language, "property_prompt") in call.said
        call.press(APARTMENTS.code + "#")
        call.press("1")
        call.press("1502#")
        assert call.where == "no_document:summary"
        assert opening(language, "no_document_summary") in call.said
        call.press("1")
        assert call.hung_up and opening(language, "no_document_receipt") in call.said
        (_, declaration), = port.submitted
        assert declaration.kind == "no_document" and declaration.document_type == "none"
        assert declaration.document_number is None and declaration.name is None
        assert declaration.name_recording_url == NAME_URL and declaration.address_recording_url == ADDRESS_URL
        assert declaration.property_code == APARTMENTS.code and declaration.room == "1502"
        assert declaration.date == TODAY and declaration.language == language

    def test_a_single_unit_property_needs_no_room(self, new_call, port):
        """A bare `#` for the room of a single-unit property leads to the summary."""
        call = new_call("zh")
        call.press("0")
        call.record(NAME_URL)
        call.record(ADDRESS_URL)
        call.press(HOUSE.code + "#")
        call.press("1")
        call.press("#")
        assert call.where == "no_document:summary" and text("zh", "summary_no_room") in call.said

    def test_no_recording_repeats_then_hangs_up(self, new_call, port):
        """A name recording that never arrives is asked for twice more, then the call ends."""
        call = new_call("en")
        call.press("0")
        call.silence()
        assert text("en", "no_input") in call.said and "<Record" in call.twiml
        call.silence()
        call.silence()
        assert call.hung_up and not port.submitted

    def test_summary_2_records_again(self, new_call, port):
        """Pressing 2 at the summary starts again from the name recording."""
        call = new_call("en")
        call.press("0")
        call.record(NAME_URL)
        call.record(ADDRESS_URL)
        call.press(HOUSE.code + "#")
        call.press("1")
        call.press("#")
        call.press("2")
        assert call.where == "no_document:name_record" and call.state["data"] == {}
