"""Walk no-document calls (menu 0): name and address by speech then recording, property, room, confirm."""
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
        """Name (15 s) and address (30 s) are said, then recorded, then property and room, then the receipt;
        what the recogniser heard is handed over as drafts next to the recordings (v2 §7)."""
        call = new_call(language)
        call.press("0")
        assert text(language, "name_speech") in call.said and 'input="speech"' in call.twiml
        call.speak("王小明", 0.4)
        assert text(language, "name_record") in call.said
        assert 'maxLength="15"' in call.twiml and 'playBeep="true"' in call.twiml
        call.record(NAME_URL)
        assert text(language, "address_speech") in call.said and 'input="speech"' in call.twiml
        call.speak("福建省莆田市荔城区", 0.8)
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
        assert (declaration.name_draft, declaration.address_draft) == ("王小明", "福建省莆田市荔城区")

    def test_saying_nothing_goes_straight_to_the_recording(self, new_call, port):
        """The speech step is a help for the officer, not a hurdle: silence moves on to the recording."""
        call = new_call("zh")
        call.press("0")
        call.silence()
        assert call.where == "no_document:nodoc_name_record"
        call.record(NAME_URL)
        call.silence()
        call.record(ADDRESS_URL)
        call.press(HOUSE.code + "#")
        call.press("1")
        call.press("#")
        call.press("1")
        (_, declaration), = port.submitted
        assert declaration.name_draft is None and declaration.address_draft is None

    def test_a_single_unit_property_needs_no_room(self, new_call, port):
        """A bare `#` for the room of a single-unit property leads to the summary."""
        call = new_call("zh")
        call.press("0")
        call.speak("王小明", 0.9)
        call.record(NAME_URL)
        call.speak("福建", 0.9)
        call.record(ADDRESS_URL)
        call.press(HOUSE.code + "#")
        call.press("1")
        call.press("#")
        assert call.where == "no_document:summary" and text("zh", "summary_no_room") in call.said

    def test_no_recording_repeats_then_hangs_up(self, new_call, port):
        """A name recording that never arrives is asked for twice more, then the call ends."""
        call = new_call("en")
        call.press("0")
        call.silence()  # nothing said: on to the recording
        call.silence()
        assert text("en", "no_input") in call.said and "<Record" in call.twiml
        call.silence()
        call.silence()
        assert call.hung_up and not port.submitted

    def test_summary_2_records_again(self, new_call, port):
        """Pressing 2 at the summary starts again from the name recording."""
        call = new_call("en")
        call.press("0")
        call.speak("Wang", 0.9)
        call.record(NAME_URL)
        call.speak("Fujian", 0.9)
        call.record(ADDRESS_URL)
        call.press(HOUSE.code + "#")
        call.press("1")
        call.press("#")
        call.press("2")
        assert call.where == "no_document:nodoc_name" and call.state["data"] == {}
