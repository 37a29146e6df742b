"""Enrolment reports every problem at once, each with its field and code, and checks phones as the SMS grammar does."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from parsers.phones import to_e164
from store.enrolment import Enrolment, EnrolmentError, enrol, validate
from store.property_edits import rename_landlord, update_property
from store.models import Property
from store.scope import Scope

GOOD = Enrolment(phone="13912345678", name="陈房东", property_code="100001", address="东街12号", precinct="GL01")


class TestValidate:
    def test_a_good_enrolment_has_no_problems(self):
        """Nothing is reported for an enrolment that can be stored."""
        assert validate(GOOD) == []

    def test_every_problem_is_reported_with_its_field_and_code(self):
        """A form or a CSV row learns everything wrong with it at once, field by field."""
        bad = Enrolment(phone="123", name=" ", property_code="12", address="", precinct="", alias="42")
        assert [(p.field, p.code) for p in validate(bad)] == [
            ("phone", "invalid"), ("name", "empty"), ("property_code", "invalid"), ("address", "empty"),
            ("precinct", "empty"), ("alias", "invalid")]

    # 140… is a Chinese mobile by shape that phonenumbers' metadata does not list: the grammar takes it from a
    # tenant, so enrolment takes it from a landlord too.
    @pytest.mark.parametrize("phone", ["13912345678", " +8613912345678 ", "14012345678", "123", "+86 10 1234"])
    def test_a_phone_is_valid_exactly_when_the_sms_grammar_reads_it(self, phone):
        """One phone check for the whole system: parsers.phones, whatever a landlord's form field holds."""
        problems = {p.field for p in validate(Enrolment(**{**GOOD.__dict__, "phone": phone}))}
        assert ("phone" not in problems) == (to_e164(phone) is not None)


class TestEnrol:
    def test_raises_every_problem_together(self, rt):
        """A taken code and a bad phone come back in one EnrolmentError, its message the sentences joined."""
        with rt.sessions.begin() as session:
            enrol(session, GOOD)
        with rt.sessions() as session, pytest.raises(EnrolmentError) as raised:
            enrol(session, Enrolment(**{**GOOD.__dict__, "phone": "123"}))
        assert [(p.field, p.code) for p in raised.value.problems] == [("phone", "invalid"), ("property_code", "taken")]
        assert str(raised.value) == "; ".join(p.message for p in raised.value.problems)

    def test_stores_the_phone_in_e164(self, rt):
        """The landlord's phone is stored as their SMS will arrive: E.164, spaces gone."""
        with rt.sessions.begin() as session:
            prop = enrol(session, Enrolment(**{**GOOD.__dict__, "phone": " 139 1234 5678 "}))
            assert prop.landlord.phone == "+8613912345678"


class TestPropertyEdits:
    def test_a_taken_alias_is_an_enrolment_problem(self, rt):
        """Editing a property answers with the same typed problems as enrolling it."""
        with rt.sessions.begin() as session:
            enrol(session, Enrolment(**{**GOOD.__dict__, "alias": "东街"}))
            enrol(session, Enrolment(**{**GOOD.__dict__, "property_code": "100002", "alias": "西巷"}))
        with rt.sessions() as session, pytest.raises(EnrolmentError) as raised:
            prop = session.scalar(select(Property).where(Property.code == "100002"))
            update_property(session, prop, address="西巷3号", alias="东街", single_unit=False, officer_id=None)
        assert [(p.field, p.code) for p in raised.value.problems] == [("alias", "taken")]

    def test_an_empty_name_is_an_enrolment_problem(self, rt):
        """Renaming a landlord to nothing is refused as enrolment would refuse it."""
        with rt.sessions.begin() as session:
            landlord = enrol(session, GOOD).landlord
            with pytest.raises(EnrolmentError) as raised:
                rename_landlord(session, Scope.everything(), landlord, "  ", officer_id=None)
        assert [(p.field, p.code) for p in raised.value.problems] == [("name", "empty")]
