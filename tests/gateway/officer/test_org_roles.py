"""Roles and the tree on the web, on the city of 3 counties × 4 stations (tests/city.py): each attack is made."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from store.models import Declaration, Precinct, Property
from store.officers import place
from tests.city import COUNTY_ORDER, STATION_ORDER
from tests.constants import PASSWORD
from tests.support import officer_clients


@pytest.fixture
def login(settings, rt, city):
    return officer_clients(settings, rt)


def person_in(rt, station: str) -> int:
    with rt.sessions() as s:
        return s.scalar(select(Declaration.person_id).join(Property).join(Precinct)
                        .where(Precinct.code == station).order_by(Declaration.id).limit(1))


def ranked_codes(html: str) -> list[str]:
    return re.findall(r'<span class="mono">([A-Z0-9]+)</span>', html.split("<tbody>")[1].split("</tbody>")[0])


class TestAssistant:
    def test_audit_page_is_refused(self, login):
        assert login("helper").get("/audit").status_code == 403

    def test_full_id_reveal_is_refused_and_not_logged(self, login, rt):
        client = login("helper")
        pid = person_in(rt, "S11")
        page = client.get(f"/people/{pid}")
        assert page.status_code == 200 and "/full-id" not in page.get_data(as_text=True)
        assert client.post(f"/people/{pid}/full-id").status_code == 403
        with rt.sessions() as s:
            from store.models import AuditEntry
            assert s.scalar(select(AuditEntry).where(AuditEntry.action == "view_full_id")) is None

    def test_a_grant_opens_the_reveal(self, login, rt):
        with rt.sessions.begin() as s:
            place(s, "helper", grants=["reveal"])
        assert login("helper").post(f"/people/{person_in(rt, 'S11')}/full-id").status_code == 200

    def test_an_officer_may_reveal(self, login, rt):
        assert login("s11").post(f"/people/{person_in(rt, 'S11')}/full-id").status_code == 200


class TestCountySupervisor:
    def test_another_countys_station_items_are_not_found(self, login, rt, city):
        client = login("k1chief")
        s21 = city.stations["S21"]
        assert client.get(f"/stats/precinct/{s21}?month=2026-03").status_code == 404
        assert client.get(f"/people/{person_in(rt, 'S21')}").status_code == 404
        assert client.get(f"/stats/follow-up?month=2026-03&precinct={s21}").status_code == 404
        assert client.get(f"/stats/ranking?month=2026-03&unit=K2").status_code == 404
        assert client.get(f"/stats/ranking?month=2026-03&level=county").status_code == 404

    def test_own_county_is_open(self, login, rt, city):
        client = login("k1chief")
        assert client.get(f"/stats/precinct/{city.stations['S14']}?month=2026-03").status_code == 200
        assert client.get(f"/people/{person_in(rt, 'S14')}").status_code == 200

    def test_sees_only_their_countys_stations_ranked(self, login):
        page = login("k1chief").get("/stats/ranking?month=2026-03")
        assert page.status_code == 200
        assert ranked_codes(page.get_data(as_text=True)) == STATION_ORDER["K1"]

    def test_their_bulletin_is_their_county(self, login):
        html = login("k1chief").get("/stats/bulletin?month=2026-03").get_data(as_text=True)
        assert ranked_codes(html) == STATION_ORDER["K1"] and "鼓楼分局" in html

    def test_imports_are_the_provinces(self, login):
        client = login("k1chief")
        assert client.get("/stats/estimates?month=2026-03").status_code == 403
        assert client.get("/stats/cases/import").status_code == 403


class TestCitySupervisor:
    def test_counties_ranked_with_both_80_percent_targets(self, login):
        html = login("city").get("/stats/bulletin?month=2026-03&level=county").get_data(as_text=True)
        assert ranked_codes(html) == COUNTY_ORDER
        assert 'data-target="coverage"' in html and 'data-target="rental"' in html and 'data-target="pre-case"' in html
        assert "排名规则" in html and "Rental housing registered: properties with at least one resident" in html
        rows = html.split("<tbody>")[1].split("</tbody>")[0].split("</tr>")
        assert rows[0].count('class="num met"') == 2  # K3: both 80 % targets met
        assert rows[2].count('class="num met"') == 0

    def test_a_countys_stations_from_the_county_line(self, login):
        client = login("city")
        page = client.get("/stats/ranking?month=2026-03&level=county")
        assert "level=station" in page.get_data(as_text=True)
        assert ranked_codes(client.get("/stats/ranking?month=2026-03&unit=K1").get_data(as_text=True)) \
            == STATION_ORDER["K1"]


class TestStationOfficer:
    def test_sees_their_line_only(self, login, city):
        client = login("s11")
        assert ranked_codes(client.get("/stats/ranking?month=2026-03").get_data(as_text=True)) == ["S11"]
        assert client.get(f"/stats/precinct/{city.stations['S12']}?month=2026-03").status_code == 404
        assert client.get("/stats/bulletin?month=2026-03").status_code == 403


class TestOrgPage:
    def test_a_supervisor_reads_the_tree_but_cannot_change_it(self, login):
        client = login("k1chief")
        page = client.get("/org")
        assert page.status_code == 200 and "鼓楼分局第1派出所" in page.get_data(as_text=True)
        assert client.post("/org", data={"csv": "code,name,level,parent\nX,x,city,\n"}).status_code == 403
        assert login("s11").get("/org").status_code == 403

    def test_an_admin_edits_it_all_or_nothing(self, login, rt):
        from store.officers import add_officer

        with rt.sessions.begin() as s:
            add_officer(s, "root", PASSWORD, None, "admin")
        client = login("root")
        bad = client.post("/org", data={"csv": "code,name,level,parent\nK4,新区分局,county,CITY\nS41,所,station,K9\n"})
        assert bad.status_code == 400 and "line 3: parent &#39;K9&#39;" in bad.get_data(as_text=True)
        with rt.sessions() as s:
            assert s.scalar(select(Precinct).where(Precinct.code == "S41")) is None
        good = client.post("/org", data={"csv": "code,name,level,parent\nK4,新区分局,county,CITY\nS41,所,station,K4\n"})
        assert good.status_code == 302
        assert "S41" in client.get("/org").get_data(as_text=True)
