"""The verification pages: a landlord's SMS with an unknown region code lands on the list, and an officer marks
it through the real forms (verified, corrected with the register changed, not found with or without ending
it); every attack from another station, an assistant or a forged form. Employers' staff declarations drawn
the same way show the employer, the site and the room, and are marked through the same forms.

On `people`: officer `a` works GL01 (100001, 100002), `b` GL02 (200001), `chief` is a supervisor. Staff:
闽江建设 (GL01) has the dormitory 300002, 台江物流 (GL02) the workplace 300009 on GL01's 东街.
"""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from store import verification
from store.models import Declaration, Person, StaffDeclaration, VerificationItem, utcnow
from store.officers import add_officer
from store.stats import Month
from tests.constants import ID_A, LANDLORD, OTHER_LANDLORD, PASSWORD
from tests.store.test_verification import enrol_employers, hire
from tests.support import audit_actions, login, row, texted, token

ID81 = "810000199001011230"  # valid check digit, region code missing from the table: region_unknown


def draw_now(rt) -> None:
    with rt.sessions.begin() as session:
        verification.draw(session, Month.of(dt.datetime.now(rt.tz).date()), percent=0)


def item_of(rt, receipt_name: str) -> VerificationItem:
    with rt.sessions() as session:
        return session.scalar(select(VerificationItem).join(Declaration).join(Person)
                              .where(Person.name == receipt_name))


@pytest.fixture
def drawn(ui, people):
    """张三 (ID with an unknown region) at 100001 in GL01, 李四 with no document at 200001 in GL02: both drawn."""
    texted(ui, people, f"登记 张三 {ID81} 301 @100001", LANDLORD)
    texted(ui, people, "登记 李四 无证 户籍福建省莆田市荔城区", OTHER_LANDLORD)
    draw_now(people)
    with people.sessions.begin() as session:
        add_officer(session, "helper", PASSWORD, "GL01", "assistant")
    return {"gl01": item_of(people, "张三"), "gl02": item_of(people, "李四")}


