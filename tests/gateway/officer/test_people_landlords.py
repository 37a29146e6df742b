"""People search with masked IDs and audited look-ups; landlords, properties and the tenant notice."""
from __future__ import annotations

from sqlalchemy import select

from store.models import Person, Property
from store.sealed import document_hash
from tests.constants import ID_A, LANDLORD, OTHER_LANDLORD
from tests.support import audit_actions, login, texted

MASKED_A = "3501**********1238"


def declared(ui, rt):
    texted(ui, rt, f"登记 张三 {ID_A} 13912345678 301 @100001", LANDLORD)
    with rt.sessions() as session:
        return session.scalar(select(Person.id).where(Person.document_hash == document_hash(session, "ric", ID_A)))


class TestPeopleSearch:
    def test_finds_by_id_name_phone_and_address_masked(self, ui, people):
        """Each kind of query finds the person, and the page shows the ID masked only."""
        person_id = declared(ui, people)
        login(ui, "a")
        for query in (ID_A, "张三", "13912345678", "东街12号"):
            page = ui.post("/people", data={"q": query}).get_data(as_text=True)
            assert f"/people/{person_id}" in page and MASKED_A in page, query
            if query != ID_A:  # the officer's own query is echoed back; results never show the full number
                assert ID_A not in page

    def test_part_of_an_id_finds_nobody(self, ui, people):
        """ID numbers are sealed: only the whole number finds a person (the blind index), never a part of it."""
        person_id = declared(ui, people)
        login(ui, "a")
        whole = ui.post("/people", data={"q": ID_A.lower()}).get_data(as_text=True)
        part = ui.post("/people", data={"q": ID_A[2:16]}).get_data(as_text=True)
        assert f"/people/{person_id}" in whole and f"/people/{person_id}" not in part

    def test_every_search_is_audited(self, ui, people):
        """A search writes who searched for what."""
        declared(ui, people)
        login(ui, "a")
        ui.post("/people", data={"q": "张三"})
        [entry] = audit_actions(people, "search")
        assert entry.officer.username == "a" and entry.detail == {"query": "张三", "results": 1}

    def test_other_precinct_finds_nothing(self, ui, people):
        """An officer of GL02 does not find, or open, a person declared only in GL01."""
        person_id = declared(ui, people)
        login(ui, "b")
        assert f"/people/{person_id}" not in ui.post("/people", data={"q": "张三"}).get_data(as_text=True)
        assert ui.get(f"/people/{person_id}").status_code == 404

    def test_person_page_lists_declarations_masked(self, ui, people):
        """The person page lists their declarations and masks the ID."""
        person_id = declared(ui, people)
        login(ui, "a")
        page = ui.get(f"/people/{person_id}").get_data(as_text=True)
        assert MASKED_A in page and ID_A not in page and "鼓楼区东街12号" in page

    def test_full_id_is_shown_and_audited(self, ui, people):
        """Asking for the full number shows it and records who looked."""
        person_id = declared(ui, people)
        login(ui, "a")
        page = ui.post(f"/people/{person_id}/full-id").get_data(as_text=True)
        assert ID_A in page
        [entry] = audit_actions(people, "view_full_id")
        assert entry.officer.username == "a" and entry.target == f"person:{person_id}"

    def test_audit_log_shows_searches_to_supervisors(self, ui, people):
        """The supervisor's audit page lists an officer's search."""
        declared(ui, people)
        login(ui, "a")
        ui.post("/people", data={"q": "张三"})
        ui.post("/logout")
        login(ui, "chief")
        page = ui.get("/audit?action=search").get_data(as_text=True)
        assert "张三" in page and ">a<" in page


class TestLandlords:
    def test_list_is_scoped_to_the_precinct(self, ui, people):
        """An officer lists only landlords with a property in their precinct."""
        login(ui, "b")
        page = ui.get("/landlords").get_data(as_text=True)
        assert OTHER_LANDLORD in page and LANDLORD not in page

    def test_enrol_a_landlord_into_the_officers_precinct(self, ui, people):
        """An officer's enrolment lands in their own precinct, whatever the form says."""
        login(ui, "b")
        response = ui.post("/landlords/new", data={"phone": "13600136000", "name": "周", "property_code": "200009",
                                                   "address": "台江区中路2号", "precinct": "GL01"})
        assert response.status_code == 302
        with people.sessions() as session:
            prop = session.scalar(select(Property).where(Property.code == "200009"))
            assert prop.precinct.code == "GL02" and prop.landlord.phone == "+8613600136000"
        assert [e.action for e in audit_actions(people)] == ["enrol"]

    def test_invalid_enrolment_is_explained(self, ui, people):
        """A bad phone and code are both reported and nothing is stored."""
        login(ui, "a")
        response = ui.post("/landlords/new", data={"phone": "123", "name": "x", "property_code": "1",
                                                   "address": "y"})
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and "is not a valid number" in page and "4 to 12 digits" in page

    def test_edit_a_property(self, ui, people):
        """Editing a property changes its address and alias and is audited."""
        login(ui, "a")
        ui.post("/landlords/property/100001/edit", data={"address": "鼓楼区东街14号", "alias": "东"})
        with people.sessions() as session:
            prop = session.scalar(select(Property).where(Property.code == "100001"))
        assert prop.address == "鼓楼区东街14号" and prop.alias == "东"
        assert [e.action for e in audit_actions(people)] == ["edit_property"]

    def test_all_digit_alias_is_refused(self, ui, people):
        """An alias of digits would read as a property code, so it is refused."""
        login(ui, "a")
        response = ui.post("/landlords/property/100001/edit", data={"address": "x", "alias": "123"})
        assert response.status_code == 422 and "must not be empty or all digits" in response.get_data(as_text=True)

    def test_rename_a_landlord(self, ui, people):
        """A landlord's name can be corrected."""
        login(ui, "b")
        with people.sessions() as session:
            landlord_id = session.scalar(select(Property.landlord_id).where(Property.code == "200001"))
        ui.post(f"/landlords/{landlord_id}", data={"name": "李先生"})
        assert "李先生" in ui.get("/landlords").get_data(as_text=True)

    def test_other_precincts_property_is_404(self, ui, people):
        """An officer cannot open, edit or print another precinct's property."""
        login(ui, "b")
        assert ui.get("/landlords/property/100001/notice").status_code == 404
        assert ui.post("/landlords/property/100001/edit", data={"address": "x"}).status_code == 404


class TestNotice:
    def test_notice_shows_code_voice_number_and_both_languages(self, ui, people):
        """The notice prints the property code, the voice-line number and the instructions in Chinese and English."""
        app_rt = ui.application.extensions["declgate"]
        app_rt.settings = app_rt.settings.with_(voice_number="+8610690001")
        client = ui
        login(client, "a")
        page = client.get("/landlords/property/100001/notice").get_data(as_text=True)
        assert '<div class="code" id="property-code">100001</div>' in page
        assert '<p class="voice" id="voice-number">+8610690001</p>' in page
        assert "申报入住按 1" in page and "Press 2 for English" in page
        assert "@media print" in client.get("/static/officer.css").get_data(as_text=True)
