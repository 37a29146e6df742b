"""`declgate report monthly`: the bulletin as HTML and CSV."""
from __future__ import annotations

import csv

import pytest

from store.models import SurveyEstimate


@pytest.fixture
def report(declgate):
    return lambda *args: declgate("report", "monthly", *args)


class TestReportMonthly:
    def test_writes_html_and_csv(self, rt, campaign, report, tmp_path):
        """The bulletin lists every precinct in rank order, in both files, with the charts inline."""
        with rt.sessions.begin() as s:
            s.add(SurveyEstimate(precinct_id=campaign.p02, month="2026-03", floating_population=1, rental_units=1))
        out = tmp_path / "bulletins"
        result = report("--month", "2026-03", "--out", str(out))
        assert result.exit_code == 0, result.output
        assert "2 precinct(s), 1 at or above the 80% coverage target" in result.output
        with (out / "bulletin-2026-03.csv").open(encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
        assert [(r["rank"], r["precinct_code"], r["coverage"], r["new_declarations"], r["increment"]) for r in rows] == [
            ("1", "P02", "1.0000", "1", "1"), ("2", "P01", "", "3", "2")]
        html = (out / "bulletin-2026-03.html").read_text(encoding="utf-8")
        assert html.count("<svg") == 2
        assert "东街派出所" in html and "≥ 80 %" in html and "≥ 60 %" in html

    def test_bad_month(self, rt, report, tmp_path):
        """A month not written YYYY-MM is a usage error naming the option."""
        result = report("--month", "March", "--out", str(tmp_path))
        assert result.exit_code == 2
        assert "--month" in result.output and "YYYY-MM" in result.output

    def test_no_precincts(self, rt, report, tmp_path):
        """With nothing enrolled there is no bulletin to write, and the message says what to do."""
        result = report("--month", "2026-03", "--out", str(tmp_path))
        assert result.exit_code == 1
        assert "enrol landlords first" in result.output


class TestReportLevels:
    def test_counties_ranked_province_wide(self, rt, city, report, tmp_path):
        from tests.city import COUNTY_ORDER

        result = report("--month", "2026-03", "--level", "county", "--out", str(tmp_path))
        assert result.exit_code == 0, result.output
        assert "3 county(s), 2 at or above the 80% coverage target, 1 at or above the 80% rental" in result.output
        with (tmp_path / "bulletin-2026-03-county.csv").open(encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
        assert [(r["precinct_code"], r["meets_coverage_target"], r["meets_rental_target"]) for r in rows] == [
            (COUNTY_ORDER[0], "1", "1"), (COUNTY_ORDER[1], "1", "0"), (COUNTY_ORDER[2], "0", "0")]
        html = (tmp_path / "bulletin-2026-03-county.html").read_text(encoding="utf-8")
        assert "各县（区）排名" in html and 'data-target="rental"' in html and "排名规则" in html

    def test_stations_inside_a_county(self, rt, city, report, tmp_path):
        from tests.city import STATION_ORDER

        result = report("--month", "2026-03", "--level", "station", "--unit", "K1", "--out", str(tmp_path))
        assert result.exit_code == 0, result.output
        with (tmp_path / "bulletin-2026-03-station-K1.csv").open(encoding="utf-8-sig") as fh:
            assert [r["precinct_code"] for r in csv.DictReader(fh)] == STATION_ORDER["K1"]

    def test_unknown_unit(self, rt, city, report, tmp_path):
        result = report("--month", "2026-03", "--unit", "NOPE", "--out", str(tmp_path))
        assert result.exit_code == 2 and "NOPE" in result.output
