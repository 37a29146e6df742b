"""Art. 57 actions from the follow-up list: each kind recorded through the page, the form's errors, scope and
roles (the attacks), open/actioned, and employers whose staff were declared late beside the landlords."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from store.models import Art57Action, Employer, Landlord, StaffDeclaration, local_time, utcnow
from store.officers import add_officer
from tests.constants import ID_A, ID_B, LANDLORD, PASSWORD
from tests.gateway.employers.conftest import EMPLOYER, employer  # noqa: F401  (the fixture)
from tests.support import audit_actions, login, sms, drain


def today(rt) -> dt.date:
    return local_time(utcnow(), rt.tz).date()


def month(rt) -> str:
    return today(rt).strftime("%Y-%m")


def landlord_id(rt, phone: str = LANDLORD) -> int:
    with rt.sessions() as session:
        return session.scalar(select(Landlord.id).where(Landlord.phone == phone))


def employer_id(rt) -> int:
    with rt.sessions() as session:
        return session.scalar(select(Employer.id))


def actions(rt) -> list[tuple[str, int | None, str | None]]:
    with rt.sessions() as session:
        return [(a.kind, a.amount_yuan, a.decision_no)
                for a in session.scalars(select(Art57Action).order_by(Art57Action.id))]


def declare_late(ui, rt, document: str = ID_A, room: str = "301") -> None:
    """The landlord declares a tenant who moved in 20 days ago: a late declaration."""
    moved_in = (today(rt) - dt.timedelta(days=20)).isoformat()
    assert sms(ui, f"登记 张三 {document} {room} {moved_in} @东街", LANDLORD).status_code == 200
    drain(rt)


def follow_up(ui, rt, status: str = "") -> str:
    return ui.get(f"/stats/follow-up?month={month(rt)}&status={status}").get_data(as_text=True)


class TestRecording:
    def test_each_kind_through_the_page(self, ui, people):
        """Education, a warning and a fine are recorded by the officer, shown newest first on the landlord's
        page and audited; the fine keeps its amount and decision number."""
        login(ui, "a")
        ident = landlord_id(people)
        url = f"/art57/landlord/{ident}"
        assert ui.get(url).status_code == 200
        for form in ({"kind": "education", "note": "上门宣传"}, {"kind": "warning"},
                     {"kind": "fine", "amount_yuan": "200", "decision_no": "榕鼓公(东)行罚决字〔2026〕12号"}):
            response = ui.post(url, data={"action_date": today(people).isoformat(), **form})
            assert response.status_code == 303, response.get_data(as_text=True)
        assert actions(people) == [("education", None, None), ("warning", None, None),
                                   ("fine", 200, "榕鼓公(东)行罚决字〔2026〕12号")]
        page = ui.get(f"/landlords/{ident}").get_data(as_text=True)
        assert "上门宣传" in page and "榕鼓公(东)行罚决字〔2026〕12号" in page
        assert page.index("罚款") < page.index("警告") < page.index("教育")  # newest first (same day: by id)
        entries = audit_actions(people, "art57_action")
        assert [e.detail["kind"] for e in entries] == ["education", "warning", "fine"]
        assert all(e.officer.username == "a" and e.target == f"landlord:{ident}" for e in entries)

    def test_date_defaults_to_today(self, ui, people):
        login(ui, "a")
        assert ui.post(f"/art57/landlord/{landlord_id(people)}", data={"kind": "warning"}).status_code == 303
        with people.sessions() as session:
            assert session.scalar(select(Art57Action.action_date)) == today(people)


class TestValidation:
    def test_fine_without_amount_or_decision_number(self, ui, people):
        """Both are named in the page's errors, the form keeps what was typed, and nothing is stored."""
        login(ui, "a")
        response = ui.post(f"/art57/landlord/{landlord_id(people)}", data={"kind": "fine", "note": "拒不申报"})
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "罚款须填写金额（元）" in html and "罚款须填写决定书文号" in html and "拒不申报" in html
        assert 'name="amount_yuan" inputmode="numeric" value="" aria-invalid="true"' in html
        assert actions(people) == []

    def test_bad_amount(self, ui, people):
        login(ui, "a")
        response = ui.post(f"/art57/landlord/{landlord_id(people)}",
                           data={"kind": "fine", "amount_yuan": "-5", "decision_no": "X1"})
        assert response.status_code == 422 and "罚款金额应为正整数" in response.get_data(as_text=True)
        assert actions(people) == []

    def test_future_date(self, ui, people):
        login(ui, "a")
        tomorrow = (today(people) + dt.timedelta(days=1)).isoformat()
        response = ui.post(f"/art57/landlord/{landlord_id(people)}", data={"kind": "warning", "action_date": tomorrow})
        assert response.status_code == 422 and "处理日期不能晚于今天" in response.get_data(as_text=True)
        assert actions(people) == []

    def test_unknown_kind(self, ui, people):
        login(ui, "a")
        response = ui.post(f"/art57/landlord/{landlord_id(people)}", data={"kind": "detention"})
        assert response.status_code == 422 and actions(people) == []

    def test_a_fine_is_stored_with_its_own_fields_only(self, ui, people):
        """A warning sent with a leftover amount and decision number keeps neither."""
        login(ui, "a")
        ui.post(f"/art57/landlord/{landlord_id(people)}", data={"kind": "warning", "amount_yuan": "100",
                                                                "decision_no": "X"})
        assert actions(people) == [("warning", None, None)]


