"""The no-document register: the list and its filters, status, duplicate candidates, merge and undo, the
document found, and every attack from another precinct or without a login.

On `people`: officer `a` works GL01 (100001 东街, 100002 西巷), `b` GL02 (200001), `chief` is a supervisor.
"""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from store import declarations as decls
from store.models import AuditEntry, Declaration, Person, PersonMerge, Property
from tests.constants import ID_A, ID_BAD_CHECK
from tests.support import audit_actions, login, row, token

DAY = dt.date(2026, 11, 2)
HUKOU = "福建省莆田市荔城区黄石镇"


def declare(rt, name: str | None, code: str, *, hukou: str | None = HUKOU, room: str = "301", move_in: dt.date = DAY,
            channel: str = "sms", document: tuple[str, str] | None = None) -> int:
    """A declaration as the pipeline stores it; returns the person's id."""
    with rt.sessions.begin() as session:
        prop = session.scalar(select(Property).where(Property.code == code))
        kind, number = document or ("none", None)
        _, decl = decls.register(session, prop=prop, document_type=kind, document_number=number, name=name,
                                 phone=None, room=room, move_in=move_in, late=False, channel=channel, inbound_id=None,
                                 hukou_address=hukou if kind == "none" else None)
        return decl.person_id


def html(client, path: str, status: int = 200) -> str:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == status, (path, response.status_code)
    return response.get_data(as_text=True)


def person_of(rt, decl_id: int) -> int:
    return row(rt, Declaration, decl_id).person_id


def declarations_of(rt, person_id: int) -> list[tuple[int, str]]:
    with rt.sessions() as session:
        return [(d.id, d.status) for d in session.scalars(select(Declaration).where(Declaration.person_id == person_id)
                                                          .order_by(Declaration.id))]


def only_merge(rt) -> int:
    with rt.sessions() as session:
        return session.scalar(select(PersonMerge.id))


@pytest.fixture
def twice(people):
    """王小明 declared by SMS at 100001 and 王晓明 by voice at 100002 (one person); 李四 elsewhere in GL01."""
    sms = declare(people, "王小明", "100001")
    voice = declare(people, "王晓明", "100002", hukou="福建省莆田市荔城区", channel="voice", move_in=DAY + dt.timedelta(days=3))
    other = declare(people, "李四", "100001", hukou="湖南省长沙市岳麓区", room="302")
    gl02 = declare(people, "王小明", "200001")  # a namesake in GL02
    return {"sms": sms, "voice": voice, "other": other, "gl02": gl02}


class TestTheList:
    def test_an_officer_sees_their_precincts_no_document_people_in_chinese(self, ui, twice):
        """Name, hukou, where they live, the declarant and the status; GL02's person is not on GL01's page."""
        login(ui, "a")
        page = html(ui, "/register")
        assert "三无人员信息登记" in page and "王小明" in page and "王晓明" in page and "李四" in page
        assert HUKOU in page and "鼓楼区东街12号" in page and "陈房东" in page and "待核实" in page
        assert f"/register/{twice['gl02']}" not in page
        assert "台江区北路8号" not in page

    def test_the_supervisor_sees_every_precinct(self, ui, twice):
        login(ui, "chief")
        assert f"/register/{twice['gl02']}" in html(ui, "/register")

    def test_filters(self, ui, twice):
        """By status, by part of a name or hukou address, by property."""
        login(ui, "a")
        assert "李四" not in html(ui, "/register?q=莆田") and "王晓明" in html(ui, "/register?q=莆田")
        assert "王晓明" not in html(ui, "/register?property=100001")
        assert "王小明" not in html(ui, "/register?status=verified")
        assert "王小明" in html(ui, "/register?status=pending")
        assert html(ui, "/register?status=nonsense", 400)

    def test_documented_people_are_not_in_the_register(self, ui, people):
        documented = declare(people, "张三", "100001", document=("ric", ID_A))
        login(ui, "a")
        html(ui, f"/register/{documented}", 404)
        assert "张三" not in html(ui, "/register")

    def test_a_person_whose_declarations_ended_has_left(self, ui, people, twice):
        with people.sessions.begin() as session:
            for decl in session.scalars(select(Declaration).where(Declaration.person_id == twice["other"])):
                decls.end([decl], DAY)
        login(ui, "a")
        assert "李四" in html(ui, "/register?status=left")
        assert "已离开" in html(ui, f"/register/{twice['other']}")


