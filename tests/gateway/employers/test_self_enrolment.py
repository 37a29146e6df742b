"""Employers ask to be enrolled themselves (`POST /api/v1/enrolments` with `"kind": "employer"`), in the landlords'
queue at /enrolments: an officer approves with a site code and the contact declares staff by `用工`.

On `people`: officers `a` (GL01), `b` (GL02); 100001 (鼓楼区东街12号) is in GL01, so 鼓楼区东街16号 suggests GL01.
"""
from __future__ import annotations

import json

from sqlalchemy import func, select

from store.models import Employer, EmployerContact, EnrolmentRequest, Site
from tests.constants import ID_A, STRANGER
from tests.gateway.employers.conftest import CREDIT_CODE
from tests.gateway.enrolment.test_sms_and_officers import as_officer, requests_of, sent_to
from tests.support import drain, reply_to, row, sms

NEW_CODE = "91110000802100433B"  # valid, enrolled nowhere
BAD_CODE = "91110000802100433C"  # its check character is wrong
SHOWN = NEW_CODE  # a credit code is a public registration: pages show it in full, though it has an ID's shape


def ask(client, credit_code: str = NEW_CODE, phone: str = "13700000000", **fields):
    body = {"kind": "employer", "phone": phone, "name": "榕城物流", "credit_code": credit_code,
            "address": "鼓楼区东街16号", "site_kind": "dormitory", "site_address": "鼓楼区东街18号",
            "alias": "宿舍", "capacity": 20, **fields}
    return client.post("/api/v1/enrolments", json=body)


def employers(rt) -> list[str]:
    with rt.sessions() as session:
        return list(session.scalars(select(Employer.credit_code).order_by(Employer.id)))


def test_approved_in_the_page_then_the_contact_declares_staff(ui, people):
    response = ask(ui)
    assert response.status_code == 202, response.get_data(as_text=True)
    assert response.get_json()["status"] == "pending"
    [request] = requests_of(people, STRANGER)
    assert (request.kind, request.credit_code, request.suggested_precinct.code, request.document_number) == \
        ("employer", NEW_CODE, "GL01", None)
    assert not request.credit_conflict
    assert ask(ui).get_json()["created"] is False  # the same request again: one request

    as_officer(ui, "a")
    listing = ui.get("/enrolments").get_data(as_text=True)
    assert f"/enrolments/{request.id}" in listing and "用工单位" in listing and SHOWN in listing
    page = ui.get(f"/enrolments/{request.id}").get_data(as_text=True)
    assert SHOWN in page and "鼓楼区东街18号" in page and "批准并分配场所编号" in page
    assert 'value="200002"' in page  # the next free code, as for properties
    answer = ui.post(f"/enrolments/{request.id}/approve", data={"property_code": "300010"})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    drain(people)

    assert sent_to(people, STRANGER, "enrolment_decision") == [
        "用工单位注册已通过：榕城物流，场所编号300010。现在可发送“用工 姓名 证件号 @300010”申报员工。"]
    with people.sessions() as session:
        employer = session.scalar(select(Employer).where(Employer.credit_code == NEW_CODE))
        site = session.scalar(select(Site).where(Site.code == "300010"))
        assert (employer.name, employer.address, employer.precinct.code) == ("榕城物流", "鼓楼区东街16号", "GL01")
        assert (site.employer_id, site.kind, site.alias, site.address, site.capacity) == \
            (employer.id, "dormitory", "宿舍", "鼓楼区东街18号", 20)
        assert session.scalar(select(EmployerContact.employer_id).where(EmployerContact.phone == STRANGER)) \
            == employer.id
    assert row(people, EnrolmentRequest, request.id).status == "approved"

    sent = sms(ui, f"用工 张三 {ID_A} @300010", STRANGER)
    drain(people)
    [reply] = reply_to(people, sent.sid)
    assert reply.startswith("已登记 张三 3501**********1238 回执"), reply


