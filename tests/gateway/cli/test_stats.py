"""`declgate stats …`: the statistics commands an operator runs (`stats refresh` is tested with the
stored figures it keeps ahead, in tests/gateway/stats/test_stored.py)."""
from __future__ import annotations

from sqlalchemy import func, select

from store.stats import MonthSnapshot


def snapshot_rows(rt) -> list[str]:
    with rt.sessions() as s:
        return sorted(s.scalars(select(MonthSnapshot.month).distinct()))


class TestSnapshotCommand:
    def test_snapshots_a_closed_month(self, rt, campaign, run):
        """`declgate stats snapshot --month` stores every precinct's figures for that month."""
        result = run("stats", "snapshot", "--month", "2026-03")
        assert result.exit_code == 0, result.output
        assert result.output.startswith("snapshot 2026-03 (") and "2 precinct(s)" in result.output
        assert snapshot_rows(rt) == ["2026-03"]
        assert run("stats", "snapshot", "--month", "2026-03", "--refresh").exit_code == 0
        with rt.sessions() as s:
            assert s.scalar(select(func.count()).select_from(MonthSnapshot)) == 2

    def test_refuses_an_open_month(self, rt, campaign, run):
        """A month that has not ended cannot be snapshotted, and the message says why."""
        result = run("stats", "snapshot", "--month", "2999-01")
        assert result.exit_code == 1 and "has not ended yet" in result.output
