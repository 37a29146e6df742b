"""The bulletin's ranking: every precinct (or every county, store.stats.levels) ordered against the campaign's
targets: 80 % of the floating population registered, 80 % of the rental housing registered, 60 % of case
subjects registered before their case."""
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
RENTAL_TARGET = 0.80
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
    def meets_rental(self) -> bool:
        return (self.figures.rental_coverage or 0) >= RENTAL_TARGET

    @property
    def meets_pre_case(self) -> bool:
        return (self.figures.pre_case_rate or 0) >= PRE_CASE_TARGET

    @property
    def targets_met(self) -> int:
        return self.meets_coverage + self.meets_rental + self.meets_pre_case


def ranking(session: Session, month: Month, *, precinct_ids: Sequence[int] | None = None,
            tz: ZoneInfo = UTC, max_age: dt.timedelta = LIVE_TTL) -> list[Ranked]:
    """Every precinct (or only `precinct_ids`) ranked by `rank` (the month under way's figures may be up to
    `max_age` old; each says when it was counted, `as_of`)."""
    current = figures(session, month, precinct_ids=precinct_ids, tz=tz, timing=False, max_age=max_age)
    before = figures(session, month.previous, precinct_ids=precinct_ids, tz=tz, timing=False)
    return rank(current, before)


def rank(current: Sequence[PrecinctMonth], before: Sequence[PrecinctMonth]) -> list[Ranked]:
    """Order lines by the bulletin's rule: more of the three targets met first; then floating-population
    coverage, rental coverage, pre-case rate (a line without the estimate or case subjects a rate needs
    sorts after those with one), new declarations, the increment in residents, and the code.

    The bulletin's notes say the same in words (templates/stats/bulletin.html): change both together.
    """
    previous_active = {f.precinct_id: f.active_residents for f in before}
    previous_new = {f.precinct_id: f.new_declarations for f in before}

    def line(f: PrecinctMonth, number: int = 0) -> Ranked:
        return Ranked(rank=number, figures=f, previous_active=previous_active.get(f.precinct_id, 0),
                      previous_new=previous_new.get(f.precinct_id, 0))

    def key(f: PrecinctMonth):
        unranked = line(f)
        return (-unranked.targets_met, f.coverage is None, -(f.coverage or 0),
                f.rental_coverage is None, -(f.rental_coverage or 0), f.pre_case_rate is None,
                -(f.pre_case_rate or 0), -f.new_declarations, -unranked.increment, f.precinct_code)

    return [line(f, i) for i, f in enumerate(sorted(current, key=key), start=1)]
