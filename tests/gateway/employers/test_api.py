"""Employer contacts on the JSON API: log in by SMS code, list sites, hire and end staff through the SMS code,
and the attacks: a landlord's token at the staff endpoints, an employer's at the landlords', another employer's
site and receipt."""
from __future__ import annotations

from sqlalchemy import select

from store import employers
from store.models import StaffDeclaration
from tests.constants import ID_A, ID_B, LANDLORD
from tests.gateway.api.helpers import log_in, result_of
from tests.gateway.employers.conftest import EMPLOYER
from tests.support import drain, reply_to, sms

OTHER_EMPLOYER = "+8613500000000"


def other_employer(rt) -> None:
    """A second employer (GL02) with one workplace, 400001."""
    with rt.sessions.begin() as session:
        employers.enrol(session, employers.EmployerEntry(
            credit_code="91350104MA2XYM123N", name="榕城物流", address="仓山区物流园2号", precinct="GL02",
            phones=[OTHER_EMPLOYER], site_code="400001"))


def staff_rows(rt) -> list[StaffDeclaration]:
    with rt.sessions() as session:
        rows = list(session.scalars(select(StaffDeclaration).order_by(StaffDeclaration.id)))
        session.expunge_all()
        return rows


def hire(client, rt, headers, **fields) -> dict:
    body = {"name": "张三", "document_number": ID_A, "site": "300001", **fields}
    return result_of(client, rt, client.post("/api/v1/staff", headers=headers, json=body), headers)


class TestEmployerLogIn:
    def test_a_contact_gets_a_code_and_sees_the_employers_sites(self, client, employer):
        """The code goes to the contact's phone as to a landlord's; the token lists the employer's sites."""
        headers = log_in(client, employer, EMPLOYER)
        response = client.get("/api/v1/sites", headers=headers)
        assert response.status_code == 200
        body = response.get_json()
        assert body["employer"] == "闽江建设"
        assert [(s["code"], s["kind"], s["alias"]) for s in body["sites"]] == [
            ("300001", "building_site", "工地"), ("300002", "dormitory", "宿舍楼")]

    def test_a_stranger_is_sent_nothing_and_gets_the_same_answer(self, client, employer):
        """A number that is no contact gets the same 202, and no code is texted to it."""
        response = client.post("/api/v1/login/code", json={"phone": "+8613511112222"})
        assert response.status_code == 202
        assert client.post("/api/v1/login", json={"phone": "+8613511112222", "code": "000000"}).status_code == 401


class TestStaff:
    def test_hire_a_lodger_then_list_then_end(self, client, employer):
        """A hire is applied by the SMS code (receipt, masked ID, channel web); the list masks IDs; leave ends it."""
        headers = log_in(client, employer, EMPLOYER)
        status = hire(client, employer, headers, site="300002", lodger=True, room="101")
        assert status["status"] == "processed", status
        [outcome] = status["result"]["outcomes"]
        assert outcome["status"] == "registered" and outcome["document"] == "3501**********1238"
        assert ID_A not in str(status)
        [row] = staff_rows(employer)
        assert (row.channel, row.lodger, row.room, row.receipt, row.declarant_phone) == (
            "web", True, "101", outcome["receipt"], EMPLOYER)
        listed = client.get("/api/v1/staff", headers=headers).get_json()["staff"]
        assert [(s["receipt"], s["site"], s["lodger"], s["document"]) for s in listed] == [
            (row.receipt, "300002", True, "3501**********1238")]
        assert ID_A not in str(listed)
        left = result_of(client, employer, client.post(f"/api/v1/staff/{row.receipt}/leave", headers=headers,
                                                       json={}), headers)
        assert left["result"]["outcomes"][0]["status"] == "left"
        assert [r.status for r in staff_rows(employer)] == ["ended"]
        assert client.get("/api/v1/staff", headers=headers).get_json()["staff"] == []

    def test_the_same_person_by_sms_then_by_the_api_is_one_declaration(self, client, employer):
        """The API's hire goes through the same dedupe as a `用工` SMS."""
        sent = sms(client, f"用工 张三 {ID_A} @工地", EMPLOYER)
        drain(employer)
        assert reply_to(employer, sent.sid)
        headers = log_in(client, employer, "+8613600000001")  # the employer's other contact
        status = hire(client, employer, headers, site="300002")
        assert status["result"]["outcomes"][0]["status"] == "already_registered"
        assert len(staff_rows(employer)) == 1

    def test_no_document_waits_for_an_officer(self, client, employer):
        """Name and household address without a document: pending review, as by SMS."""
        headers = log_in(client, employer, EMPLOYER)
        status = hire(client, employer, headers, name="王小明", document_type="none", document_number=None,
                      hukou_address="福建省莆田市荔城区")
        assert status["result"]["outcomes"][0]["status"] == "pending_review"
        assert [r.status for r in staff_rows(employer)] == ["pending_review"]

    def test_a_wrong_check_digit_is_a_422_with_the_sms_code(self, client, employer):
        headers = log_in(client, employer, EMPLOYER)
        response = client.post("/api/v1/staff", headers=headers,
                               json={"name": "张三", "document_number": ID_A[:-1] + "9", "site": "300001"})
        assert response.status_code == 422 and response.mimetype == "application/problem+json"
        assert staff_rows(employer) == []


