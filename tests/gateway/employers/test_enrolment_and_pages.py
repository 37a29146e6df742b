"""Enrolling employers (the command line, the CSV import) and the officers' employer pages."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from gateway.runtime import install
from store.employers import EmployerEntry, enrol
from store.enrolment import Enrolment, EnrolmentError
from store.enrolment import enrol as enrol_landlord
from store.models import Employer, EmployerContact, Site
from tests.constants import ID_A, ID_B, ID_C
from tests.gateway.employers.conftest import CREDIT_CODE, CSV, EMPLOYER
from tests.gateway.employers.test_staff_sms import HIRE, text
from tests.support import login

BAD_CHECK = CREDIT_CODE[:-1] + "X"  # the check character wrong


def rows(rt) -> tuple[int, int, int]:
    with rt.sessions() as session:
        return tuple(session.scalar(select(func.count()).select_from(t)) for t in (Employer, Site, EmployerContact))


class TestCommandLine:
    def test_csv_enrols_one_employer_with_two_sites_and_both_phones(self, employer):
        with employer.sessions() as session:
            [found] = session.scalars(select(Employer)).all()
            assert (found.credit_code, found.name, found.precinct.code) == (CREDIT_CODE, "闽江建设", "GL01")
            assert [(s.code, s.kind, s.alias, s.capacity, s.address) for s in found.sites] == [
                ("300001", "building_site", "工地", None, "鼓楼区工业路1号"),
                ("300002", "dormitory", "宿舍楼", 40, "鼓楼区工业路3号")]
            assert set(session.scalars(select(EmployerContact.phone))) == {EMPLOYER, "+8613600000001"}

    def test_bad_rows_are_all_reported_by_line_and_nothing_is_imported(self, people, run, tmp_path):
        path = tmp_path / "bad.csv"
        path.write_text(CSV.replace(CREDIT_CODE, BAD_CHECK, 1)  # line 2: invalid credit code
                        + f"{CREDIT_CODE},闽江建设,鼓楼区工业路1号,GL01,13600000000,100001,workplace,,,\n"  # a property's
                        + f"{CREDIT_CODE},闽江建设,鼓楼区工业路1号,GL01,13600000000,300009,workplace,,,lots\n",
                        encoding="utf-8")
        result = run("employer", "import", str(path))
        install(people)
        assert result.exit_code == 1
        assert "line 2: credit code" in result.output and "check character" in result.output
        assert "line 4: code 100001 is already used by property 100001" in result.output
        assert "line 5: capacity 'lots' must be a whole number" in result.output
        assert "line 3" not in result.output and "3 bad row(s)" in result.output
        assert rows(people) == (0, 0, 0)

    def test_add_refuses_an_invalid_credit_code(self, people, run):
        result = run("employer", "add", "--credit-code", BAD_CHECK, "--name", "X", "--address", "a", "--precinct",
                     "GL01", "--phone", "13600000000", "--site-code", "300001")
        install(people)
        assert result.exit_code == 1 and "not a valid unified social credit code" in result.output
        assert rows(people) == (0, 0, 0)

    def test_add_extends_the_employer_by_its_credit_code(self, employer, run):
        result = run("employer", "add", "--credit-code", CREDIT_CODE.lower(), "--name", "闽江建设", "--address",
                     "鼓楼区工业路1号", "--precinct", "GL01", "--phone", "13600000002", "--site-code", "300003",
                     "--site-kind", "workplace", "--site-alias", "车间")
        install(employer)
        assert result.exit_code == 0, result.output
        assert rows(employer) == (1, 3, 3)


class TestCodeSpace:
    def test_a_new_property_cannot_take_a_site_code(self, employer):
        with pytest.raises(EnrolmentError, match="already used by an employer's site"):
            with employer.sessions.begin() as session:
                enrol_landlord(session, Enrolment(phone="13500000000", name="王", property_code="300001",
                                                  address="某路1号", precinct="GL01"))

    def test_a_contact_phone_belongs_to_one_employer(self, employer):
        with pytest.raises(EnrolmentError, match="already a contact of another employer"):
            with employer.sessions.begin() as session:
                enrol(session, EmployerEntry(credit_code="91440300MA5FQWER7A", name="Other", address="a",
                                             precinct="GL02", phones=(EMPLOYER,), site_code="400001"))


class TestPages:
    def test_officer_sees_staff_and_lodgers_with_ids_masked(self, client, employer):
        text(client, employer, HIRE, EMPLOYER)
        login(client, "a")
        index = client.get("/employers")
        assert index.status_code == 200
        page = index.get_data(as_text=True)
        assert "闽江建设" in page and '3 <span class="muted">(留宿 1)</span>' in page, page
        [href] = re.findall(r'href="(/employers/\d+)"', page)
        detail = client.get(href).get_data(as_text=True)
        assert "张三" in detail and "王五" in detail and "3501**********1238" in detail
        for number in (ID_A, ID_B, ID_C):
            assert number not in detail and number not in page
        assert "1 / 40" in detail  # one lodger of 40 beds at the dormitory
        assert 'name="viewport"' in detail  # the officers' pages are made for phones

    def test_another_precincts_officer_gets_404(self, client, employer):
        with employer.sessions() as session:
            employer_id = session.scalar(select(Employer.id))
        login(client, "b")  # GL02
        assert client.get(f"/employers/{employer_id}").status_code == 404
        assert "闽江建设" not in client.get("/employers").get_data(as_text=True)
        client.post("/logout")
        login(client, "chief")  # a supervisor sees every precinct
        assert client.get(f"/employers/{employer_id}").status_code == 200


def test_a_rejected_staff_message_reaches_the_employers_precinct_only(client, employer):
    """A bad 用工 goes to the officers' queue of the employer's precinct, with the ID masked on the item."""
    from tests.gateway.employers.test_staff_sms import text as send
    from tests.support import inbound

    sid, _ = send(client, employer, f"用工 张三 {ID_A} @999999", EMPLOYER)
    item = inbound(employer, sid)
    assert item.review_state == "open" and item.codes == ["unknown_property"]
    login(client, "b")
    assert client.get(f"/review/{item.id}").status_code == 404
    client.post("/logout")
    login(client, "a")
    page = client.get(f"/review/{item.id}")
    assert page.status_code == 200 and ID_A not in page.get_data(as_text=True)