class TestStatus:
    def test_verify_is_recorded_and_audited(self, ui, people, twice):
        login(ui, "a")
        assert ui.post(f"/register/{twice['sms']}/verify").status_code == 302
        assert row(people, Person, twice["sms"]).register_state == "verified"
        assert "王小明" in html(ui, "/register?status=verified")
        assert [e.target for e in audit_actions(people, "register_verify")] == [f"person:{twice['sms']}"]

    def test_a_document_found_makes_them_a_documented_person_sealed_and_masked(self, ui, people, twice):
        login(ui, "a")
        response = ui.post(f"/register/{twice['other']}/document",
                           data={"document_type": "ric", "document_number": ID_A})
        assert response.status_code == 302
        person = row(people, Person, twice["other"])
        assert (person.document_type, person.document_number, person.register_state) == ("ric", ID_A, "document_found")
        with people.sessions() as session:
            assert decls.find_person(session, "ric", ID_A).id == twice["other"]  # the blind index is set
            stored = session.connection().exec_driver_sql(
                f"SELECT document_number FROM people WHERE id = {twice['other']}").scalar()
        assert ID_A not in str(stored)
        for path in ("/register?status=document_found", f"/register/{twice['other']}"):
            page = html(ui, path)
            assert "已查获证件" in page and ID_A not in page and "3501**********1238" in page
        entry = audit_actions(people, "register_document_found")[0]
        assert ID_A not in str(entry.detail)

    def test_a_bad_document_is_refused_with_the_declarations_words(self, ui, people, twice):
        login(ui, "a")
        ui.post(f"/register/{twice['other']}/document", data={"document_type": "ric", "document_number": ID_BAD_CHECK})
        assert row(people, Person, twice["other"]).document_type == "none"
        assert "身份证校验位错误" in html(ui, f"/register/{twice['other']}")

    def test_a_document_someone_holds_already_is_a_merge(self, ui, people, twice):
        """The person found is 张三, on record with that ID: the register's record becomes his, undoably."""
        known = declare(people, "张三", "100002", document=("ric", ID_A), room="9")
        login(ui, "a")
        response = ui.post(f"/register/{twice['other']}/document", data={"document_type": "ric", "document_number": ID_A})
        assert response.headers["Location"].endswith(f"/register/{known}")
        assert declarations_of(people, twice["other"]) == []
        assert len(declarations_of(people, known)) == 2
        assert row(people, Person, known).register_state == "document_found"
        merge = audit_actions(people, "merge")[0]
        assert merge.detail["document_found"] is True
        ui.post(f"/register/merges/{merge.detail['merge']}/undo")
        assert len(declarations_of(people, twice["other"])) == 1
        assert row(people, Person, known).register_state is None


class TestCandidates:
    def test_the_same_person_declared_twice_is_suggested_and_a_stranger_is_not(self, ui, twice):
        login(ui, "a")
        page = html(ui, f"/register/{twice['sms']}")
        candidates = page.split("疑似重复", 1)[1]
        assert "王晓明" in candidates and "李四" not in candidates
        assert "并入本记录" in candidates

    def test_another_precincts_namesake_is_never_a_candidate_of_an_officer(self, ui, twice):
        """The GL02 王小明 is as alike as it gets, but not GL01's to see."""
        login(ui, "a")
        assert f"/register/{twice['gl02']}" not in html(ui, f"/register/{twice['sms']}")
        ui.post("/logout")
        login(ui, "chief")
        assert f"/register/{twice['gl02']}" in html(ui, f"/register/{twice['sms']}")


