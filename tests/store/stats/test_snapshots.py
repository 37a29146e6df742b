"""Closed months read from snapshots: the same figures as the live count, forgotten when a change reaches back."""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from store import stats
from store.models import Declaration, LiveFigures, MonthSnapshot, Precinct, SurveyEstimate
from store.stats import Month, snapshots
from tests.constants import KEY_ENV

MARCH = Month(2026, 3)
TODAY = dt.date(2026, 4, 15)  # March and February closed, April open
ROOT = Path(__file__).resolve().parents[3]
# A process that writes to the store and has never seen the web app, the CLI or store.stats: what a
# `declgate worker` job or a one-off script is. It reports which of those modules it ended up importing.
BARE_PROCESS = """
import datetime as dt, json, sys
{sessions}
from store.models import Declaration

with sessions.begin() as session:
    declaration = session.get(Declaration, int(sys.argv[1]))
    declaration.status, declaration.move_out = "ended", dt.date(2026, 3, 20)
print(json.dumps(sorted(name for name in ("flask", "gateway.app", "gateway.cli") if name in sys.modules)))
"""
SESSIONS = {
    "store.db": "from store.db import make_engine, make_sessionmaker\n"
                "import os\n"
                "sessions = make_sessionmaker(make_engine(os.environ['DATABASE_URL']))",
    "worker runtime": "from gateway.runtime import current\n"
                      "sessions = current().sessions  # as a job in `declgate worker` gets it",
}


def snapshot_rows(rt) -> list[str]:
    with rt.sessions() as s:
        return sorted(s.scalars(select(MonthSnapshot.month).distinct()))


def read(rt, month, **kw):
    with rt.sessions.begin() as s:
        return stats.figures(s, month, today=TODAY, **kw)


def live(rt, month, **kw):
    with rt.sessions() as s:
        return stats.month_figures(s, month, **kw)


class TestFigures:
    @pytest.mark.parametrize("month", [Month(2026, 2), MARCH])
    def test_snapshot_agrees_with_live(self, rt, campaign, month):
        """A closed month's figures read back from its snapshot equal the live count, median included."""
        first = read(rt, month)
        assert snapshot_rows(rt) == [str(month)]
        assert read(rt, month) == first == live(rt, month)

    def test_estimates_and_cases_stay_live(self, rt, campaign):
        """An estimate imported after the snapshot shows at once: it is never snapshotted."""
        read(rt, MARCH)
        with rt.sessions.begin() as s:
            s.add(SurveyEstimate(precinct_id=campaign.p01, month="2026-03", floating_population=8, rental_units=4))
        p01 = {f.precinct_code: f for f in read(rt, MARCH)}["P01"]
        assert p01.coverage == 0.5 and read(rt, MARCH) == live(rt, MARCH)

    def test_one_precinct_snapshots_only_itself(self, rt, campaign):
        """The precinct page snapshots its own precinct; the ranking adds the others later."""
        assert read(rt, MARCH, precinct_ids=[campaign.p02]) == live(rt, MARCH, precinct_ids=[campaign.p02])
        with rt.sessions() as s:
            assert s.scalar(select(func.count()).select_from(MonthSnapshot)) == 1
        assert read(rt, MARCH) == live(rt, MARCH)

    def test_open_month_is_live(self, rt, campaign):
        """The month not yet ended is counted live and leaves no snapshot."""
        assert read(rt, Month(2026, 4)) == live(rt, Month(2026, 4))
        assert snapshot_rows(rt) == []

    def test_ranking_and_trend_agree(self, rt, campaign):
        """The ranking and the trend give the same figures through snapshots as before them."""
        with rt.sessions() as s:
            before = (stats.ranking(s, MARCH), stats.trend(s, Month(2026, 4).back(3)))
            s.commit()
        assert snapshot_rows(rt) == ["2026-02", "2026-03", "2026-04"]  # today, April has ended too
        with rt.sessions() as s:
            assert (stats.ranking(s, MARCH), stats.trend(s, Month(2026, 4).back(3))) == before


