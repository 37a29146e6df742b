"""Rankings at every level on the city of 3 counties × 4 stations (tests/city.py), on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from store import stats
from store.stats import Month
from tests.city import COUNTY_ORDER, DECLARED, RESIDENTS, STATION_ORDER

MARCH = Month(2026, 3)


class TestCountyRanking:
    def test_counties_ranked_province_wide_by_the_rule(self, rt, city):
        """K3 meets both 80 % targets, K1 coverage only, K2 neither: that order, not the codes'."""
        with rt.sessions.begin() as s:
            ranked = stats.county_ranking(s, MARCH)
        assert [r.figures.precinct_code for r in ranked] == COUNTY_ORDER
        k3, k1, k2 = ranked
        assert (k3.figures.active_residents, k3.figures.estimated_population) == (36, 40)
        assert (k3.figures.declared_properties, k3.figures.estimated_rental_units) == (34, 40)
        assert [(r.meets_coverage, r.meets_rental) for r in ranked] == [(True, True), (True, False), (False, False)]
        assert k1.figures.coverage == pytest.approx(0.8) and k1.figures.rental_coverage == pytest.approx(0.4)
        assert k2.targets_met == 0

    def test_pending_and_disputed_are_not_registered(self, rt, city):
        """Each station has one declaration pending review and one disputed: neither a resident nor housing."""
        with rt.sessions.begin() as s:
            lines = {f.precinct_code: f for f in stats.figures(s, MARCH, timing=False)}
        assert {code: (f.active_residents, f.declared_properties) for code, f in lines.items()} == {
            code: (RESIDENTS[code], DECLARED[code]) for code in RESIDENTS}

    def test_a_missing_station_estimate_leaves_the_county_without_a_rate(self, rt, city):
        from store.models import SurveyEstimate

        with rt.sessions.begin() as s:
            s.query(SurveyEstimate).filter(SurveyEstimate.precinct_id == city.stations["S31"]).delete()
            ranked = stats.county_ranking(s, MARCH)
        k3 = next(r for r in ranked if r.figures.precinct_code == "K3")
        assert k3.figures.coverage is None and k3.figures.estimated_population is None
        assert ranked[-1].figures.precinct_code == "K3"  # no rate sorts after every county with one

    def test_within_a_city(self, rt, city):
        with rt.sessions.begin() as s:
            assert [r.figures.precinct_code for r in stats.county_ranking(s, MARCH, within=city.units["CITY"])] \
                == COUNTY_ORDER
            assert [r.figures.precinct_code for r in stats.county_ranking(s, MARCH, within=city.units["K1"])] == ["K1"]


class TestStationRanking:
    def test_a_county_ranks_its_own_stations_only(self, rt, city):
        with rt.sessions.begin() as s:
            ranked = stats.station_ranking(s, MARCH, within=city.units["K1"])
        assert [r.figures.precinct_code for r in ranked] == STATION_ORDER["K1"]
        assert [r.rank for r in ranked] == [1, 2, 3, 4]

    def test_the_province_ranks_every_station(self, rt, city):
        with rt.sessions.begin() as s:
            ranked = stats.station_ranking(s, MARCH)
        assert len(ranked) == 12
        assert [r.figures.precinct_code for r in ranked[:2]] == ["S32", "S31"]  # both targets met; 100 % before 90 %


def test_a_countys_art57_actions_are_its_stations_summed():
    """The county line adds up its stations' Art. 57 actions and fines, like every other count."""
    from store.models import Unit
    from store.stats.counting import PrecinctMonth
    from store.stats.levels import rollup

    month = Month(2026, 3)
    lines = [PrecinctMonth(precinct_id=i, precinct_code=f"P{i}", precinct_name="", month=str(month),
                           art57_actions=n, art57_fines=f, art57_fine_yuan=y)
             for i, n, f, y in ((1, 3, 1, 200), (2, 2, 2, 1500))]
    county = rollup(Unit(id=9, code="C1", name="鼓楼", level="county"), month, lines)
    assert (county.art57_actions, county.art57_fines, county.art57_fine_yuan) == (5, 3, 1700)
