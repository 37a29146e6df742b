"""The monthly figures on the hand-made campaign, on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from store import stats
from store.models import Declaration, SurveyEstimate
from store.stats import Month

MARCH = Month(2026, 3)


def figures(rt, month=MARCH, **kw):
    with rt.sessions() as s:
        return {f.precinct_code: f for f in stats.month_figures(s, month, **kw)}


class TestMonth:
    def test_parse(self):
        """A YYYY-MM month parses and prints back the same."""
        assert str(Month.parse("2026-03")) == "2026-03"

    @pytest.mark.parametrize("text", ["2026-13", "2026-3", "March", "1999-01"])
    def test_parse_rejects(self, text):
        """Anything but a real YYYY-MM month is refused with the expected shape in the message."""
        with pytest.raises(ValueError, match="YYYY-MM"):
            Month.parse(text)

    def test_neighbours_cross_years(self):
        """The month after December is January of the next year, and back again."""
        assert Month(2025, 12).next == Month(2026, 1)
        assert Month(2026, 1).previous == Month(2025, 12)
        assert Month(2024, 2).last_day == dt.date(2024, 2, 29)

    def test_bounds_follow_the_time_zone(self):
        """March in Shanghai starts at 16:00 UTC on the last day of February."""
        start, end = MARCH.bounds(ZoneInfo("Asia/Shanghai"))
        assert start == dt.datetime(2026, 2, 28, 16, 0)
        assert end == dt.datetime(2026, 3, 31, 16, 0)

    def test_back(self):
        """`back` lists the months ending with this one, oldest first."""
        assert [str(m) for m in MARCH.back(4)] == ["2025-12", "2026-01", "2026-02", "2026-03"]


class TestMonthFigures:
    def test_declarations(self, rt, campaign):
        """New declarations exclude cancelled ones and those of other months; late ones and channels are counted."""
        p01 = figures(rt)["P01"]
        assert (p01.new_declarations, p01.late_declarations) == (3, 1)
        assert p01.late_share == pytest.approx(1 / 3)
        assert p01.channels == (("sms", 1), ("voice", 2), ("officer", 0), ("web", 0))

    def test_move_outs_and_active_residents(self, rt, campaign):
        """A move-out in the month counts once; residents are those in force on the last day of the month."""
        by_code = figures(rt)
        assert (by_code["P01"].move_outs, by_code["P01"].active_residents) == (1, 4)
        assert (by_code["P02"].move_outs, by_code["P02"].active_residents) == (0, 1)

    def test_residents_exclude_later_declarations(self, rt, campaign):
        """A declaration made in April for a March move-in is a resident of April, not of March."""
        assert figures(rt, Month(2026, 4))["P01"].active_residents == 5

    def test_enrolment(self, rt, campaign):
        """Landlords enrolled after the month do not count, nor do their properties."""
        p01 = figures(rt)["P01"]
        assert (p01.enrolled_landlords, p01.enrolled_properties, p01.landlords_declaring) == (1, 2, 1)
        april = figures(rt, Month(2026, 4))["P01"]
        assert (april.enrolled_landlords, april.enrolled_properties, april.landlords_declaring) == (2, 3, 1)

    def test_rejections(self, rt, campaign):
        """Rejected messages count once per code; a message without codes counts under its review reason."""
        p01 = figures(rt)["P01"]
        assert (p01.inbound_messages, p01.rejected_messages) == (6, 3)
        assert p01.rejection_rate == 0.5
        assert dict(p01.rejections) == {"id_checksum": 2, "unknown_property": 1, "rate_limited": 1}
        assert p01.rejection_rates()[0] == ("id_checksum", 2, pytest.approx(1 / 3))

    def test_median_time_to_receipt(self, rt, campaign):
        """The median of 60, 180 and 600 seconds is 180; a precinct with no inbound-backed declaration has none."""
        by_code = figures(rt)
        assert by_code["P01"].median_seconds_to_receipt == pytest.approx(180)
        assert by_code["P02"].median_seconds_to_receipt is None

    def test_coverage_needs_an_estimate(self, rt, campaign):
        """Without a survey estimate the coverage is unknown, with one it is residents over the estimate."""
        assert figures(rt)["P01"].coverage is None
        with rt.sessions.begin() as s:
            s.add(SurveyEstimate(precinct_id=campaign.p01, month="2026-03", floating_population=8, rental_units=4))
        p01 = figures(rt)["P01"]
        assert (p01.coverage, p01.housing_coverage) == (0.5, 0.5)

    def test_scoped_to_precincts(self, rt, campaign):
        """Asking for one precinct returns that precinct only, with the same figures."""
        only = figures(rt, precinct_ids=[campaign.p02])
        assert list(only) == ["P02"]
        assert only["P02"].new_declarations == 1

    def test_time_zone_moves_a_declaration_across_months(self, rt, campaign):
        """A declaration at 17:00 UTC on 31 March belongs to April in Shanghai."""
        with rt.sessions.begin() as s:
            s.get(Declaration, campaign.decl[6]).declared_at = dt.datetime(2026, 3, 31, 17, 0)
        assert figures(rt, precinct_ids=[campaign.p02])["P02"].new_declarations == 1
        shanghai = figures(rt, precinct_ids=[campaign.p02], tz=ZoneInfo("Asia/Shanghai"))
        assert shanghai["P02"].new_declarations == 0

    def test_empty_month(self, rt, campaign):
        """A month with nothing in it gives zeros and no rates, not errors."""
        p01 = figures(rt, Month(2025, 6))["P01"]
        assert (p01.new_declarations, p01.active_residents, p01.late_share, p01.rejection_rate) == (0, 0, None, None)


class TestTrend:
    def test_series_per_precinct(self, rt, campaign):
        """The trend gives one figure per month for each precinct, oldest first."""
        with rt.sessions() as s:
            series = stats.trend(s, Month(2026, 4).back(3))
        assert [f.new_declarations for f in series["P01"]] == [1, 3, 1]
        assert [f.active_residents for f in series["P01"]] == [2, 4, 5]