class TestScope:
    def test_other_station_officer_gets_404(self, ui, people):
        """Officer b (GL02) can neither see nor record an action on a GL01 landlord."""
        login(ui, "b")
        url = f"/art57/landlord/{landlord_id(people)}"
        assert ui.get(url).status_code == 404
        assert ui.post(url, data={"kind": "warning"}).status_code == 404
        assert actions(people) == [] and audit_actions(people, "art57_action") == []

    def test_other_station_employer_gets_404(self, ui, employer):  # noqa: F811
        login(ui, "b")
        url = f"/art57/employer/{employer_id(employer)}"
        assert ui.get(url).status_code == 404
        assert ui.post(url, data={"kind": "fine", "amount_yuan": "500", "decision_no": "X"}).status_code == 404
        assert actions(employer) == []

    def test_assistant_sees_the_history_but_cannot_record(self, ui, people):
        with people.sessions.begin() as session:
            add_officer(session, "helper", PASSWORD, "GL01", "assistant")
        login(ui, "a")
        url = f"/art57/landlord/{landlord_id(people)}"
        ui.post(url, data={"kind": "education", "note": "宣传"})
        ui.post("/logout")
        login(ui, "helper")
        page = ui.get(url)
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and "宣传" in html and 'id="art57-form"' not in html
        assert ui.post(url, data={"kind": "warning"}).status_code == 403
        assert actions(people) == [("education", None, None)]


class TestOpenOrActioned:
    def test_open_until_actioned_then_open_again_on_a_new_late_declaration(self, ui, people):
        login(ui, "a")
        declare_late(ui, people)
        assert "陈房东" in follow_up(ui, people, "open") and "陈房东" not in follow_up(ui, people, "actioned")
        ui.post(f"/art57/landlord/{landlord_id(people)}", data={"kind": "warning"})
        assert "陈房东" not in follow_up(ui, people, "open")
        actioned = follow_up(ui, people, "actioned")
        assert "陈房东" in actioned and "最近处理：警告" in actioned
        declare_late(ui, people, ID_B, "302")  # late again after the warning
        assert "陈房东" in follow_up(ui, people, "open") and "陈房东" not in follow_up(ui, people, "actioned")
        assert "陈房东" in follow_up(ui, people)  # no filter: both


class TestEmployers:
    def test_late_staff_put_the_employer_on_the_list_and_an_action_closes_it(self, ui, employer):  # noqa: F811
        started = (today(employer) - dt.timedelta(days=20)).isoformat()
        sms(ui, f"用工 张三 {ID_A} @工地 {started}", EMPLOYER)
        sms(ui, f"用工 李四 {ID_B} @工地", EMPLOYER)  # on time
        drain(employer)
        with employer.sessions() as session:
            assert sorted(session.scalars(select(StaffDeclaration.late))) == [False, True]
        login(ui, "a")
        html = follow_up(ui, employer, "open")
        assert "闽江建设" in html and "用工单位" in html and 'data-employer=' in html
        ident = employer_id(employer)
        response = ui.post(f"/art57/employer/{ident}",
                           data={"kind": "fine", "amount_yuan": "1000", "decision_no": "榕公决字〔2026〕3号"})
        assert response.status_code == 303
        assert "闽江建设" not in follow_up(ui, employer, "open") and "闽江建设" in follow_up(ui, employer, "actioned")
        assert "榕公决字〔2026〕3号" in ui.get(f"/employers/{ident}").get_data(as_text=True)
        with employer.sessions() as session:
            assert session.scalar(select(func.count()).select_from(Art57Action)
                                  .where(Art57Action.employer_id == ident)) == 1

    def test_other_station_does_not_see_the_employer(self, ui, employer):  # noqa: F811
        started = (today(employer) - dt.timedelta(days=20)).isoformat()
        sms(ui, f"用工 张三 {ID_A} @工地 {started}", EMPLOYER)
        drain(employer)
        login(ui, "b")
        assert "闽江建设" not in follow_up(ui, employer)
