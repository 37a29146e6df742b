"""The month's figures count Art. 57 actions by the date they were taken, per kind, with the fines' total: in the
live count, the bulletin CSV and HTML, the ranking page and closed months' snapshots (which a backdated action
makes count again)."""
from __future__ import annotations

import csv
import datetime as dt
import io

from sqlalchemy import select

from gateway.stats.report import bulletin_context, bulletin_csv, render_bulletin
from store import stats
from store.models import Employer, Landlord, MonthSnapshot, Precinct, local_time, utcnow
from store.stats import Month, snapshots
from tests.constants import LANDLORD
from tests.gateway.employers.conftest import employer  # noqa: F401  (the fixture)
from tests.support import login


def ids(rt) -> tuple[int, int, int]:
    with rt.sessions() as session:
        return (session.scalar(select(Precinct.id).where(Precinct.code == "GL01")),
                session.scalar(select(Landlord.id).where(Landlord.phone == LANDLORD)),
                session.scalar(select(Employer.id)))


def test_actions_in_the_figures_bulletin_and_snapshots(ui, employer):  # noqa: F811
    rt = employer
    today = local_time(utcnow(), rt.tz).date()
    month = Month(today.year, today.month)
    gl01, landlord, firm = ids(rt)
    login(ui, "a")
    before = (month.first_day - dt.timedelta(days=3)).isoformat()  # last month: closed
    with rt.sessions.begin() as session:  # last month already snapshotted (nothing in it)
        snapshots.take_snapshot(session, month.previous, tz=rt.tz, precinct_ids=[gl01])
    for url, form in ((f"/art57/landlord/{landlord}", {"kind": "warning"}),
                      (f"/art57/landlord/{landlord}", {"kind": "fine", "amount_yuan": "200", "decision_no": "A1"}),
                      (f"/art57/employer/{firm}", {"kind": "fine", "amount_yuan": "1000", "decision_no": "A2"}),
                      (f"/art57/landlord/{landlord}", {"kind": "education", "action_date": before})):
        assert ui.post(url, data=form).status_code == 303

    with rt.sessions() as session:
        [live] = stats.month_figures(session, month, precinct_ids=[gl01], tz=rt.tz)
        ranked = stats.ranking(session, month, precinct_ids=[gl01], tz=rt.tz, max_age=dt.timedelta(0))
    assert (live.art57_actions, live.art57_education, live.art57_warnings, live.art57_fines,
            live.art57_fine_yuan) == (3, 0, 1, 2, 1200)
    [row] = list(csv.DictReader(io.StringIO(bulletin_csv(ranked).lstrip("\ufeff"))))
    assert (row["art57_actions"], row["art57_warnings"], row["art57_fines"], row["art57_fine_yuan"]) == \
        ("3", "1", "2", "1200")
    html = render_bulletin(bulletin_context(ranked, month, dt.datetime(2026, 1, 1)))
    assert "第五十七条处理 <span lang=\"en\">Art. 57 actions</span><b>3</b>" in html and "1200 元" in html

    with rt.sessions() as session:  # the backdated education reached back: last month's snapshot was forgotten
        assert session.scalar(select(MonthSnapshot.id).where(MonthSnapshot.month == str(month.previous))) is None
        [earlier] = snapshots.figures(session, month.previous, precinct_ids=[gl01], tz=rt.tz, today=today)
    assert (earlier.art57_actions, earlier.art57_education) == (1, 1)

    with rt.sessions.begin() as session:  # this month as a snapshot keeps every figure
        snapshots.take_snapshot(session, month, tz=rt.tz, precinct_ids=[gl01], replace=True)
    with rt.sessions() as session:
        [kept] = snapshots.figures(session, month, precinct_ids=[gl01], tz=rt.tz, today=today + dt.timedelta(days=40))
    assert (kept.art57_actions, kept.art57_fines, kept.art57_fine_yuan) == (3, 2, 1200)


def test_ranking_and_precinct_pages_show_them(ui, people):
    gl01, landlord, _ = ids(people)
    login(ui, "a")
    ui.post(f"/art57/landlord/{landlord}", data={"kind": "fine", "amount_yuan": "500", "decision_no": "A3"})
    ranking = ui.get("/stats/ranking").get_data(as_text=True)
    assert "第五十七条处理" in ranking and "1 · ¥500" in ranking
    page = ui.get(f"/stats/precinct/{gl01}").get_data(as_text=True)
    assert 'id="art57-figures">1 ' in page and "(¥500)" in page
