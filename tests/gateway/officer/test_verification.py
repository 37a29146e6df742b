"""The verification pages: a landlord's SMS with an unknown region code lands on the list, and an officer marks
it through the real forms (verified, corrected with the register changed, not found with or without ending
it); every attack from another station, an assistant or a forged form.

On `people`: officer `a` works GL01 (100001, 100002), `b` GL02 (200001), `chief` is a supervisor.
"""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from store import verification
from store.models import Declaration, Person, VerificationItem
from store.officers import add_officer
from store.stats import Month
from tests.constants import ID_A, LANDLORD, OTHER_LANDLORD, PASSWORD
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