class TestAttacks:
    def test_a_landlords_token_cannot_reach_staff(self, client, employer):
        """Every staff endpoint answers a landlord's token 403 wrong_declarant_kind, and nothing is stored."""
        headers = log_in(client, employer, LANDLORD)
        for response in (client.get("/api/v1/sites", headers=headers), client.get("/api/v1/staff", headers=headers),
                         client.post("/api/v1/staff", headers=headers, json={"name": "张三", "document_number": ID_A}),
                         client.post("/api/v1/staff/12345674/leave", headers=headers, json={})):
            assert response.status_code == 403 and response.mimetype == "application/problem+json"
            assert response.get_json()["type"].endswith("/wrong_declarant_kind")
        drain(employer)
        assert staff_rows(employer) == []

    def test_an_employers_token_cannot_reach_tenants(self, client, employer):
        """The landlords' endpoints answer an employer's token 403 wrong_declarant_kind (`/agents` serves both:
        test_agents_api.py)."""
        headers = log_in(client, employer, EMPLOYER)
        for response in (client.get("/api/v1/properties", headers=headers),
                         client.get("/api/v1/declarations", headers=headers),
                         client.post("/api/v1/declarations", headers=headers,
                                     json={"name": "张三", "document_number": ID_A, "room": "301"})):
            assert response.status_code == 403, response.get_data(as_text=True)
            assert response.get_json()["type"].endswith("/wrong_declarant_kind")

    def test_no_token_is_a_401_not_a_403(self, client, employer):
        response = client.get("/api/v1/staff", headers={"Authorization": "Bearer nothing"})
        assert response.status_code == 401

    def test_another_employers_site_and_receipt_are_not_found(self, client, employer):
        """A site code or receipt of another employer is a 404, as if it did not exist; nothing changes."""
        other_employer(employer)
        mine = log_in(client, employer, EMPLOYER)
        theirs = log_in(client, employer, OTHER_EMPLOYER)
        receipt = hire(client, employer, mine)["result"]["outcomes"][0]["receipt"]
        assert client.post("/api/v1/staff", headers=theirs,
                           json={"name": "李四", "document_number": ID_B, "site": "300001"}).status_code == 404
        assert client.get("/api/v1/staff?site=300001", headers=theirs).status_code == 404
        assert client.post(f"/api/v1/staff/{receipt}/leave", headers=theirs, json={}).status_code == 404
        assert client.get("/api/v1/staff", headers=theirs).get_json()["staff"] == []
        drain(employer)
        assert [r.status for r in staff_rows(employer)] == ["active"]