def html(client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return response.get_data(as_text=True)


class TestTheList:
    def test_an_officer_sees_their_station_with_ids_masked(self, ui, drawn):
        login(ui, "a")
        page = html(ui, "/verification")
        assert "张三" in page and "8100**********1230" in page and ID81 not in page
        assert "地区码未知" in page and "李四" not in page

    def test_the_supervisor_filters_by_station_and_state(self, ui, drawn, people):
        login(ui, "chief")
        assert "张三" in html(ui, "/verification") and "李四" in html(ui, "/verification")
        only_gl02 = html(ui, f"/verification?precinct={drawn['gl02'].precinct_id}")
        assert "李四" in only_gl02 and "张三" not in only_gl02
        assert "张三" not in html(ui, "/verification?state=done")
        assert "张三" not in html(ui, "/verification?month=2025-01")

    def test_an_assistant_never_sees_a_full_id(self, ui, drawn):
        login(ui, "helper")
        for path in ("/verification", f"/verification/{drawn['gl01'].id}"):
            page = html(ui, path)
            assert "张三" in page and ID81 not in page and "8100**********1230" in page


class TestMarks:
    def test_verified_needs_no_note_and_is_audited(self, client, drawn, people):
        """Through the real form, CSRF token and all."""
        login(client, "a")
        item = drawn["gl01"]
        response = client.post(f"/verification/{item.id}/mark", data={"mark": "verified", "note": "",
                                                                       "csrf_token": token(client)})
        assert response.status_code == 302
        assert row(people, VerificationItem, item.id).mark == "verified"
        [entry] = audit_actions(people, "verification_mark")
        assert entry.officer.username == "a" and entry.detail["mark"] == "verified"
        assert "张三" in html(client, "/verification?state=done")

    def test_a_form_without_the_csrf_token_is_refused(self, client, drawn, people):
        login(client, "a")
        response = client.post(f"/verification/{drawn['gl01'].id}/mark", data={"mark": "verified"})
        assert response.status_code == 400
        assert row(people, VerificationItem, drawn["gl01"].id).mark is None

    def test_corrected_changes_the_register_and_needs_a_note(self, ui, drawn, people):
        login(ui, "a")
        item = drawn["gl01"]
        ui.post(f"/verification/{item.id}/mark", data={"mark": "corrected", "name": "张山", "room": "302"})
        assert row(people, VerificationItem, item.id).mark is None  # no note: refused
        assert "备注" in html(ui, f"/verification/{item.id}")
        ui.post(f"/verification/{item.id}/mark", data={"mark": "corrected", "name": "张山", "room": "302",
                                                        "note": "门牌上写的是张山"})
        decl = row(people, Declaration, item.declaration_id)
        assert decl.room == "302" and row(people, Person, decl.person_id).name == "张山"
        assert row(people, VerificationItem, item.id).mark == "corrected"
        [entry] = audit_actions(people, "verification_mark")
        assert entry.detail["changes"] == {"name": ["张三", "张山"], "room": ["301", "302"]}

    def test_not_found_leaves_the_declaration_standing_unless_the_officer_ends_it(self, ui, drawn, people):
        texted(ui, people, f"登记 王五 {ID_A} 5 @100002", LANDLORD)
        with people.sessions.begin() as session:  # a re-run at 100 % adds the clean one, nothing twice
            assert verification.draw(session, Month.of(dt.datetime.now(people.tz).date()), percent=100) == 1
        login(ui, "chief")
        kept, ended, pending = drawn["gl01"], item_of(people, "王五"), drawn["gl02"]
        ui.post(f"/verification/{kept.id}/mark", data={"mark": "not_found", "note": "房东说已搬走"})
        assert row(people, Declaration, kept.declaration_id).status == "active"
        ui.post(f"/verification/{ended.id}/mark", data={"mark": "not_found", "note": "空房", "end": "1"})
        decl = row(people, Declaration, ended.declaration_id)
        assert decl.status == "ended" and decl.move_out is not None
        assert [e.detail.get("ended") for e in audit_actions(people, "verification_mark")] == [None, True]
        # A declaration still waiting for review is not ended from here: the item stays open, with why.
        ui.post(f"/verification/{pending.id}/mark", data={"mark": "not_found", "note": "空房", "end": "1"})
        assert row(people, VerificationItem, pending.id).mark is None
        assert "无需注销" in html(ui, f"/verification/{pending.id}")


class TestAttacks:
    def test_another_stations_officer_gets_404_for_the_item_and_its_form(self, ui, drawn, people):
        login(ui, "b")
        item = drawn["gl01"]
        assert ui.get(f"/verification/{item.id}").status_code == 404
        assert ui.post(f"/verification/{item.id}/mark", data={"mark": "verified"}).status_code == 404
        assert row(people, VerificationItem, item.id).mark is None
        assert "张三" not in html(ui, f"/verification?precinct={item.precinct_id}")

    def test_nobody_logged_in_is_sent_to_the_login(self, ui, drawn):
        response = ui.get("/verification")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
        assert ui.post(f"/verification/{drawn['gl01'].id}/mark", data={"mark": "verified"}).status_code in (302, 401)

    def test_a_mark_made_is_not_made_again(self, ui, drawn, people):
        login(ui, "a")
        item = drawn["gl01"]
        ui.post(f"/verification/{item.id}/mark", data={"mark": "verified"})
        ui.post(f"/verification/{item.id}/mark", data={"mark": "not_found", "note": "x", "end": "1"})
        assert row(people, VerificationItem, item.id).mark == "verified"
        assert row(people, Declaration, item.declaration_id).status == "active"


def staff_item_of(rt, name: str) -> VerificationItem:
    with rt.sessions() as session:
        return session.scalar(select(VerificationItem).join(StaffDeclaration).join(Person).where(Person.name == name))


@pytest.fixture
def staffed(ui, people):
    """王小明 (ID with an unknown region), lodging at 闽江建设's dormitory 300002 (GL01), and 赵六 (no document) at
    台江物流's workplace 300009 (GL02, though on GL01's 东街): both drawn this month."""
    enrol_employers(people)
    now = utcnow()
    hire(people, "300002", "王小明", document=("ric", ID81), lodger=True, declared_at=now)
    hire(people, "300009", "赵六", declared_at=now)
    hire(people, "300002", "钱七", document=("ric", ID_A), start=dt.date(2020, 1, 1), declared_at=now)
    draw_now(people)
    return {"gl01": staff_item_of(people, "王小明"), "gl02": staff_item_of(people, "赵六"),
            "backlog": staff_item_of(people, "钱七")}


class TestStaffItems:
    def test_the_list_shows_a_staff_item_with_the_employer_the_site_and_the_id_masked(self, ui, staffed):
        login(ui, "a")
        page = html(ui, "/verification")
        assert "王小明" in page and "8100**********1230" in page and ID81 not in page
        assert "闽江建设" in page and "鼓楼区工业路3号" in page and "留宿" in page and "地区码未知" in page
        assert "钱七" in page and "员工" in page and "补登记" in page
        assert "赵六" not in page and "台江物流" not in page

    def test_the_item_shows_what_an_officer_needs_at_the_door(self, ui, staffed, people):
        login(ui, "a")
        item = staffed["gl01"]
        decl = row(people, StaffDeclaration, item.staff_declaration_id)
        page = html(ui, f"/verification/{item.id}")
        assert "王小明" in page and "8100**********1230" in page and ID81 not in page
        assert "闽江建设" in page and "鼓楼区工业路3号 101" in page and "300002" in page and "留宿" in page
        assert decl.start.isoformat() in page and decl.receipt in page
        assert "同时办理离职" in page and "同时注销此申报" not in page

    def test_verified_through_the_real_form(self, client, staffed, people):
        login(client, "a")
        item = staffed["gl01"]
        response = client.post(f"/verification/{item.id}/mark", data={"mark": "verified", "note": "",
                                                                       "csrf_token": token(client)})
        assert response.status_code == 302
        assert row(people, VerificationItem, item.id).mark == "verified"
        [entry] = audit_actions(people, "verification_mark")
        assert entry.detail["staff"] == item.staff_declaration_id and entry.detail["mark"] == "verified"
        assert "王小明" in html(client, "/verification?state=done")

    def test_corrected_changes_the_staff_members_name_and_room(self, ui, staffed, people):
        login(ui, "a")
        item = staffed["gl01"]
        ui.post(f"/verification/{item.id}/mark", data={"mark": "corrected", "name": "王晓明", "room": "102",
                                                        "note": "床头卡写的是王晓明"})
        decl = row(people, StaffDeclaration, item.staff_declaration_id)
        assert decl.room == "102" and row(people, Person, decl.person_id).name == "王晓明"
        assert row(people, VerificationItem, item.id).mark == "corrected"
        [entry] = audit_actions(people, "verification_mark")
        assert entry.detail["changes"] == {"name": ["王小明", "王晓明"], "room": ["101", "102"]}

    def test_not_found_ends_the_staff_declaration_only_when_the_officer_ticks_it(self, ui, staffed, people):
        login(ui, "chief")
        kept, ended, pending = staffed["gl01"], staffed["backlog"], staffed["gl02"]
        ui.post(f"/verification/{kept.id}/mark", data={"mark": "not_found", "note": "宿舍没有此人"})
        assert row(people, StaffDeclaration, kept.staff_declaration_id).status == "active"
        assert row(people, VerificationItem, kept.id).mark == "not_found"
        ui.post(f"/verification/{ended.id}/mark", data={"mark": "not_found", "note": "已离职", "end": "1"})
        decl = row(people, StaffDeclaration, ended.staff_declaration_id)
        assert decl.status == "ended" and decl.end == dt.datetime.now(people.tz).date()
        assert [e.detail.get("ended") for e in audit_actions(people, "verification_mark")] == [None, True]
        # Still waiting for an officer (no document): not ended from here, the item stays open with why.
        ui.post(f"/verification/{pending.id}/mark", data={"mark": "not_found", "note": "空", "end": "1"})
        assert row(people, VerificationItem, pending.id).mark is None
        assert row(people, StaffDeclaration, pending.staff_declaration_id).status == "pending_review"
        assert "无需注销" in html(ui, f"/verification/{pending.id}")


class TestStaffAttacks:
    def test_another_stations_officer_gets_404_for_a_staff_item_and_its_form(self, ui, staffed, people):
        login(ui, "b")
        item = staffed["gl01"]
        assert ui.get(f"/verification/{item.id}").status_code == 404
        for data in ({"mark": "verified"}, {"mark": "not_found", "note": "x", "end": "1"}):
            assert ui.post(f"/verification/{item.id}/mark", data=data).status_code == 404
        assert row(people, VerificationItem, item.id).mark is None
        assert row(people, StaffDeclaration, item.staff_declaration_id).status == "active"
        page = html(ui, f"/verification?precinct={item.precinct_id}")
        assert "王小明" not in page and "闽江建设" not in page

    def test_the_site_on_another_stations_street_does_not_open_the_item_to_it(self, ui, staffed, people):
        """台江物流 is GL02's: GL01's officer does not reach its staff because its site is on GL01's 东街."""
        login(ui, "a")
        item = staffed["gl02"]
        assert ui.get(f"/verification/{item.id}").status_code == 404
        assert ui.post(f"/verification/{item.id}/mark", data={"mark": "verified"}).status_code == 404
        assert row(people, VerificationItem, item.id).mark is None
