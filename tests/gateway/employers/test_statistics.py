"""Employers in the statistics (issue #16): lodgers are residents, counted once; the employers' own figures in the
month, its snapshot, the precinct page and `declgate report monthly` — all from staff declared by SMS."""
from __future__ import annotations

import csv
import datetime as dt

from sqlalchemy import select

from store import stats
from store.models import GatewayFact, MonthSnapshot, Precinct, StaffDeclaration
from store.stats import Month, snapshots
from tests.constants import ID_A, ID_B, ID_C, ID_X, LANDLORD, OTHER_LANDLORD, PASSWORD
from tests.gateway.employers.conftest import EMPLOYER
from tests.support import drain, login, sms


def text(client, rt, *messages: tuple[str, str]) -> None:
    for body, sender in messages:
        sms(client, body, sender)
    drain(rt)


def this_month(rt) -> tuple[dt.date, Month]:
    today = dt.datetime.now(rt.tz).date()
    return today, Month(today.year, today.month)


def gl(rt, code: str) -> int:
    with rt.sessions() as session:
        return session.scalar(select(Precinct.id).where(Precinct.code == code))


def declare_everyone(client, rt) -> None:
    """GL01: 张三 works at the building site (no lodging) and rents 东街 301; 王五 lodges in the dormitory and rents
    a flat in GL02 too; 赵六 only lodges; 李四 started ten days ago and was declared today (late)."""
    with rt.sessions.begin() as session:  # the campaign began long ago: a ten-day-old start is late, not backlog
        session.merge(GatewayFact(key="created_on", value="2000-01-01"))
    today, _ = this_month(rt)
    started = (today - dt.timedelta(days=10)).isoformat()
    text(client, rt,
         (f"用工 张三 {ID_A} @工地; 王五 {ID_C} 宿舍 @宿舍楼 101; 赵六 {ID_X} 宿舍 @宿舍楼 102", EMPLOYER),
         (f"用工 李四 {ID_B} @工地 {started}", EMPLOYER),
         (f"登记 张三 {ID_A} 301 @东街", LANDLORD),
         (f"登记 王五 {ID_C}", OTHER_LANDLORD))


def test_lodgers_are_residents_once_and_the_employers_figures_count(client, employer):
    declare_everyone(client, employer)
    _, month = this_month(employer)
    gl01, gl02 = gl(employer, "GL01"), gl(employer, "GL02")
    with employer.sessions() as session:
        assert [d.lodger for d in session.scalars(select(StaffDeclaration).order_by(StaffDeclaration.id))] == [
            False, True, True, False]
        one, two = stats.month_figures(session, month, precinct_ids=[gl01, gl02], tz=employer.tz)
    # GL01: the tenant 张三 and the lodger 赵六; 王五 lodges here but is a tenant in GL02, so counts there only;
    # 李四 works without lodging: not a resident.
    assert (one.new_declarations, one.active_residents) == (1, 2)
    assert (two.new_declarations, two.active_residents) == (1, 1)
    assert (one.employers_enrolled, one.staff_declared, one.staff_active, one.lodgers_active,
            one.late_staff_declarations) == (1, 4, 4, 2, 1)
    assert (two.employers_enrolled, two.staff_declared, two.lodgers_active) == (0, 0, 0)
    assert one.late_declarations == 0  # the tenants' late figure stays the tenants'

    text(client, employer, (f"退租 {ID_C}", OTHER_LANDLORD))  # 王五 moves out of the flat: now a resident as a lodger
    with employer.sessions() as session:
        one, two = stats.month_figures(session, month, precinct_ids=[gl01, gl02], tz=employer.tz)
    assert (one.active_residents, two.active_residents) == (3, 0)
    text(client, employer, (f"离职 {ID_X}", EMPLOYER))  # 赵六 leaves the employer, and the dormitory with it
    with employer.sessions() as session:
        [one] = stats.month_figures(session, month, precinct_ids=[gl01], tz=employer.tz)
    assert (one.active_residents, one.staff_active, one.lodgers_active, one.staff_declared) == (2, 3, 1, 4)


def test_the_snapshot_keeps_the_employers_figures_and_a_staff_change_back_then_forgets_it(client, employer):
    declare_everyone(client, employer)
    today, month = this_month(employer)
    gl01 = gl(employer, "GL01")
    with employer.sessions.begin() as session:
        snapshots.take_snapshot(session, month, tz=employer.tz, precinct_ids=[gl01], replace=True)
    with employer.sessions() as session:
        [kept] = snapshots.figures(session, month, precinct_ids=[gl01], tz=employer.tz,
                                   today=today + dt.timedelta(days=40))
    assert (kept.active_residents, kept.employers_enrolled, kept.staff_declared, kept.staff_active,
            kept.lodgers_active, kept.late_staff_declarations) == (2, 1, 4, 4, 2, 1)
    with employer.sessions.begin() as session:  # a staff declaration ended back in a month that has closed
        decl = session.scalar(select(StaffDeclaration).where(StaffDeclaration.lodger.is_(True)))
        decl.status, decl.end = "ended", dt.date(2020, 1, 31)
    with employer.sessions() as session:
        assert session.scalar(select(MonthSnapshot.id)) is None


def test_report_monthly_and_the_pages_show_them(client, employer, run, tmp_path):
    declare_everyone(client, employer)
    _, month = this_month(employer)
    result = run("report", "monthly", "--month", str(month), "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    with (tmp_path / f"bulletin-{month}.csv").open(encoding="utf-8-sig") as fh:
        rows = {r["precinct_code"]: r for r in csv.DictReader(fh)}
    assert {k: rows["GL01"][k] for k in ("active_residents", "employers_enrolled", "staff_declared", "staff_active",
                                         "lodgers_active", "late_staff_declarations")} == {
        "active_residents": "2", "employers_enrolled": "1", "staff_declared": "4", "staff_active": "4",
        "lodgers_active": "2", "late_staff_declarations": "1"}
    html = (tmp_path / f"bulletin-{month}.html").read_text(encoding="utf-8")
    assert "用工单位 <span lang=\"en\">Employers</span><b>1</b>" in html and "住宿 <span lang=\"en\">lodgers</span> 2" in html

    login(client, "a", PASSWORD)
    page = client.get(f"/stats/precinct/{gl(employer, 'GL01')}?month={month}").get_data(as_text=True)
    assert 'data-figure="employers">1 <small class="muted">' in page
    assert "住宿 2" in page or "lodgers 2" in page