class TestMergeAndUndo:
    def test_merge_moves_the_declarations_and_undo_restores_exactly(self, ui, people, twice):
        before = {pid: declarations_of(people, pid) for pid in (twice["sms"], twice["voice"])}
        login(ui, "a")
        assert ui.post(f"/register/{twice['sms']}/merge", data={"merged": twice["voice"]}).status_code == 302
        assert declarations_of(people, twice["voice"]) == []
        assert sorted(declarations_of(people, twice["sms"])) == sorted(before[twice["sms"]] + before[twice["voice"]])
        assert "王晓明" not in html(ui, "/register")  # an empty record leaves the register; its link leads on
        assert ui.get(f"/register/{twice['voice']}").headers["Location"].endswith(f"/register/{twice['sms']}")
        page = html(ui, f"/register/{twice['sms']}")
        assert "撤销合并" in page and "王晓明" not in page.split("疑似重复", 1)[1]
        merge_id = audit_actions(people, "merge")[0].detail["merge"]
        assert ui.post(f"/register/merges/{merge_id}/undo").status_code == 302
        assert {pid: declarations_of(people, pid) for pid in before} == before
        assert [e.action for e in audit_actions(people) if e.action.startswith("merge")] == ["merge", "merge_undo"]
        ui.post(f"/register/merges/{merge_id}/undo")  # twice: refused, nothing moves
        assert {pid: declarations_of(people, pid) for pid in before} == before
        assert "此合并已撤销" in html(ui, f"/register/{twice['sms']}")

    def test_a_duplicate_active_declaration_is_cancelled_by_the_merge_and_restored_by_the_undo(self, ui, people):
        """Both records were accepted at 100001: one person may be active there once (a unique index)."""
        first, second = declare(people, "王小明", "100001"), declare(people, "王小明", "100001", channel="voice")
        with people.sessions.begin() as session:
            for decl in session.scalars(select(Declaration)):
                decls.activate(session, decl)
        before = {pid: declarations_of(people, pid) for pid in (first, second)}
        assert all(status == "active" for ds in before.values() for _, status in ds)
        login(ui, "a")
        ui.post(f"/register/{first}/merge", data={"merged": second})
        assert sorted(s for _, s in declarations_of(people, first)) == ["active", "cancelled"]
        ui.post(f"/register/merges/{only_merge(people)}/undo")
        assert {pid: declarations_of(people, pid) for pid in before} == before

    def test_merge_keeps_a_name_only_the_duplicate_had(self, ui, people):
        """A voice claim stored no name; the landlord's SMS did."""
        nameless, named = declare(people, None, "100001"), declare(people, "王小明", "100002")
        login(ui, "a")
        ui.post(f"/register/{nameless}/merge", data={"merged": named})
        assert row(people, Person, nameless).name == "王小明"
        ui.post(f"/register/merges/{only_merge(people)}/undo")
        assert row(people, Person, nameless).name is None

    def test_two_documented_people_are_never_merged(self, ui, people, twice):
        documented = declare(people, "王小明", "100002", document=("ric", ID_A))
        login(ui, "chief")
        ui.post(f"/register/{twice['sms']}/merge", data={"merged": documented})  # not in the register: 404
        ui.post(f"/register/{twice['sms']}/merge", data={"merged": twice["sms"]})
        assert "不能与自己合并" in html(ui, f"/register/{twice['sms']}")
        ui.post(f"/register/{twice['other']}/document", data={"document_type": "passport", "document_number": "E1234567"})
        ui.post(f"/register/{twice['sms']}/merge", data={"merged": twice["other"]})  # found since: has a document
        assert "证件不同即为不同的人" in html(ui, f"/register/{twice['sms']}")
        assert len(declarations_of(people, twice["sms"])) == 1 and len(declarations_of(people, documented)) == 1
        assert len(declarations_of(people, twice["other"])) == 1
        assert audit_actions(people, "merge") == []


