"""Officers enrol employers on /employers (issue #16) through store.employers.enrol: the form, "add a site", errors
shown with their field and code, and the attacks: another station's employer, another station for a new one."""
from __future__ import annotations

from sqlalchemy import select

from store.employers import EmployerEntry, enrol
from store.models import AuditEntry, Employer, EmployerContact, Site
from tests.constants import PASSWORD
from tests.gateway.employers.conftest import CREDIT_CODE

OTHER_CODE = "91350100M000100Y43"  # a valid unified social credit code
FORM = {"name": "榕城食品", "credit_code": OTHER_CODE, "address": "鼓楼区湖东路5号", "phones": "13500000000 13500000001",
        "site_code": "400001", "site_alias": "厂区", "site_kind": "workplace", "capacity": "", "site_address": ""}


def logged_in(ui, username: str):
    assert ui.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    return ui


def employers_of(rt) -> list[tuple[str, str, list[str]]]:
    with rt.sessions() as session:
        return [(e.credit_code, e.precinct.code, [s.code for s in e.sites])
                for e in session.scalars(select(Employer).order_by(Employer.id))]


def test_an_officer_enrols_an_employer_in_their_station_and_it_is_audited(people, ui):
    page = logged_in(ui, "a").get("/employers").get_data(as_text=True)
    assert 'href="/employers/new"' in page
    response = ui.post("/employers/new", data={**FORM, "precinct": "GL02"})  # an officer's station is their own
    assert response.status_code == 302, response.get_data(as_text=True)
    assert employers_of(people) == [(OTHER_CODE, "GL01", ["400001"])]
    shown = ui.get(response.headers["Location"]).get_data(as_text=True)
    assert "榕城食品" in shown and "+8613500000001" in shown and "厂区" in shown
    with people.sessions() as session:
        assert session.scalar(select(AuditEntry.target).where(AuditEntry.action == "enrol_employer")) == "site:400001"
        assert len(session.scalars(select(EmployerContact)).all()) == 2


def test_errors_are_shown_with_their_codes_and_nothing_is_stored(people, ui):
    logged_in(ui, "a")
    response = ui.post("/employers/new", data={**FORM, "credit_code": OTHER_CODE[:-1] + "X", "site_code": "4a",
                                               "phones": "12", "capacity": "lots"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for code in ("credit_code · invalid", "site_code · invalid", "phones · invalid", "capacity · invalid"):
        assert code in page, code
    assert 'value="榕城食品"' in page  # what was typed stays in the form
    taken = ui.post("/employers/new", data={**FORM, "site_code": "100001"})  # a property's code
    assert taken.status_code == 422 and "site_code · taken" in taken.get_data(as_text=True)
    assert employers_of(people) == []


def test_an_officer_adds_a_site_to_an_employer_of_their_station(employer, ui):
    logged_in(ui, "a")
    with employer.sessions() as session:
        employer_id = session.scalar(select(Employer.id))
    response = ui.post(f"/employers/{employer_id}/sites", data={"site_code": "300003", "site_alias": "二号宿舍",
                                                                "site_kind": "dormitory", "capacity": "12"})
    assert response.status_code == 302
    assert employers_of(employer) == [(CREDIT_CODE, "GL01", ["300001", "300002", "300003"])]
    again = ui.post(f"/employers/{employer_id}/sites", data={"site_code": "300003", "site_kind": "dormitory"})
    assert again.status_code == 422 and "site_code · taken" in again.get_data(as_text=True)
    with employer.sessions() as session:
        assert session.scalar(select(Site.capacity).where(Site.code == "300003")) == 12


def test_another_stations_officer_can_neither_extend_nor_add_a_site_to_it(employer, ui):
    """Officer b (GL02) attacks 闽江建设 of GL01: by its page (404), and by enrolling its credit code anew, which
    would add a site and a contact phone to it (403). Nothing changes."""
    logged_in(ui, "b")
    with employer.sessions() as session:
        employer_id = session.scalar(select(Employer.id))
    assert ui.post(f"/employers/{employer_id}/sites", data={"site_code": "300009"}).status_code == 404
    response = ui.post("/employers/new", data={**FORM, "credit_code": CREDIT_CODE, "site_code": "300009",
                                               "phones": "13500000009"})
    assert response.status_code == 403
    assert "needs_supervisor" in response.get_data(as_text=True)
    assert employers_of(employer) == [(CREDIT_CODE, "GL01", ["300001", "300002"])]
    with employer.sessions() as session:
        assert session.scalar(select(EmployerContact.id).where(EmployerContact.phone == "+8613500000009")) is None


def test_a_supervisor_picks_a_station_in_scope(people, ui):
    page = logged_in(ui, "chief").get("/employers/new").get_data(as_text=True)
    assert '<option value="GL02"' in page
    assert ui.post("/employers/new", data={**FORM, "precinct": "GL02"}).status_code == 302
    assert employers_of(people) == [(OTHER_CODE, "GL02", ["400001"])]
