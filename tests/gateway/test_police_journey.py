"""The police side of a month, end to end (city → county → station): with the city of 3 counties × 4 stations
imported and March declared (tests/city.py), a county supervisor sees only their county's stations ranked, the
province's bulletin ranks the counties with both 80 % targets marked; then this month a station officer enters a
person found door to door, checks a drawn declaration and records an Art. 57 warning — and each shows up in the
month's figures at station and county level, and an incremental export returns exactly the rows changed since.
"""
from __future__ import annotations

import csv
import datetime as dt
import json

from sqlalchemy import select

from gateway.app import create_app
from store.models import Landlord, VerificationItem, utcnow
from store.stats import Month
from tests.campaign import valid_ric
from tests.city import COUNTY_ORDER, STATION_ORDER
from tests.constants import PASSWORD

FOUND = valid_ric("35010219900101001")  # nobody declared them: the officer finds them at S11's first property


def bulletin(run, tmp_path, month: str, level: str, unit: str | None = None) -> list[dict[str, str]]:
    args = ["report", "monthly", "--month", month, "--level", level, "--out", str(tmp_path)]
    result = run(*args, *(["--unit", unit] if unit else []))
    assert result.exit_code == 0, result.output
    name = f"bulletin-{month}-{level}" + (f"-{unit}" if unit else "") + ".csv"
    with (tmp_path / name).open(encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def test_a_month_of_police_work_reaches_the_ranking_the_bulletin_and_the_export(settings, rt, city, run, tmp_path):
    app = create_app(settings, rt=rt, test_config={"TESTING": True, "WTF_CSRF_ENABLED": False})

    def logged_in(username: str):
        client = app.test_client()
        assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
        return client

    # March: the county chief ranks their own four stations; the province ranks the three counties.
    ranking = logged_in("k1chief").get("/stats/ranking?month=2026-03").get_data(as_text=True)
    for code in STATION_ORDER["K1"]:
        assert code in ranking
    assert "S21" not in ranking and "S31" not in ranking
    counties = bulletin(run, tmp_path, "2026-03", "county")
    assert [(r["precinct_code"], r["meets_coverage_target"], r["meets_rental_target"]) for r in counties] == [
        (COUNTY_ORDER[0], "1", "1"), (COUNTY_ORDER[1], "1", "0"), (COUNTY_ORDER[2], "0", "0")]

    # This month, at S11: a person found door to door, a drawn declaration checked, a landlord warned.
    since = utcnow()
    officer = logged_in("s11")
    entered = officer.post("/visit", data={"property": "110000", "room": "101", "name": "林七",
                                           "document_type": "ric", "document_number": FOUND},
                           content_type="multipart/form-data")
    assert entered.status_code == 200, entered.get_data(as_text=True)
    month = Month.of(dt.datetime.now(rt.tz).date())
    assert run("verification", "draw", "--month", str(month)).exit_code == 0
    with rt.sessions() as session:
        [item] = session.scalars(select(VerificationItem).where(VerificationItem.month == str(month))).all()
        landlord_id = session.scalar(select(Landlord.id).where(Landlord.name == "房东S11"))
    assert officer.post(f"/verification/{item.id}/mark", data={"mark": "verified"}).status_code in (200, 302, 303)
    assert officer.post(f"/art57/landlord/{landlord_id}", data={"kind": "warning", "note": "未按时申报"}
                        ).status_code == 303

    stations = {r["precinct_code"]: r for r in bulletin(run, tmp_path, str(month), "station", "K1")}
    assert (stations["S11"]["declarations_officer"], stations["S11"]["art57_actions"],
            stations["S11"]["art57_warnings"], stations["S11"]["verification_drawn"],
            stations["S11"]["verified"]) == ("1", "1", "1", "1", "1")
    assert stations["S12"]["declarations_officer"] == stations["S12"]["art57_actions"] == "0"
    k1 = next(r for r in bulletin(run, tmp_path, str(month), "county") if r["precinct_code"] == "K1")
    assert (k1["declarations_officer"], k1["art57_actions"], k1["verified"]) == ("1", "1", "1")

    # The nightly pull: exactly the row the visit made, carrying its check.
    pulled = run("export", "--format", "json", "--since", since.isoformat(timespec="microseconds") + "Z")
    assert pulled.exit_code == 0, pulled.output
    [row] = [json.loads(line) for line in pulled.stdout.splitlines()]
    assert (row["declarant_kind"], row["channel"], row["station"], row["county"], row["verification"]) == (
        "officer", "officer", "S11", "K1", "verified")
    assert FOUND not in pulled.stdout  # masked


def test_a_check_of_an_old_declaration_is_a_change_the_nightly_pull_sees(rt, city, run):
    """March's rows are older than `since`; marking one of them makes exactly that row come back."""
    from store import verification
    from store.models import Officer

    with rt.sessions.begin() as session:
        verification.draw(session, Month(2026, 3), percent=5)
        item = session.scalars(select(VerificationItem).order_by(VerificationItem.id)).first()
        officer_id = session.scalar(select(Officer.id).where(Officer.username == "s11"))
    since = utcnow()
    assert json.loads(run("export", "--format", "json", "--since", since.isoformat() + "Z").stdout or "null") is None
    with rt.sessions.begin() as session:
        verification.mark(session, officer_id, session.get(VerificationItem, item.id), "not_found", "空房")
        receipt = session.get(VerificationItem, item.id).declaration.receipt
    [row] = [json.loads(line) for line in run("export", "--format", "json", "--since",
                                               since.isoformat() + "Z").stdout.splitlines()]
    assert (row["receipt"], row["verification"], row["status"]) == (receipt, "not_found", "active")