class TestAttacks:
    def test_another_precincts_officer_gets_404_everywhere(self, ui, people, twice):
        """`b` (GL02) guesses GL01's ids: the person, candidates, verify, document, merge and undo all 404."""
        login(ui, "a")
        ui.post(f"/register/{twice['sms']}/merge", data={"merged": twice["voice"]})
        merge_id = audit_actions(people, "merge")[0].detail["merge"]
        ui.post("/logout")
        login(ui, "b")
        html(ui, f"/register/{twice['sms']}", 404)
        html(ui, f"/register/{twice['voice']}", 404)  # the merged record does not lead on to GL01's person
        for path, data in ((f"/register/{twice['sms']}/verify", {}),
                           (f"/register/{twice['other']}/document", {"document_type": "ric", "document_number": ID_A}),
                           (f"/register/{twice['sms']}/merge", {"merged": twice["other"]}),
                           (f"/register/{twice['gl02']}/merge", {"merged": twice["other"]}),
                           (f"/register/merges/{merge_id}/undo", {})):
            assert ui.post(path, data=data).status_code == 404, path
        assert row(people, Person, twice["sms"]).register_state is None
        assert row(people, Person, twice["other"]).document_type == "none"
        assert row(people, PersonMerge, merge_id).undone_at is None
        assert declarations_of(people, twice["gl02"]) and len(declarations_of(people, twice["sms"])) == 2
        assert {e.action for e in audit_actions(people)} <= {"merge"}

    def test_anonymous_is_sent_to_the_login(self, client, people, twice):
        for path in ("/register", f"/register/{twice['sms']}"):
            response = client.get(path)
            assert response.status_code == 302 and "/login" in response.headers["Location"]
        response = client.post(f"/register/{twice['sms']}/verify", data={"csrf_token": token(client)})
        assert response.status_code == 302 and "/login" in response.headers["Location"]
        assert row(people, Person, twice["sms"]).register_state is None

    def test_every_post_needs_the_csrf_token(self, client, people, twice):
        """A page on another site posting in a logged-in officer's name is refused."""
        login(client, "a")
        for path, data in ((f"/register/{twice['sms']}/verify", {}),
                           (f"/register/{twice['sms']}/merge", {"merged": twice["voice"]}),
                           (f"/register/{twice['other']}/document", {"document_type": "ric", "document_number": ID_A})):
            assert client.post(path, data=data).status_code == 400, path
        assert row(people, Person, twice["sms"]).register_state is None
        assert len(declarations_of(people, twice["voice"])) == 1
        with people.sessions() as session:
            assert session.scalar(select(AuditEntry.id).where(AuditEntry.action.like("register%"))) is None


def test_the_register_reads_at_phone_width_markup(ui, twice):
    """Its tables become cards on a phone, like the queue's (officer.css does the rest at 390 px)."""
    login(ui, "a")
    assert '<table class="cards register">' in html(ui, "/register")
    assert '<table class="cards candidates">' in html(ui, f"/register/{twice['sms']}")


class TestWords:
    def test_every_status_has_words_in_both_languages(self):
        from gateway.i18n.codes import REGISTER_STATES
        from store.states import RegisterState

        assert set(REGISTER_STATES) == set(RegisterState)
        assert all(w.zh and w.en for w in REGISTER_STATES.values())

    def test_no_code_shows_on_the_register_in_chinese(self, ui, people, twice):
        """Every status on the list and on a person's page, candidates and a merge: words, never codes."""
        from tests.gateway.officer.test_zh_pages import leaked

        login(ui, "chief")
        ui.post(f"/register/{twice['sms']}/verify")
        ui.post(f"/register/{twice['other']}/document", data={"document_type": "passport", "document_number": "E1234567"})
        with people.sessions.begin() as session:
            decls.end(list(session.scalars(select(Declaration).where(Declaration.person_id == twice["gl02"]))), DAY)
        ui.post(f"/register/{twice['sms']}/merge", data={"merged": twice["voice"]})
        ui.post(f"/register/{twice['sms']}/merge", data={"merged": twice["sms"]})  # an error flashed on the page
        paths = ["/register", "/register?status=left", f"/register/{twice['sms']}", f"/register/{twice['other']}",
                 f"/register/{twice['gl02']}", "/audit"]
        pages = {path: html(ui, path) for path in paths}
        assert "已核实" in pages["/register"] and "已离开" in pages["/register"] and "已查获证件" in pages["/register"]
        assert "合并人员记录" in pages["/audit"] and "无证人员已核实" in pages["/audit"]
        assert {path: found for path, page in pages.items() if (found := leaked(page))} == {}


def test_moving_another_precincts_declarations_needs_a_supervisor(ui, people, twice):
    """The supervisor merged GL02's 王小明 into GL01's: officer `a` sees the result but may neither undo it nor
    merge it on, since either moves a GL02 declaration (403, saying why); nothing changes."""
    login(ui, "chief")
    ui.post(f"/register/{twice['sms']}/merge", data={"merged": twice["gl02"]})
    merge_id = only_merge(people)
    ui.post("/logout")
    login(ui, "a")
    before = declarations_of(people, twice["sms"])
    response = ui.post(f"/register/merges/{merge_id}/undo", headers={"Accept": "text/html"})
    assert response.status_code == 403 and "须由主管操作" in response.get_data(as_text=True)
    assert ui.post(f"/register/{twice['voice']}/merge", data={"merged": twice["sms"]}).status_code == 403
    assert declarations_of(people, twice["sms"]) == before and row(people, PersonMerge, merge_id).undone_at is None
    assert len(declarations_of(people, twice["voice"])) == 1
