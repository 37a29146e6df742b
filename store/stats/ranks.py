"""The bulletin's ranking: every precinct ordered against the campaign's targets."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from store.stats.counting import PrecinctMonth
from store.stats.month import UTC, Month
from store.stats.snapshots import LIVE_TTL, figures

COVERAGE_TARGET = 0.80
PRE_CASE_TARGET = 0.60


@dataclass(frozen=True)
class Ranked:
    """One line of the bulletin."""

    rank: int
    figures: PrecinctMonth
    previous_active: int
    previous_new: int

    @property
    def increment(self) -> int:
        """Active residents gained (or lost) since the end of the previous month."""
        return self.figures.active_residents - self.previous_active

    @property
    def new_increment(self) -> int:
        return self.figures.new_declarations - self.previous_new

    @property
    def meets_coverage(self) -> bool:
        return (self.figures.coverage or 0) >= COVERAGE_TARGET

    @property
    def meets_pre_case(self) -> bool:
        return (self.figures.pre_case_rate or 0) >= PRE_CASE_TARGET


def ranking(session: Session, month: Month, *, precinct_ids: Sequence[int] | None = None,
            tz: ZoneInfo = UTC, max_age: dt.timedelta = LIVE_TTL) -> list[Ranked]:
    """Every precinct ranked by coverage, then pre-case rate, new declarations and increment.

    A precinct without a survey estimate (or without case subjects) sorts after those with one. The
    month under way's figures may be up to `max_age` old (each says when it was counted, `as_of`).
    """
    current = figures(session, month, precinct_ids=precinct_ids, tz=tz, timing=False, max_age=max_age)
    before = {f.precinct_id: f for f in figures(session, month.previous, precinct_ids=precinct_ids, tz=tz,
                                                  timing=False)}
    previous_active = {pid: f.active_residents for pid, f in before.items()}
    previous_new = {pid: f.new_declarations for pid, f in before.items()}

    def key(f: PrecinctMonth):
        gain = f.active_residents - previous_active.get(f.precinct_id, 0)
        return (f.coverage is None, -(f.coverage or 0), f.pre_case_rate is None, -(f.pre_case_rate or 0),
                -f.new_declarations, -gain, f.precinct_code)

    ordered = sorted(current, key=key)
    return [Ranked(rank=i, figures=f, previous_active=previous_active.get(f.precinct_id, 0),
                   previous_new=previous_new.get(f.precinct_id, 0)) for i, f in enumerate(ordered, start=1)]