class TestForgetting:
    def test_move_out_reported_late_forgets_the_month(self, rt, campaign):
        """A move-out reported in April for 20 March deletes March's snapshot; the next view counts it."""
        p01 = {f.precinct_code: f for f in read(rt, MARCH)}["P01"]
        with rt.sessions.begin() as s:
            decl = s.get(Declaration, campaign.decl[2])
            decl.status, decl.move_out = "ended", dt.date(2026, 3, 20)
        assert snapshot_rows(rt) == []
        again = {f.precinct_code: f for f in read(rt, MARCH)}["P01"]
        assert (again.active_residents, again.move_outs) == (p01.active_residents - 1, p01.move_outs + 1)
        assert read(rt, MARCH) == live(rt, MARCH)

    def test_cancelling_an_old_declaration_forgets_from_its_month(self, rt, campaign):
        """Cancelling February's declaration forgets February and March, not January."""
        for month in (Month(2026, 1), Month(2026, 2), MARCH):
            read(rt, month)
        with rt.sessions.begin() as s:
            s.get(Declaration, campaign.decl[1]).status = "cancelled"
        assert snapshot_rows(rt) == ["2026-01"]
        assert read(rt, MARCH) == live(rt, MARCH)

    @pytest.mark.parametrize("built_by", list(SESSIONS))
    def test_in_a_bare_process(self, rt, settings, campaign, tmp_path, built_by):
        """A late move-out written by a process with no app, no CLI and no statistics import of its own still
        forgets March's snapshot: the rule comes with the sessions, not with an import."""
        read(rt, MARCH)
        assert snapshot_rows(rt) == ["2026-03"]
        env = {key: value for key, value in os.environ.items() if not key.startswith(("DECLGATE", "REDIS_URL"))}
        env.update(KEY_ENV, PYTHONPATH=str(ROOT), DATABASE_URL=settings.database_url)
        if settings.redis_url:
            env["REDIS_URL"] = settings.redis_url
        done = subprocess.run([sys.executable, "-c", BARE_PROCESS.format(sessions=SESSIONS[built_by]),
                               str(campaign.decl[2])], env=env, cwd=tmp_path, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == []  # it never imported the web app or the CLI
        with rt.sessions() as s:
            assert s.get(Declaration, campaign.decl[2]).move_out == dt.date(2026, 3, 20)
        assert snapshot_rows(rt) == []

    def test_rule_comes_with_the_store_sessions_only(self, rt):
        """The flush rule is on the sessionmaker store.db built, not on every Session of the process."""
        assert event.contains(rt.sessions, "before_flush", snapshots.forget_reached_months)
        assert not event.contains(Session, "before_flush", snapshots.forget_reached_months)

    def test_unrelated_change_keeps_snapshots(self, rt, campaign):
        """A landlord confirming a tenant's declaration changes no figure and keeps the snapshot."""
        read(rt, MARCH)
        with rt.sessions.begin() as s:
            s.get(Declaration, campaign.decl[3]).landlord_response = "confirmed"
        assert snapshot_rows(rt) == ["2026-03"]


class TestPaging:
    def test_follow_up_pages(self, rt, campaign):
        """Paged follow-up lines are the full list cut in order, and the count is the number of landlords."""
        with rt.sessions.begin() as s:
            s.get(Declaration, campaign.decl[6]).late = True  # Wang Fang in P02 now has a late declaration
        with rt.sessions() as s:
            every = stats.follow_up(s, MARCH)
            assert stats.follow_up_count(s, MARCH) == len(every) == 2
            assert stats.follow_up(s, MARCH, limit=1) + stats.follow_up(s, MARCH, limit=1, offset=1) == every


class TestDeclaredProperties:
    """The rental-housing target's declared properties are kept with the month's other counts (migration 0030):
    counting them afresh on every view of the ranking cost 1.5–1.8 s on a store of 2 million declarations."""

    def test_a_snapshotted_month_is_read_without_counting_declarations(self, rt, campaign):
        first = read(rt, MARCH)  # takes the snapshot
        assert sum(f.declared_properties for f in first) > 0
        statements: list[str] = []

        def capture(_conn, _cursor, statement, *_args) -> None:
            statements.append(statement)

        event.listen(rt.engine, "before_cursor_execute", capture)
        try:
            again = read(rt, MARCH)
        finally:
            event.remove(rt.engine, "before_cursor_execute", capture)
        assert again == first == live(rt, MARCH)
        assert statements and not [s for s in statements if re.search(r"\bdeclarations\b", s)]

    def test_a_snapshot_taken_before_it_kept_them_is_counted_once_and_kept(self, rt, campaign):
        expected = {f.precinct_code: f.declared_properties for f in live(rt, MARCH)}
        read(rt, MARCH)
        with rt.sessions.begin() as s:  # as migration 0030 leaves the snapshots it finds
            s.execute(update(MonthSnapshot).values(declared_properties=None))
        assert {f.precinct_code: f.declared_properties for f in read(rt, MARCH)} == expected
        with rt.sessions() as s:
            kept = {s.get(Precinct, pid).code: n for pid, n in s.execute(
                select(MonthSnapshot.precinct_id, MonthSnapshot.declared_properties))}
        assert kept == expected and sum(expected.values()) > 0

    def test_a_live_count_kept_before_it_held_them_is_recounted(self, rt, campaign):
        april = Month(2026, 4)  # under way on TODAY: the ranking reads the kept live count
        now = dt.datetime(2026, 4, 15, 4, 0)
        with rt.sessions.begin() as s:
            counted = stats.figures(s, april, today=TODAY, now=now, timing=False)
        assert sum(f.declared_properties for f in counted) > 0
        with rt.sessions.begin() as s:  # a count kept by the code before this change
            row = s.scalar(select(LiveFigures))
            row.figures = {pid: {k: v for k, v in f.items() if k != "declared_properties"}
                           for pid, f in row.figures.items()}
        with rt.sessions.begin() as s:
            again = stats.figures(s, april, today=TODAY, now=now + dt.timedelta(minutes=1), timing=False)
        assert [f.declared_properties for f in again] == [f.declared_properties for f in counted]
