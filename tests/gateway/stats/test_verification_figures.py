"""The bulletin's verification figures: drawn, checked and errors per station in the CSV, the verified share
and the error rate in its HTML; a closed month's snapshot keeps them and a later mark updates them; the
draw command and the workers' refresh put the month that ended on the list once."""
from __future__ import annotations

import csv
import datetime as dt
import io

from sqlalchemy import func, select

from gateway.stats.report import bulletin_context, bulletin_csv, render_bulletin
from store import stats, verification
from store.models import Officer, Precinct, VerificationItem
from tests.store.test_verification import MONTH, clean, declare, enrol_employers, hire


def gl01(rt) -> int:
    with rt.sessions() as session:
        return session.scalar(select(Precinct.id).where(Precinct.code == "GL01"))


def mark(rt, item_id: int, finding: str) -> None:
    with rt.sessions.begin() as session:
        officer = session.scalar(select(Officer).where(Officer.username == "a"))
        verification.mark(session, officer.id, session.get(VerificationItem, item_id), finding,
                          "" if finding == "verified" else "n", name="新名" if finding == "corrected" else None)


def test_staff_items_are_in_the_stations_bulletin_figures(rt, people, closed_up_to):
    """Two no-document staff of 闽江建设 (GL01) drawn with the station's one sampled tenant; one found gone."""
    enrol_employers(people)
    clean(people, "100001", 20)
    gone = hire(people, "300002", "n1")
    hire(people, "300002", "n2")
    with rt.sessions.begin() as session:
        assert verification.draw(session, MONTH, percent=5) == 3
        item_id = session.scalar(select(VerificationItem.id).where(VerificationItem.staff_declaration_id == gone))
    mark(rt, item_id, "not_found")
    closed_up_to(MONTH)
    with rt.sessions.begin() as session:
        ranked = stats.ranking(session, MONTH, precinct_ids=[gl01(rt)])
    row = next(csv.DictReader(io.StringIO(bulletin_csv(ranked).lstrip("\ufeff"))))
    assert (row["verification_drawn"], row["verified"], row["verification_errors"]) == ("3", "1", "1")


def test_the_bulletin_shows_the_verified_share_and_the_error_rate(rt, people, closed_up_to):
    clean(people, "100001", 20)
    for i in range(3):
        declare(people, "100002", f"n{i}")  # no document: always drawn
    with rt.sessions.begin() as session:
        assert verification.draw(session, MONTH, percent=5) == 4
        ids = list(session.scalars(select(VerificationItem.id).order_by(VerificationItem.id)))
    mark(rt, ids[0], "verified")
    mark(rt, ids[1], "corrected")
    closed_up_to(MONTH)
    with rt.sessions.begin() as session:  # the closed month is snapshotted with the counts
        ranked = stats.ranking(session, MONTH, precinct_ids=[gl01(rt)])
    row = next(csv.DictReader(io.StringIO(bulletin_csv(ranked).lstrip("\ufeff"))))
    assert (row["verification_drawn"], row["verified"], row["verification_errors"]) == ("4", "2", "1")
    assert (row["verified_share"], row["verification_error_rate"]) == ("0.5000", "0.5000")
    with rt.sessions() as session:
        assert session.scalar(select(func.sum(stats.MonthSnapshot.verified))) == 2
    mark(rt, ids[2], "not_found")  # a mark after the month closed is counted in its figures
    with rt.sessions.begin() as session:
        ranked = stats.ranking(session, MONTH, precinct_ids=[gl01(rt)])
    [line] = ranked
    assert (line.figures.verified, line.figures.verification_errors) == (3, 2)
    page = render_bulletin(bulletin_context(ranked, MONTH, dt.datetime(2026, 11, 2)))
    assert "已核实比例" in page and "75.0 %" in page and "66.7 %" in page

