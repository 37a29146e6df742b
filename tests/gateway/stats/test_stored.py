"""The month under way counted at most every LIVE_TTL and shared by every process, and charts kept in the
database: the same figures as the live count, served from storage, forgotten with the snapshots."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from gateway.stats import charts as stats_charts
from store import stats
from store.models import Declaration, LiveFigures, MonthSnapshot, Precinct, StoredChart
from store.stats import LIVE_TTL, STALE_MAX, ChartStore, Month

MARCH = Month(2026, 3)
DURING = dt.date(2026, 3, 28)  # March is the month under way
T = dt.datetime(2026, 3, 28, 8, 0)


@pytest.fixture(autouse=True)
def new_process():
    """Each test starts as a process that has drawn nothing (the other backend's run drew the same charts)."""
    stats_charts._drawn.clear()


def read(rt, now, **kw):
    with rt.sessions.begin() as s:
        return stats.figures(s, MARCH, today=DURING, now=now, timing=False, **kw)


def live(rt):
    with rt.sessions() as s:
        return stats.month_figures(s, MARCH, timing=False)


def p01(figures):
    return {f.precinct_code: f for f in figures}["P01"]


def cancel_quietly(rt, decl_id):
    """A change the snapshot hook does not see (a Core UPDATE), so only the TTL brings it in."""
    with rt.sessions.begin() as s:
        s.execute(update(Declaration).where(Declaration.id == decl_id).values(status="cancelled"))


def live_rows(rt) -> int:
    with rt.sessions() as s:
        return s.scalar(select(func.count()).select_from(LiveFigures))


class TestLiveMonth:
    def test_counted_once_within_ttl_then_recounted(self, rt, campaign):
        """Within LIVE_TTL every view gets the count of `as_of`; after it, the store's figures as they are now."""
        first = read(rt, T)
        assert first == live(rt) and {f.as_of for f in first} == {T}
        cancel_quietly(rt, campaign.decl[2])
        kept = read(rt, T + LIVE_TTL - dt.timedelta(seconds=1))
        assert kept == first and p01(kept).as_of == T
        later = T + LIVE_TTL
        again = read(rt, later)
        assert again == live(rt) and p01(again).new_declarations == p01(first).new_declarations - 1
        assert p01(again).as_of == later and live_rows(rt) == 1

    def test_estimates_stay_current(self, rt, campaign):
        """An estimate entered after the count shows at once: only the counts are kept."""
        read(rt, T)
        with rt.sessions.begin() as s:
            stats.set_estimate(s, campaign.p01, MARCH, 8, 4)
        assert p01(read(rt, T + dt.timedelta(minutes=1))).coverage == p01(live(rt)).active_residents / 8

    def test_change_reaching_back_forgets_the_count(self, rt, campaign):
        """Cancelling February's declaration forgets the kept count with the snapshots: the next view recounts."""
        read(rt, T)
        with rt.sessions.begin() as s:
            s.get(Declaration, campaign.decl[1]).status = "cancelled"
        assert live_rows(rt) == 0
        assert read(rt, T + dt.timedelta(minutes=1)) == live(rt)

    def test_new_precinct_recounts(self, rt, campaign):
        """A precinct added after the count is not left out."""
        read(rt, T)
        with rt.sessions.begin() as s:
            s.add(Precinct(code="P03", name="North"))
        codes = [f.precinct_code for f in read(rt, T + dt.timedelta(minutes=1))]
        assert codes == ["P01", "P02", "P03"]

    def test_one_precinct_and_timings_are_counted_now(self, rt, campaign):
        """The precinct page (one precinct, with the median) always counts live and keeps nothing."""
        with rt.sessions.begin() as s:
            one = stats.figures(s, MARCH, precinct_ids=[campaign.p01], today=DURING, now=T)
        assert one[0].as_of is None and one[0].median_seconds_to_receipt is not None
        assert live_rows(rt) == 0

    def test_ranking_page_says_when(self, rt, login_as, closed_up_to):
        """The month under way's ranking says when it was counted; a closed month's does not."""
        closed = login_as("chief").get("/stats/ranking?month=2026-03").get_data(as_text=True)
        assert "数据截至" not in closed
        closed_up_to(MARCH.previous)
        page = login_as("chief").get("/stats/ranking?month=2026-03")
        assert page.status_code == 200 and "数据截至" in page.get_data(as_text=True)
        bulletin = login_as("chief").get("/stats/bulletin?month=2026-03").get_data(as_text=True)
        assert "figures as of" in bulletin


def stored_charts(rt, month="2026-03") -> int:
    with rt.sessions() as s:
        return s.scalar(select(func.count()).select_from(StoredChart).where(StoredChart.month == month))


class TestStoredCharts:
    def test_served_from_storage_in_a_new_process(self, rt, campaign, monkeypatch):
        """A chart drawn once is served from the database where this process has not drawn it."""
        with rt.sessions.begin() as s:
            ranked = stats.ranking(s, MARCH)
        store = ChartStore(rt.sessions, "2026-03", closed=True)
        with stats_charts.stored_in(store):
            drawn = stats_charts.ranking_bars(ranked, "stored-once")
        assert stored_charts(rt) == 1
        stats_charts._drawn.clear()  # as a new gunicorn worker
        monkeypatch.setattr(stats_charts, "_svg", lambda *_: pytest.fail("drew a chart the database had"))
        with stats_charts.stored_in(store):
            assert stats_charts.ranking_bars(ranked, "stored-once") == drawn

    def test_forgotten_with_the_snapshot(self, rt, login_as, campaign):
        """A move-out reported late for March forgets March's charts with its snapshot; the page shows the change."""
        before = login_as("chief").get("/stats/ranking?month=2026-03").get_data(as_text=True)
        assert stored_charts(rt) == 3
        with rt.sessions.begin() as s:
            decl = s.get(Declaration, campaign.decl[2])
            decl.status, decl.move_out = "ended", dt.date(2026, 3, 20)
        assert stored_charts(rt) == 0
        stats_charts._drawn.clear()
        after = login_as("chief").get("/stats/ranking?month=2026-03").get_data(as_text=True)
        assert after != before and stored_charts(rt) == 3

    def test_month_under_way_charts_expire(self, rt, campaign):
        """Charts of a month under way are kept with an expiry, a closed month's without."""
        with rt.sessions.begin() as s:
            ranked = stats.ranking(s, MARCH)
        for closed, title in ((True, "closed-chart"), (False, "open-chart")):
            with stats_charts.stored_in(ChartStore(rt.sessions, "2026-03", closed=closed)):
                stats_charts.pre_case_bars(ranked, title)
        with rt.sessions() as s:
            expiries = [e is None for e in s.scalars(select(StoredChart.expires_at).order_by(StoredChart.id))]
        assert expiries == [True, False]

    def test_database_error_only_means_drawing(self, rt, campaign):
        """If the chart table cannot be read or written, the chart is drawn and the page still renders."""
        def broken():
            raise OperationalError("SELECT", {}, Exception("database is down"))
        broken.begin = broken
        with rt.sessions.begin() as s:
            ranked = stats.ranking(s, MARCH)
        with stats_charts.stored_in(ChartStore(broken, "2026-03", closed=True)):
            assert stats_charts.ranking_bars(ranked, "broken-store").startswith("<svg")


class TestRecountAfterResponse:
    @pytest.fixture
    def under_way(self, closed_up_to):
        closed_up_to(MARCH.previous)

    def age_count(self, rt, by: dt.timedelta) -> dt.datetime:
        with rt.sessions.begin() as s:
            row = s.scalar(select(LiveFigures))
            row.computed_at -= by
            return row.computed_at

    def kept(self, rt) -> LiveFigures:
        with rt.sessions() as s:
            return s.scalar(select(LiveFigures))

    def test_old_count_served_then_taken_again(self, rt, login_as, campaign, under_way, monkeypatch):
        """A count older than LIVE_TTL is shown with its time, and taken again, its charts drawn, once the
        response has gone."""
        chief = login_as("chief")
        assert chief.get("/stats/ranking?month=2026-03").status_code == 200
        old = self.age_count(rt, LIVE_TTL + dt.timedelta(minutes=1))
        cancel_quietly(rt, campaign.decl[2])
        response = chief.get("/stats/ranking?month=2026-03")
        assert response.status_code == 200 and self.kept(rt).computed_at == old  # served the old count
        response.close()  # the server has sent the page
        assert self.kept(rt).computed_at > old
        assert p01(read(rt, self.kept(rt).computed_at)) == p01(live(rt))
        stats_charts._drawn.clear()  # a new process: the recount drew the new count's charts already
        monkeypatch.setattr(stats_charts, "_svg", lambda *_: pytest.fail("drew a chart the recount drew"))
        assert chief.get("/stats/ranking?month=2026-03").status_code == 200
        assert chief.get("/stats/bulletin?month=2026-03").status_code == 200

    def test_count_past_stale_max_is_taken_before_answering(self, rt, login_as, campaign, under_way):
        """A count older than STALE_MAX is not shown: the view counts again first."""
        chief = login_as("chief")
        chief.get("/stats/bulletin?month=2026-03")
        old = self.age_count(rt, STALE_MAX + dt.timedelta(minutes=1))
        chief.get("/stats/bulletin?month=2026-03")
        assert self.kept(rt).computed_at > old

    def test_recount_failure_is_only_logged(self, rt, campaign, monkeypatch, caplog):
        """A recount that fails after the response leaves the old count and logs why."""
        from gateway.stats import refresh as stats_refresh

        monkeypatch.setattr(stats, "recount_live", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
        assert stats_refresh.recount(rt, MARCH) is False
        assert "recounting the statistics of 2026-03 failed" in caplog.text


class TestRefreshCommand:
    @pytest.fixture
    def run(self, declgate):
        return lambda: declgate("stats", "refresh")

    def test_counts_and_draws_ahead(self, rt, campaign, run, monkeypatch, closed_up_to):
        """`declgate stats refresh` leaves the month under way counted and both months' charts drawn, so the
        pages of a new process neither count nor draw; run again at once, it does not count again."""
        from gateway.stats import refresh as stats_refresh

        real = stats_refresh.refresh
        monkeypatch.setattr(stats_refresh, "refresh", lambda rt_: real(rt_, today=DURING))
        closed_up_to(MARCH.previous)
        result = run()
        assert result.exit_code == 0 and "2026-03 counted, charts drawn" in result.output, result.output
        # three ranking charts in each language; the English ones are the bulletin's too
        assert live_rows(rt) == 1 and stored_charts(rt) == 6 and stored_charts(rt, "2026-02") == 6
        assert "already counted" in run().output


class TestWorkerKeepsThemAhead:
    def test_the_sweep_refreshes_without_cron(self, rt, campaign, monkeypatch, closed_up_to):
        """Every worker's sweep thread does what `declgate stats refresh` does, so no cron job is needed."""
        import threading

        from gateway import worker
        from gateway.stats import refresh as stats_refresh

        closed_up_to(MARCH.previous)
        refreshed = threading.Event()
        real = stats_refresh.refresh
        monkeypatch.setattr(stats_refresh, "refresh", lambda rt_: (real(rt_, today=DURING), refreshed.set())[0])
        stop = worker.start_sweeper(rt, every=dt.timedelta(seconds=0.05), stats_every=dt.timedelta(seconds=0.05))
        try:
            assert refreshed.wait(timeout=30)
        finally:
            stop.set()
        assert live_rows(rt) == 1 and stored_charts(rt) == 6

    def test_a_failing_refresh_is_logged_and_the_sweep_goes_on(self, rt, monkeypatch, caplog):
        from gateway import worker
        from gateway.stats import refresh as stats_refresh

        def broken(_rt):
            raise OperationalError("SELECT", {}, Exception("database restarting"))

        monkeypatch.setattr(stats_refresh, "refresh", broken)
        worker.refresh_statistics(rt)
        assert "refreshing the statistics failed" in caplog.text


class TestOlderSnapshots:
    def test_refresh_takes_the_missing_snapshots_of_older_months(self, rt, campaign, closed_up_to):
        """The months before the last closed one (whose snapshots a change reaching back deletes), back to the
        first declaration, are snapshotted again, with the figures a live count gives."""
        from gateway.stats import refresh as stats_refresh

        def months(session) -> set[str]:
            return set(session.scalars(select(MonthSnapshot.month).distinct()))

        closed_up_to(MARCH)
        assert stats_refresh.keep_snapshots(rt, Month(2026, 4)) == 3  # March, February, January
        with rt.sessions() as s:
            # back to the first declaration (January), and December for January's increment; no further
            assert months(s) == {"2025-12", "2026-01", "2026-02", "2026-03"}
            feb = {r.figures.precinct_code: r for r in stats.ranking(s, Month(2026, 2))}
        with rt.sessions() as s:
            live = {f.precinct_code: f for f in stats.month_figures(s, Month(2026, 2))}
        assert {code: r.figures.active_residents for code, r in feb.items()} == \
               {code: f.active_residents for code, f in live.items()}
