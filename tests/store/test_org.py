"""The tree of units and stations: the CSV import (all or nothing, line-numbered), and what it lets each
officer see (store.scope.reach)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from store import org
from store.models import Officer, Precinct, Unit
from store.scope import Scope, reach
from tests.city import ORG_CSV


def officer(s, username: str) -> Officer:
    return s.scalar(select(Officer).where(Officer.username == username))


class TestImport:
    def test_builds_the_tree_and_again_changes_nothing(self, rt):
        with rt.sessions.begin() as s:
            assert org.import_csv(s, ORG_CSV) == 16
        with rt.sessions.begin() as s:
            org.import_csv(s, ORG_CSV)
            assert s.query(Unit).count() == 4 and s.query(Precinct).count() == 12
            listing = [(depth, node.code) for depth, node in org.tree(s)]
        assert listing[:6] == [(0, "CITY"), (1, "K1"), (2, "S11"), (2, "S12"), (2, "S13"), (2, "S14")]

    def test_bad_rows_write_nothing_and_name_their_lines(self, rt):
        text = ("code,name,level,parent\n"
                "CITY,市局,city,\n"
                "K1,一分局,county,NOPE\n"        # line 3: unknown parent
                "S11,一所,station,CITY\n"        # line 4: a station's parent must be a county
                "K1,again,county,CITY\n"        # line 5: duplicate code
                "X,,town,\n")                   # line 6: no name, unknown level
        with rt.sessions.begin() as s, pytest.raises(org.OrgError) as raised:
            org.import_csv(s, text)
        problems = raised.value.problems
        assert [p.split(":")[0] for p in problems] == ["line 3", "line 4", "line 5", "line 6", "line 6"]
        assert "NOPE" in problems[0] and "is a city, not a county" in problems[1]
        with rt.sessions() as s:
            assert s.query(Unit).count() == 0

    def test_an_existing_precinct_is_placed_not_duplicated(self, rt, people):
        """GL01 exists from an enrolment: the import puts it under its county and renames it."""
        with rt.sessions.begin() as s:
            before = s.scalar(select(Precinct.id).where(Precinct.code == "GL01"))
            org.import_csv(s, "code,name,level,parent\nC,市局,city,\nK,区局,county,C\nGL01,东街派出所,station,K\n")
            station = s.get(Precinct, before)
            assert (station.name, station.unit_id) == ("东街派出所", org.unit_named(s, "K").id)

    def test_missing_column(self, rt):
        with rt.sessions.begin() as s, pytest.raises(org.OrgError, match="missing column"):
            org.import_csv(s, "code,name\nA,B\n")


class TestReach:
    def test_each_level_sees_what_is_below_it(self, rt, city):
        st = city.stations
        with rt.sessions() as s:
            assert reach(s, officer(s, "city")) is None  # the only top unit: everything
            assert reach(s, officer(s, "k1chief")) == {st["S11"], st["S12"], st["S13"], st["S14"]}
            assert reach(s, officer(s, "s11")) == {st["S11"]}
            assert reach(s, officer(s, "helper")) == {st["S11"]}

    def test_a_county_scope_hides_another_county(self, rt, city):
        with rt.sessions() as s:
            scope = Scope.of(s, officer(s, "k1chief"))
            assert scope.covers(city.stations["S14"]) and not scope.covers(city.stations["S21"])
            assert scope.only is None

    def test_a_second_top_unit_narrows_the_first(self, rt, city):
        """With two cities, a city supervisor no longer sees everything: only their city, plus the stations
        placed nowhere yet."""
        with rt.sessions.begin() as s:
            org.import_csv(s, "code,name,level,parent\nC2,另一市局,city,\nK9,分局,county,C2\nS99,所,station,K9\n")
            s.add(Precinct(code="LOOSE", name="not placed"))
        with rt.sessions() as s:
            seen = reach(s, officer(s, "city"))
            loose = s.scalar(select(Precinct.id).where(Precinct.code == "LOOSE"))
            s99 = s.scalar(select(Precinct.id).where(Precinct.code == "S99"))
        assert seen is not None and len(seen) == 13 and loose in seen and s99 not in seen

    def test_a_supervisor_placed_nowhere_sees_everything_as_before(self, rt, people):
        with rt.sessions() as s:
            assert reach(s, officer(s, "chief")) is None
