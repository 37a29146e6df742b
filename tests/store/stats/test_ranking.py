"""The bulletin ranking and the follow-up list on the hand-made campaign."""
from __future__ import annotations

from store import stats
from store.models import SurveyEstimate
from store.stats import Month

MARCH = Month(2026, 3)


class TestRanking:
    def test_orders_by_coverage(self, rt, campaign):
        """The precinct with the higher coverage ranks first; increments compare with February's end."""
        with rt.sessions.begin() as s:
            s.add_all([SurveyEstimate(precinct_id=campaign.p01, month="2026-03", floating_population=8, rental_units=4),
                       SurveyEstimate(precinct_id=campaign.p02, month="2026-03", floating_population=1, rental_units=1)])
        with rt.sessions() as s:
            ranked = stats.ranking(s, MARCH)
        assert [(r.rank, r.figures.precinct_code, r.increment) for r in ranked] == [(1, "P02", 1), (2, "P01", 2)]
        assert (ranked[0].meets_coverage, ranked[1].meets_coverage) == (True, False)
        assert ranked[1].new_increment == 3 - 1

    def test_without_estimates_falls_back_to_declarations(self, rt, campaign):
        """With no estimates anywhere, more new declarations ranks higher."""
        with rt.sessions() as s:
            ranked = stats.ranking(s, MARCH)
        assert [r.figures.precinct_code for r in ranked] == ["P01", "P02"]

    def test_estimate_beats_no_estimate(self, rt, campaign):
        """A precinct with an estimate ranks above one without, whatever the declarations."""
        with rt.sessions.begin() as s:
            s.add(SurveyEstimate(precinct_id=campaign.p02, month="2026-03", floating_population=100, rental_units=9))
        with rt.sessions() as s:
            assert [r.figures.precinct_code for r in stats.ranking(s, MARCH)] == ["P02", "P01"]


class TestFollowUp:
    def test_lists_unconfirmed_and_late(self, rt, campaign):
        """L1 is listed with the unconfirmed voice declaration, which was also late; confirmed ones are not."""
        with rt.sessions() as s:
            lines = stats.follow_up(s, MARCH)
        assert [(f.name, [e.receipt for e in f.unconfirmed], [e.receipt for e in f.late]) for f in lines] == [
            ("Li Lei", ["R00003"], ["R00003"])]
        assert lines[0].late[0].days_late == 19

    def test_scoped(self, rt, campaign):
        """Another precinct's officer sees nobody to follow up."""
        with rt.sessions() as s:
            assert stats.follow_up(s, MARCH, precinct_ids=[campaign.p02]) == []

    def test_other_month(self, rt, campaign):
        """April's list does not repeat March's declarations."""
        with rt.sessions() as s:
            assert stats.follow_up(s, Month(2026, 4)) == []
