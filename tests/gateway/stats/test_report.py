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