def test_a_bad_credit_code_is_a_problem_and_nothing_is_stored(ui, people):
    response = ask(ui, credit_code=BAD_CODE)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["type"].endswith("/bad_credit_code")
    assert [(c["code"], c["field"]) for c in body["codes"]] == [("bad_credit_code", "credit_code")]
    assert ask(ui, alias="12").get_json()["codes"][0]["field"] == "site_alias"  # digits are site codes
    assert ask(ui, site_kind="office").status_code == 422
    assert requests_of(people, STRANGER) == []


def test_a_landlord_still_needs_a_document(ui, people):
    response = ui.post("/api/v1/enrolments", json={"phone": "13700000000", "name": "王房东",
                                                   "address": "鼓楼区东街14号"})
    assert response.status_code == 422 and response.get_json()["codes"][0]["code"] == "missing_id"
    assert requests_of(people, STRANGER) == []


def test_an_enrolled_credit_code_is_flagged_and_never_a_second_employer(ui, employer):
    assert ask(ui, credit_code=CREDIT_CODE).status_code == 202
    [request] = requests_of(employer, STRANGER)
    assert request.credit_conflict
    as_officer(ui, "a")
    assert "信用代码已登记" in ui.get("/enrolments").get_data(as_text=True)
    assert "不会新建第二个单位" in ui.get(f"/enrolments/{request.id}").get_data(as_text=True)
    assert ui.post(f"/enrolments/{request.id}/approve", data={"property_code": "300011"}).status_code == 302
    assert employers(employer) == [CREDIT_CODE]  # the site joined the enrolled employer
    with employer.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Site).join(Employer)
                              .where(Employer.credit_code == CREDIT_CODE)) == 3


def test_a_second_pending_request_for_the_same_code_is_flagged(ui, people):
    ask(ui)
    ask(ui, phone="13700000001")
    first, second = requests_of(people, STRANGER)[0], requests_of(people, "+8613700000001")[0]
    assert (first.credit_conflict, second.credit_conflict) == (False, True)


def test_officer_of_another_precinct_can_neither_see_nor_decide(ui, people):
    """Officer `b` (GL02) attacks a GL01 employer's request by its id: 404 everywhere, nothing enrolled or sent."""
    ask(ui)
    [request] = requests_of(people, STRANGER)
    as_officer(ui, "b")
    assert f"/enrolments/{request.id}" not in ui.get("/enrolments").get_data(as_text=True)
    assert ui.get(f"/enrolments/{request.id}").status_code == 404
    assert ui.post(f"/enrolments/{request.id}/approve",
                   data={"property_code": "300012", "precinct": "GL02"}).status_code == 404
    assert ui.post(f"/enrolments/{request.id}/reject", data={"reason": "no"}).status_code == 404
    assert row(people, EnrolmentRequest, request.id).status == "pending"
    assert employers(people) == [] and sent_to(people, STRANGER, "enrolment_decision") == []


def test_reject_needs_a_reason_and_texts_it(ui, people):
    ask(ui)
    [request] = requests_of(people, STRANGER)
    as_officer(ui, "a")
    assert ui.post(f"/enrolments/{request.id}/reject", data={"reason": " "}).status_code == 422
    assert ui.post(f"/enrolments/{request.id}/reject", data={"reason": "请携营业执照到派出所"}).status_code == 302
    drain(people)
    assert sent_to(people, STRANGER, "enrolment_decision") == [
        "用工单位注册未通过：请携营业执照到派出所。如有疑问请联系辖区派出所。"]
    assert employers(people) == []


def test_the_command_line_lists_and_approves_an_employer(run, ui, people):
    ask(ui)
    [request] = requests_of(people, STRANGER)
    [shown] = [json.loads(line) for line in run("enrolment", "list", "--json").output.splitlines()]
    assert (shown["kind"], shown["credit_code"], shown["credit_conflict"]) == ("employer", NEW_CODE, False)
    assert f"employer {NEW_CODE}" in run("enrolment", "list").output
    done = run("enrolment", "approve", str(request.id), "--precinct", "GL01", "--site-code", "300013")
    assert done.exit_code == 0, done.output
    assert "site 300013 in precinct GL01; the employer was texted" in done.output
    assert employers(people) == [NEW_CODE]
