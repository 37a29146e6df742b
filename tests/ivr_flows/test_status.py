"""Walk status calls (menu 3): the caller hears details only from the phone on record."""
from __future__ import annotations

import pytest

from ivr_flows import StatusView

from tests.constants import ID_A

from .conftest import CALLER
from .fakes import APARTMENTS, DECLARED
from .helpers import LANGUAGES, SHORT_ID, keyed, opening, text

OTHER_PHONE = "+8613900139000"


def ask_status(call):
    call.press("3")
    call.press(keyed(ID_A))
    call.press("1")
    return call


class TestStatusFlow:
    @pytest.mark.parametrize("language, spoken_date, spoken_receipt", [
        ("zh", "2023年12月28日", "八八七七，六六五五"), ("en", "December 28, 2023", "8, 8, 7, 7. 6, 6, 5, 5"),
    ])
    def test_the_phone_on_record_hears_date_and_receipt(self, new_call, port, language, spoken_date,
                                                        spoken_receipt):
        """Calling from the phone on record, an active registration's date and receipt are said."""
        port.statuses[ID_A] = StatusView(True, DECLARED, "88776655", CALLER)
        call = ask_status(new_call(language))
        assert call.hung_up and call.where == "status:active"
        assert spoken_date in call.said and call.said.count(spoken_receipt) == 2
        assert APARTMENTS.address not in call.said and "广州" not in call.said
        assert port.status_queries == [ID_A] and not port.sms_sent

    @pytest.mark.parametrize("language", LANGUAGES)
    def test_the_phone_on_record_hears_there_is_no_active_registration(self, new_call, port, language):
        """Calling from the phone on record with nothing active says so."""
        port.statuses[ID_A] = StatusView(False, DECLARED, "88776655", CALLER)
        call = ask_status(new_call(language))
        assert call.said == text(language, "status_inactive")

    @pytest.mark.parametrize("language", LANGUAGES)
    def test_another_phone_hears_the_neutral_answer_and_the_details_go_by_sms(self, new_call, port, language):
        """From another phone nothing is said; the details go by SMS to the phone on record."""
        port.statuses[ID_A] = StatusView(True, DECLARED, "88776655", OTHER_PHONE)
        call = ask_status(new_call(language))
        assert call.said == text(language, "status_sent_if_on_record")
        assert port.sms_sent == [ID_A] and port.callers == [CALLER]
        assert "88776655" not in call.twiml and "2023" not in call.twiml
        assert OTHER_PHONE not in str(call.state) and "True" not in str(call.state["data"]["status"])

    @pytest.mark.parametrize("language", LANGUAGES)
    @pytest.mark.parametrize("view", [
        StatusView(True, DECLARED, "88776655", OTHER_PHONE),  # registered, phone elsewhere
        StatusView(False, DECLARED, "88776655", OTHER_PHONE),  # known, nothing active
        StatusView(True, DECLARED, "88776655", None),  # registered, no phone on record
        None,  # never heard of
    ], ids=["active", "inactive", "no_phone", "unknown"])
    def test_a_stranger_hears_the_same_twiml_whatever_is_on_record(self, new_call, port, language, view):
        """The answer to a caller who is not on record is byte for byte the one for an unknown ID."""
        unknown = ask_status(new_call(language, call_sid="CAUNKNOWN")).twiml
        if view is not None:
            port.statuses[ID_A] = view
        assert ask_status(new_call(language)).twiml == unknown

    def test_an_unsendable_sms_changes_nothing_said(self, new_call, port):
        """When the gateway does not text the phone on record (an allowance is used up), the answer is the same."""
        port.statuses[ID_A] = StatusView(True, DECLARED, "88776655", OTHER_PHONE)
        port.sms_allowed = False
        call = ask_status(new_call("zh"))
        assert call.said == text("zh", "status_sent_if_on_record") and not port.sms_sent

    def test_the_id_is_read_back_before_the_lookup(self, new_call, port):
        """The status is looked up only after the caller confirms the read-back."""
        call = new_call("en")
        call.press("3")
        call.press(keyed(ID_A))
        assert opening("en", "id_readback") in call.said and not port.status_queries

    def test_three_wrong_ids_say_goodbye(self, new_call, port):
        """The third wrong ID ends a status call without a lookup."""
        call = new_call("zh")
        call.press("3")
        for _ in range(3):
            call.press(SHORT_ID + "#")
        assert call.hung_up and text("zh", "goodbye_id") in call.said and not port.status_queries
