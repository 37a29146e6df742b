"""Walk an employer contact's calls (v2 §6): menu 4 declares a member of staff at one of the employer's own sites
(lodging there or not), menu 5 ends one; a number that is landlord and employer contact is asked which."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ivr_flows import PropertyView, spoken
from tests.budget import examples
from tests.constants import ID_A

from .conftest import CALLER, TODAY, Call
from .fakes import APARTMENTS, HOUSE, RecordingPort
from .helpers import LANGUAGES, keyed, opening, text
from .strategies import caller_inputs

NAME_URL = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE300"
ADDRESS_URL = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE301"
# Site codes share the property codes' space; a site is offered with `single_unit` (a room is optional for staff).
BUILDING_SITE = PropertyView("300001", "鼓楼区工业路1号", single_unit=True)
DORMITORY = PropertyView("300002", "鼓楼区工业路3号", single_unit=True)
OTHER_SITE = PropertyView("300009", "别的单位的工地", single_unit=True)  # another employer's


@pytest.fixture
def employer(port):
    """The caller is a contact of an employer with two sites; 300009 is another employer's, 4711 a landlord's."""
    port.employers[CALLER] = (BUILDING_SITE, DORMITORY)
    port.employers["+8613900000009"] = (OTHER_SITE,)
    return port


@pytest.fixture
def one_site(port):
    port.employers[CALLER] = (DORMITORY,)
    return port


def to_summary(call: Call, *, site: str | None, lodger: str = "1") -> None:
    """From the main menu: 4, the ID, the site if asked, room 101, lodging, today, a clear name."""
    call.press("4")
    call.press(keyed(ID_A))
    call.press("1")
    if site:
        call.press(site + "#")
        call.press("1")
    call.press("101#")
    call.press(lodger)
    call.press("1")
    call.speak("张三", 0.9)
    call.press("1")


class TestMenu:
    @pytest.mark.parametrize("language", LANGUAGES)
    def test_an_employer_contact_hears_4_and_5_for_staff(self, new_call, employer, language):
        call = new_call(language)
        assert text(language, "menu_employer") in call.said
        call.press("4")
        assert call.where == "staff:id" and text(language, "staff_id_prompt") in call.said

    def test_5_ends_a_member_of_staff(self, new_call, employer):
        call = new_call("zh")
        call.press("5")
        assert call.where == "staff_out:id" and text("zh", "staff_out_id_prompt") in call.said

    def test_a_landlord_reaches_tenants_only(self, new_call, port):
        """A landlord who is no employer's contact never reaches the staff flows."""
        port.declarants[CALLER] = (APARTMENTS,)
        call = new_call("zh")
        assert text("zh", "menu_declarant") in call.said and "员工" not in call.said
        call.press("4")
        assert call.where == "declare:id"

    def test_a_resident_cannot_reach_the_staff_flows(self, new_call, employer):
        call = new_call("zh", caller="+8613911112222")
        assert text("zh", "menu") in call.said and "员工" not in call.said
        call.press("4")
        assert call.where == "welcome:menu" and text("zh", "invalid_key") in call.said

    @pytest.mark.parametrize("key, which, tenant, staff", [("4", "declare_which", "declare:id", "staff:id"),
                                                           ("5", "leave_which", "declare_out:id", "staff_out:id")])
    def test_a_landlord_who_is_also_an_employer_contact_is_asked_which(self, new_call, employer, key, which,
                                                                       tenant, staff):
        employer.declarants[CALLER] = (APARTMENTS, HOUSE)
        call = new_call("en")
        assert text("en", "menu_both") in call.said
        call.press(key)
        assert call.where == f"welcome:{which}" and text("en", which) in call.said
        call.press("3")
        assert call.where == f"welcome:{which}" and text("en", "invalid_key") in call.said
        call.press("2")
        assert call.where == staff
        again = new_call("en", call_sid="CA0002")
        again.press(key)
        again.press("1")
        assert again.where == tenant


