"""Walk a landlord's calls (v2 §6): menu 4 declares a tenant, menu 5 a tenant who moved out; both only for a
number that may declare, and only for that number's own properties."""
from __future__ import annotations

import datetime as dt

import pytest

from ivr_flows import spoken
from tests.constants import ID_A

from .conftest import CALLER, TODAY
from .fakes import APARTMENTS, HOUSE
from .helpers import LANGUAGES, keyed, opening, text

NAME_URL = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE200"
ADDRESS_URL = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE201"
OTHER = "9999"  # a property that exists but is not the caller's


@pytest.fixture
def landlord(port):
    """The caller owns both test properties; 9999 is someone else's."""
    port.properties[OTHER] = HOUSE.__class__(OTHER, "别人的房子", single_unit=True)
    port.declarants[CALLER] = (APARTMENTS, HOUSE)
    return port


@pytest.fixture
def single(port):
    port.declarants[CALLER] = (APARTMENTS,)
    return port


class TestMenu:
    def test_a_resident_hears_no_4_or_5_and_cannot_press_them(self, new_call, port):
        call = new_call("zh")
        assert text("zh", "menu") in call.said and "按4" not in call.said
        call.press("4")
        assert call.where == "welcome:menu" and text("zh", "invalid_key") in call.said
        call.press("5")
        assert call.where == "welcome:menu"

    @pytest.mark.parametrize("language", LANGUAGES)
    def test_a_landlord_hears_and_reaches_them(self, new_call, landlord, language):
        call = new_call(language)
        assert text(language, "menu_declarant") in call.said
        call.press("4")
        assert call.where == "declare:id" and text(language, "declare_id_prompt") in call.said

    def test_the_menu_repeats_with_4_and_5(self, new_call, landlord):
        call = new_call("en")
        call.press("*")
        assert text("en", "menu_declarant") in call.said


class TestDeclare:
    @pytest.mark.parametrize("language", LANGUAGES)
    def test_a_whole_tenant_declaration(self, new_call, landlord, language):
        """ID, property (two: asked), room, date, name, summary, receipt said twice."""
        call = new_call(language)
        call.press("4")
        call.press(keyed(ID_A))
        call.press("1")
        assert call.where == "declare:property"
        call.press(APARTMENTS.code + "#")
        call.press("1")
        call.press("301#")
        call.press("2")
        call.press("20160504")  # years ago: a backlog registration, not a typo
        assert call.where == "declare:name" and text(language, "tenant_name_prompt") in call.said
        call.speak("张三", 0.9)
        assert text(language, "tenant_name_readback", name="张三") in call.said
        call.press("1")
        assert call.where == "declare:summary" and opening(language, "declare_summary") in call.said
        call.press("1")
        assert call.hung_up and opening(language, "declare_receipt") in call.said
        assert call.said.count(spoken.receipt(landlord.receipt, language)) == 2  # read twice
        (sid, declaration), = landlord.submitted
        assert declaration.kind == "tenant_move_in" and declaration.document_type == "ric"
        assert declaration.document_number == ID_A and declaration.property_code == APARTMENTS.code
        assert (declaration.room, declaration.date, declaration.name) == ("301", dt.date(2016, 5, 4), "张三")
        assert declaration.caller == CALLER and declaration.name_recording_url is None

    def test_one_property_is_not_asked_for(self, new_call, single):
        call = new_call("zh")
        call.press("4")
        call.press(keyed(ID_A))
        call.press("1")
        assert call.where == "declare:room"
        call.press("302#")
        call.press("1")
        call.speak("李四", 0.9)
        call.press("1")
        call.press("1")
        (_, declaration), = single.submitted
        assert (declaration.property_code, declaration.room, declaration.date) == (APARTMENTS.code, "302", TODAY)

    def test_someone_elses_property_is_not_found(self, new_call, landlord):
        """An existing code that is not the caller's sounds exactly like one that does not exist."""
        call = new_call("zh")
        call.press("4")
        call.press(keyed(ID_A))
        call.press("1")
        call.press(OTHER + "#")
        assert call.where == "declare:property" and text("zh", "property_unknown") in call.said
        call.press("1234#")
        said_for_unknown = call.said
        assert text("zh", "property_unknown") in said_for_unknown
        call.press(OTHER + "#")
        assert call.hung_up and not landlord.submitted

    def test_no_document_records_name_and_address_with_drafts(self, new_call, single):
        call = new_call("zh")
        call.press("4")
        call.press("0#")
        assert call.where == "declare:nodoc_name" and text("zh", "tenant_name_speech") in call.said
        call.speak("王小明", 0.3)
        call.record(NAME_URL)
        assert text("zh", "tenant_address_speech") in call.said
        call.speak("福建省莆田市", 0.7)
        call.record(ADDRESS_URL)
        assert call.where == "declare:room"
        call.press("303#")
        call.press("1")
        assert call.where == "declare:summary_no_document"
        call.press("1")
        assert call.hung_up and opening("zh", "declare_receipt_review") in call.said
        (_, declaration), = single.submitted
        assert declaration.kind == "tenant_move_in" and declaration.document_type == "none"
        assert declaration.document_number is None and declaration.name is None
        assert (declaration.name_draft, declaration.address_draft) == ("王小明", "福建省莆田市")
        assert (declaration.name_recording_url, declaration.address_recording_url) == (NAME_URL, ADDRESS_URL)

    def test_a_date_before_the_tenants_birth_is_asked_again(self, new_call, single):
        call = new_call("en")
        call.press("4")
        call.press(keyed(ID_A))
        call.press("1")
        call.press("301#")
        call.press("2")
        call.press("19891231")
        assert call.where == "declare:date_entry" and text("en", "date_before_birth") in call.said


class TestDeclareOut:
    @pytest.mark.parametrize("typed, number, suffix", [(keyed(ID_A), ID_A, None), ("1238#", None, "1238"),
                                                        ("123*#", None, "123X")])
    def test_by_id_or_its_last_four(self, new_call, landlord, typed, number, suffix):
        call = new_call("zh")
        call.press("5")
        assert text("zh", "declare_out_id_prompt") in call.said
        call.press(typed)
        if number:
            call.press("1")
        call.press(HOUSE.code + "#")
        call.press("1")
        call.press("1")
        assert call.where == "declare_out:summary"
        if suffix:
            assert "尾号" in call.said
        call.press("1")
        assert call.hung_up and text("zh", "declare_out_done") in call.said
        (_, declaration), = landlord.submitted
        assert declaration.kind == "tenant_move_out" and declaration.document_number == number
        assert declaration.id_suffix == suffix and declaration.property_code == HOUSE.code

    def test_an_old_move_out_is_still_too_old(self, new_call, single):
        call = new_call("zh")
        call.press("5")
        call.press("1238#")
        call.press("2")
        call.press("20150101")
        assert call.where == "declare_out:date_entry" and text("zh", "date_too_old") in call.said
