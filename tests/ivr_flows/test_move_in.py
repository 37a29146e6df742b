"""Walk move-in calls (menu 1) through every branch of the spec, in both languages."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.constants import ID_A, ID_BAD_CHECK, ID_X

from .conftest import CALLER, TODAY
from .fakes import APARTMENTS, HOUSE
from .helpers import BAD_BIRTH_ID, LANGUAGES, SHORT_ID, keyed, opening, text

READ_ID = {"zh": "三五零一零二，一九九零零一零一，一二三八",
           "en": "3, 5, 0, 1, 0, 2. 1, 9, 9, 0, 0, 1, 0, 1. 1, 2, 3, 8"}
READ_RECEIPT = {"zh": "二零二四，零一一七", "en": "2, 0, 2, 4. 0, 1, 1, 7"}


def to_name(call, room: str = "301#"):
    """From the main menu, enter a valid ID, the apartments and a room, and take today."""
    call.press("1")
    call.press(keyed(ID_A))
    call.press("1")
    call.press(APARTMENTS.code + "#")
    call.press("1")
    call.press(room)
    call.press("1")
    assert call.where == "move_in:name"
    return call


class TestMoveInFlow:
    @pytest.mark.parametrize("language", LANGUAGES)
    def test_a_whole_declaration_ends_with_the_receipt_read_twice(self, new_call, port, language):
        """A caller who confirms everything hears the receipt twice and the call hangs up."""
        call = new_call(language)
        call.press("1")
        assert text(language, "id_prompt") in call.said
        call.press(keyed(ID_A))
        assert READ_ID[language] in call.said
        call.press("1")
        assert text(language, "property_prompt") in call.said
        call.press(APARTMENTS.code + "#")
        assert APARTMENTS.address in call.said
        call.press("1")
        assert text(language, "room_prompt") in call.said
        call.press("3*2*301#")
        room = {"zh": "三杠二杠三零一", "en": "3, dash, 2, dash, 3, 0, 1"}[language]
        assert text(language, "room_readback", room=room) in call.said
        call.press("1")
        assert text(language, "name_prompt") in call.said
        call.speak("张三" if language == "zh" else "Zhang San", 0.92)
        assert ("张三" if language == "zh" else "Zhang San") in call.said
        call.press("1")
        assert call.where == "move_in:summary" and READ_ID[language] in call.said
        assert not port.submitted
        call.press("1")
        assert call.said.count(READ_RECEIPT[language]) == 2
        assert call.hung_up and call.state["done"]
        (sid, declaration), = port.submitted
        assert sid == "CA0001"
        assert declaration.kind == "move_in" and declaration.document_type == "ric"
        assert declaration.document_number == ID_A and declaration.property_code == APARTMENTS.code
        assert declaration.room == "3-2-301" and declaration.date == TODAY
        assert declaration.name_recording_url is None and declaration.name_confidence == 0.92
        assert declaration.caller == CALLER and declaration.language == language

    @pytest.mark.parametrize("language", LANGUAGES)
    def test_mandarin_and_english_use_their_say_and_speech_languages(self, new_call, language):
        """Mandarin says in cmn-CN and listens in cmn-Hans-CN; English uses en-US for both."""
        call = to_name(new_call(language))
        say, listen = {"zh": ("cmn-CN", "cmn-Hans-CN"), "en": ("en-US", "en-US")}[language]
        assert f'<Say language="{say}">' in call.twiml
        assert f'input="speech" language="{listen}"' in call.twiml

    def test_an_english_call_says_the_chinese_address_in_mandarin(self, new_call):
        """In English, the address read-back switches to the Mandarin voice for the address only."""
        call = new_call("en")
        call.press("1")
        call.press(keyed(ID_A))
        call.press("1")
        call.press(APARTMENTS.code + "#")
        assert (f'<Say language="en-US">The address is:</Say><Say language="cmn-CN">{APARTMENTS.address}</Say>'
                f'<Say language="en-US">. If this is correct') in call.twiml

    def test_star_stands_for_x(self, new_call, port):
        """`*` typed as the last key is kept as X and read back as X."""
        call = new_call("en")
        call.press("1")
        call.press(keyed(ID_X))
        assert call.where == "move_in:id_readback"
        assert "0, 0, 2, X" in call.said
        assert call.state["data"]["document_number"] == ID_X

    @pytest.mark.parametrize("language", LANGUAGES)
    @pytest.mark.parametrize("number, problem", [
        (SHORT_ID, "id_length"), (ID_BAD_CHECK, "id_checksum"), (BAD_BIRTH_ID, "id_birthdate"),
        (ID_A + "1", "id_length"), ("3501*219900101123", "id_length"),
        ("3501*2199001011238", "id_star_misplaced"),
    ])
    def test_a_wrong_id_is_explained_and_asked_again(self, new_call, language, number, problem):
        """A wrong ID gets the reason it is wrong and the ID prompt again."""
        call = new_call(language)
        call.press("1")
        call.press(number + "#")
        assert call.where == "move_in:id"
        assert text(language, problem) in call.said and text(language, "id_prompt") in call.said

    @pytest.mark.parametrize("language", LANGUAGES)
    def test_three_wrong_ids_offer_the_no_document_path(self, new_call, port, language):
        """After the third wrong ID, `0` leads to the no-document declaration."""
        call = new_call(language)
        call.press("1")
        for number in (SHORT_ID, ID_BAD_CHECK, BAD_BIRTH_ID):
            call.press(number + "#")
        assert call.where == "move_in:id_failed"
        assert text(language, "id_birthdate") in call.said and text(language, "id_failed") in call.said
        call.press("0")
        assert call.where == "no_document:nodoc_name"
        assert call.state["data"] == {} and 'input="speech"' in call.twiml

    def test_three_wrong_ids_then_another_key_says_goodbye(self, new_call):
        """After the third wrong ID, any other key ends the call politely."""
        call = new_call("zh")
        call.press("1")
        for _ in range(3):
            call.press(SHORT_ID + "#")
        call.press("9")
        assert call.hung_up and text("zh", "goodbye") in call.said

    def test_two_wrong_ids_still_allow_a_third(self, new_call):
        """A correct ID on the third try is read back."""
        call = new_call("en")
        call.press("1")
        call.press(SHORT_ID + "#")
        call.press(ID_BAD_CHECK + "#")
        call.press(keyed(ID_A))
        assert call.where == "move_in:id_readback"

    def test_readback_2_asks_for_the_id_again(self, new_call):
        """Pressing 2 at the ID read-back returns to ID entry."""
        call = new_call("en")
        call.press("1")
        call.press(keyed(ID_A))
        call.press("2")
        assert call.where == "move_in:id" and text("en", "id_prompt") in call.said

    def test_an_invalid_key_at_a_readback_is_said_and_the_prompt_repeated(self, new_call):
        """A key other than 1 or 2 at the read-back is not valid and the read-back repeats."""
        call = new_call("zh")
        call.press("1")
        call.press(keyed(ID_A))
        call.press("7")
        assert call.where == "move_in:id_readback"
        assert text("zh", "invalid_key") in call.said and READ_ID["zh"] in call.said

    @pytest.mark.parametrize("language", LANGUAGES)
    def test_three_unknown_property_codes_say_goodbye(self, new_call, port, language):
        """An unknown code is said so and asked again; the third ends the call."""
        call = new_call(language)
        call.press("1")
        call.press(keyed(ID_A))
        call.press("1")
        call.press("999#")
        assert text(language, "property_unknown") in call.said and call.where == "move_in:property"
        call.press("998#")
        call.press("997#")
        assert call.hung_up and text(language, "goodbye_property") in call.said
        assert port.lookups == ["999", "998", "997"]

    def test_property_readback_2_asks_for_the_code_again(self, new_call):
        """Pressing 2 after the address read-back returns to the code prompt."""
        call = new_call("en")
        call.press("1")
        call.press(keyed(ID_A))
        call.press("1")
        call.press(APARTMENTS.code + "#")
        call.press("2")
        assert call.where == "move_in:property"

    def test_no_room_is_fine_for_a_single_unit_property(self, new_call, port):
        """A bare `#` at the room prompt of a single-unit property goes on with no room."""
        call = new_call("zh")
        call.press("1")
        call.press(keyed(ID_A))
        call.press("1")
        call.press(HOUSE.code + "#")
        call.press("1")
        call.silence()
        assert call.where == "move_in:date" and text("zh", "room_none") in call.said
        assert call.state["data"]["room"] is None

    def test_no_room_is_asked_again_for_several_units(self, new_call):
        """A bare `#` at the room prompt of a multi-unit property asks for the room again."""
        call = new_call("en")
        call.press("1")
        call.press(keyed(ID_A))
        call.press("1")
        call.press(APARTMENTS.code + "#")
        call.press("1")
        call.press("#")
        assert call.where == "move_in:room" and text("en", "room_required") in call.said

    def test_a_malformed_room_is_refused(self, new_call):
        """A room with an empty part or five digits is not valid."""
        call = new_call("en")
        call.press("1")
        call.press(keyed(ID_A))
        call.press("1")
        call.press(APARTMENTS.code + "#")
        call.press("1")
        call.press("12345#")
        assert call.where == "move_in:room" and text("en", "room_invalid") in call.said
        call.press("3**1#")
        assert call.where == "move_in:room"

    @pytest.mark.parametrize("language, spoken_date", [("zh", "2024年1月8日"), ("en", "January 8, 2024")])
    def test_an_entered_date_is_read_back_before_the_name_prompt(self, new_call, port, language, spoken_date):
        """Eight digits are taken as YYYYMMDD and read back at the start of the name prompt."""
        call = new_call(language)
        call.press("1")
        call.press(keyed(ID_A))
        call.press("1")
        call.press(APARTMENTS.code + "#")
        call.press("1")
        call.press("301#")
        call.press("2")
        assert text(language, "date_entry") in call.said
        call.press("20240108")
        assert call.where == "move_in:name"
        assert text(language, "date_readback", date=spoken_date) in call.said
        assert call.state["data"]["date"] == "2024-01-08"

    @pytest.mark.parametrize("typed, problem", [
        ("20240230", "bad_date"), ("20240112", "date_in_future"), ("19891231", "date_before_birth"),
        ("19490930", "bad_date"), ("2024", "bad_date"),
    ])
    def test_a_bad_date_is_explained_and_asked_again(self, new_call, typed, problem):
        """Impossible and future dates, and dates before the caller's birth, follow the SMS rules and are asked again."""
        call = new_call("zh")
        call.press("1")
        call.press(keyed(ID_A))
        call.press("1")
        call.press(APARTMENTS.code + "#")
        call.press("1")
        call.press("301#")
        call.press("2")
        call.press(typed)
        assert call.where == "move_in:date_entry" and text("zh", problem) in call.said

    def test_a_move_in_years_ago_is_a_backlog_registration(self, new_call):
        """The campaign registers people who moved in long ago: an old date is taken, not asked again."""
        call = new_call("zh")
        call.press("1")
        call.press(keyed(ID_A))
        call.press("1")
        call.press(APARTMENTS.code + "#")
        call.press("1")
        call.press("301#")
        call.press("2")
        call.press("20151231")
        assert call.where == "move_in:name"
        assert call.state["data"]["date"] == "2015-12-31"

    def test_tomorrow_is_accepted(self, new_call):
        """A date one day ahead is within the slack the SMS rules allow."""
        call = new_call("en")
        call.press("1")
        call.press(keyed(ID_A))
        call.press("1")
        call.press(APARTMENTS.code + "#")
        call.press("1")
        call.press("301#")
        call.press("2")
        call.press((TODAY + dt.timedelta(days=1)).strftime("%Y%m%d"))
        assert call.where == "move_in:name"

    @pytest.mark.parametrize("language", LANGUAGES)
    def test_low_confidence_records_the_name_for_review(self, new_call, port, language):
        """A low-confidence name is recorded (15 s) and the declaration carries the recording."""
        call = to_name(new_call(language))
        call.speak("张珊", 0.3)
        assert call.where == "move_in:name_record"
        assert text(language, "name_unclear") in call.said and 'maxLength="15"' in call.twiml
        call.record("https://api.twilio.com/rec/RE1")
        assert call.where == "move_in:summary"
        assert text(language, "summary_name_recorded") in call.said
        call.press("1")
        assert opening(language, "move_in_receipt_review") in call.said
        (_, declaration), = port.submitted
        assert declaration.name_recording_url == "https://api.twilio.com/rec/RE1"
        assert declaration.name == "张珊" and declaration.name_confidence == 0.3

    def test_missing_confidence_counts_as_low(self, new_call):
        """A speech result without a Confidence value is recorded rather than trusted."""
        call = to_name(new_call("en"))
        call.send(speech="Zhang San")
        assert call.where == "move_in:name_record"

    def test_two_silences_at_the_name_record_it(self, new_call):
        """No speech once asks again; no speech twice records the name."""
        call = to_name(new_call("zh"))
        call.silence()
        assert call.where == "move_in:name" and text("zh", "name_not_heard") in call.said
        call.silence()
        assert call.where == "move_in:name_record" and "<Record" in call.twiml

    def test_rejecting_the_name_twice_records_it(self, new_call, port):
        """Pressing 2 at two name read-backs records the name and forgets the rejected guess."""
        call = to_name(new_call("en"))
        call.speak("Jang Sun", 0.8)
        call.press("2")
        assert call.where == "move_in:name"
        call.speak("Chang Sen", 0.8)
        call.press("2")
        assert call.where == "move_in:name_record"
        call.record("https://api.twilio.com/rec/RE2")
        call.press("1")
        (_, declaration), = port.submitted
        assert declaration.name is None and declaration.name_recording_url.endswith("RE2")

    def test_silence_at_the_name_recording_ends_after_two_repeats(self, new_call, port):
        """A recording that never comes repeats the prompt twice, then says goodbye."""
        call = to_name(new_call("en"))
        call.speak("x", 0.1)
        call.silence()
        call.silence()
        assert call.where == "move_in:name_record"
        call.silence()
        assert call.hung_up and not port.submitted

    def test_summary_2_starts_again_from_the_id(self, new_call, port):
        """Pressing 2 at the summary forgets everything and asks for the ID."""
        call = to_name(new_call("en"))
        call.speak("Zhang San", 0.9)
        call.press("1")
        call.press("2")
        assert call.where == "move_in:id" and call.state["data"] == {}
        assert not port.submitted

    def test_nothing_is_submitted_before_the_summary_is_confirmed(self, new_call, port):
        """A call abandoned at the summary hands nothing to the port."""
        call = to_name(new_call("zh"))
        call.speak("张三", 0.9)
        call.press("1")
        call.silence()
        call.silence()
        call.silence()
        assert call.hung_up and not port.submitted