class TestStaff:
    @pytest.mark.parametrize("language", LANGUAGES)
    def test_a_lodger_at_one_of_two_sites(self, new_call, employer, language):
        """ID, site (two: asked), room, lodges, start date, name, summary, receipt said twice."""
        call = new_call(language)
        call.press("4")
        call.press(keyed(ID_A))
        call.press("1")
        assert call.where == "staff:property" and text(language, "site_prompt") in call.said
        call.press(DORMITORY.code + "#")
        call.press("1")
        assert call.where == "staff:room" and text(language, "staff_room_prompt") in call.said
        call.press("101#")
        assert call.where == "staff:lodger" and text(language, "staff_lodger_prompt") in call.said
        call.press("1")
        assert text(language, "staff_start_date") in call.said
        call.press("1")
        assert text(language, "staff_name_prompt") in call.said
        call.speak("张三", 0.9)
        assert text(language, "staff_name_readback", name="张三") in call.said
        call.press("1")
        assert call.where == "staff:summary" and opening(language, "staff_summary") in call.said
        assert text(language, "summary_lodger") in call.said
        call.press("1")
        assert call.hung_up and opening(language, "declare_receipt") in call.said
        assert call.said.count(spoken.receipt(employer.receipt, language)) == 2
        (_, declaration), = employer.submitted
        assert (declaration.kind, declaration.document_type, declaration.document_number) == \
            ("staff_start", "ric", ID_A)
        assert (declaration.property_code, declaration.room, declaration.lodger) == (DORMITORY.code, "101", True)
        assert (declaration.date, declaration.name, declaration.caller) == (TODAY, "张三", CALLER)

    def test_one_site_is_not_asked_for_and_the_room_may_be_left_out(self, new_call, one_site):
        call = new_call("zh")
        call.press("4")
        call.press(keyed(ID_A))
        call.press("1")
        assert call.where == "staff:room"
        call.press("#")
        assert call.where == "staff:lodger" and text("zh", "room_none") in call.said
        call.press("2")
        call.press("1")
        call.speak("张三", 0.9)
        call.press("1")
        assert text("zh", "summary_not_lodger") in call.said
        call.press("1")
        (_, declaration), = one_site.submitted
        assert (declaration.property_code, declaration.room, declaration.lodger) == (DORMITORY.code, None, False)

    @pytest.mark.parametrize("code", [OTHER_SITE.code, APARTMENTS.code, "123456"])
    def test_any_other_code_sounds_like_a_missing_one(self, new_call, employer, code):
        """Another employer's site, a landlord's property and a code nobody has: the same words, three times."""
        call = new_call("zh")
        call.press("4")
        call.press(keyed(ID_A))
        call.press("1")
        call.press(code + "#")
        assert call.where == "staff:property" and text("zh", "site_unknown") in call.said
        call.press(code + "#")
        call.press(code + "#")
        assert call.hung_up and text("zh", "goodbye_site") in call.said and not employer.submitted
        assert employer.lookups == []  # nothing but the caller's own sites is looked at

    def test_no_document_records_name_and_address_with_drafts(self, new_call, one_site):
        call = new_call("zh")
        call.press("4")
        call.press("0#")
        assert call.where == "staff:nodoc_name" and text("zh", "staff_name_speech") in call.said
        call.speak("王小明", 0.3)
        call.record(NAME_URL)
        assert text("zh", "staff_address_speech") in call.said
        call.speak("福建省莆田市", 0.7)
        call.record(ADDRESS_URL)
        call.press("#")
        call.press("1")
        call.press("1")
        assert call.where == "staff:summary_no_document"
        call.press("1")
        assert call.hung_up and opening("zh", "declare_receipt_review") in call.said
        (_, declaration), = one_site.submitted
        assert (declaration.kind, declaration.document_type, declaration.document_number) == ("staff_start", "none",
                                                                                               None)
        assert (declaration.name, declaration.name_draft, declaration.address_draft) == (None, "王小明", "福建省莆田市")
        assert (declaration.name_recording_url, declaration.address_recording_url) == (NAME_URL, ADDRESS_URL)
        assert declaration.lodger is True

    def test_a_start_date_years_ago_is_taken(self, new_call, one_site):
        """Like a tenant's move-in: an old date is backlog for the worker to flag, not a typo."""
        call = new_call("en")
        call.press("4")
        call.press(keyed(ID_A))
        call.press("1")
        call.press("#")
        call.press("1")
        call.press("2")
        call.press("20160504")
        assert call.where == "staff:name"
        call.speak("Zhang San", 0.9)
        call.press("1")
        call.press("1")
        (_, declaration), = one_site.submitted
        assert declaration.date == dt.date(2016, 5, 4)


class TestStaffOut:
    @pytest.mark.parametrize("typed, number, suffix", [(keyed(ID_A), ID_A, None), ("1238#", None, "1238")])
    def test_by_id_or_its_last_four(self, new_call, employer, typed, number, suffix):
        call = new_call("zh")
        call.press("5")
        call.press(typed)
        if number:
            call.press("1")
        assert text("zh", "site_prompt") in call.said
        call.press(BUILDING_SITE.code + "#")
        call.press("1")
        assert text("zh", "staff_end_date") in call.said
        call.press("1")
        assert call.where == "staff_out:summary" and opening("zh", "staff_out_summary") in call.said
        call.press("1")
        assert call.hung_up and text("zh", "staff_out_done") in call.said
        (_, declaration), = employer.submitted
        assert (declaration.kind, declaration.document_number, declaration.id_suffix) == ("staff_end", number, suffix)
        assert declaration.property_code == BUILDING_SITE.code and declaration.document_type == \
            ("ric" if number else "none")

    def test_an_old_leaving_date_is_too_old(self, new_call, one_site):
        call = new_call("zh")
        call.press("5")
        call.press("1238#")
        call.press("2")
        call.press("20150101")
        assert call.where == "staff_out:date_entry" and text("zh", "date_too_old") in call.said


class TestAnyEmployerCall:
    @settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(menu=st.sampled_from(["4", "5"]), site=st.sampled_from(["300001", "300002", "300009", "4711"]),
           steps=st.lists(st.one_of(caller_inputs(), st.sampled_from([{"digits": "300009#"}, {"digits": "4711#"},
                                                                      {"digits": "300002#"}, {"digits": "1"}])),
                          max_size=25))
    def test_whatever_is_typed_only_the_employers_own_sites_are_handed_over(self, twiml_schema, menu, site, steps):
        """Any keys, speech and silences after 4 or 5: at most one hand-over, a staff one, at one of their sites."""
        port = RecordingPort(properties={APARTMENTS.code: APARTMENTS})
        port.employers[CALLER] = (BUILDING_SITE, DORMITORY)
        call = Call(twiml_schema, port)
        call.press("1")
        call.press(menu)
        for fields in ({"digits": keyed(ID_A)}, {"digits": "1"}, {"digits": site + "#"}, *steps):
            call.send(**fields)
        assert len(port.submitted) <= 1
        for _, declaration in port.submitted:
            assert declaration.kind in ("staff_start", "staff_end")
            assert declaration.property_code in (BUILDING_SITE.code, DORMITORY.code)
