"""Rankings at every level of the tree (store.org): stations inside a unit, counties across the province.

A county's line is the sum of its stations' figures, so its rates are the county's own (residents of
every station ÷ the estimates of every station), never an average of rates. A county's coverage needs an
estimate for each of its stations: one missing would count residents against a too small population, so
the county then has no rate (and sorts after the counties with one), until the estimate is entered.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import fields
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from store import org
from store.models import Unit
from store.stats.counting import CHANNELS, PrecinctMonth
from store.stats.month import UTC, Month
from store.stats.ranks import Ranked, rank, ranking
from store.stats.snapshots import LIVE_TTL, figures

LEVELS = ("county", "station")
_NOT_SUMMED = {"precinct_id", "precinct_code", "precinct_name", "month", "channels", "rejections",
               "median_seconds_to_receipt", "estimated_population", "estimated_rental_units", "as_of"}
_SUMMED = [f.name for f in fields(PrecinctMonth) if f.name not in _NOT_SUMMED]


def rollup(unit: Unit, month: Month, lines: Sequence[PrecinctMonth]) -> PrecinctMonth:
    """A unit's figures: its stations' summed. The line carries the unit's id, code and name."""
    def estimate(name: str) -> int | None:
        values = [getattr(f, name) for f in lines]
        return sum(values) if values and all(v is not None for v in values) else None

    rejections: Counter = Counter()
    for f in lines:
        rejections.update(dict(f.rejections))
    return PrecinctMonth(
        precinct_id=unit.id, precinct_code=unit.code, precinct_name=unit.name, month=str(month),
        **{name: sum(getattr(f, name) for f in lines) for name in _SUMMED},
        channels=tuple((c, sum(f.channel(c) for f in lines)) for c in CHANNELS),
        rejections=tuple(rejections.most_common()),
        estimated_population=estimate("estimated_population"),
        estimated_rental_units=estimate("estimated_rental_units"),
        as_of=min((f.as_of for f in lines if f.as_of is not None), default=None))


def county_ranking(session: Session, month: Month, *, within: int | None = None, tz: ZoneInfo = UTC,
                   max_age: dt.timedelta = LIVE_TTL) -> list[Ranked]:
    """The counties (under the unit `within`, or all) ranked by the bulletin's rule, each the sum of its stations."""
    counties = org.counties(session, within)
    if not counties:
        return []
    stations = org.stations_by_county(session)
    ids = sorted(pid for county in counties for pid in stations.get(county.id, []))

    def lines(wanted: Month, **kwargs) -> list[PrecinctMonth]:
        by_id = {f.precinct_id: f for f in figures(session, wanted, precinct_ids=ids, tz=tz, timing=False, **kwargs)}
        return [rollup(county, wanted, [by_id[pid] for pid in stations.get(county.id, []) if pid in by_id])
                for county in counties]

    return rank(lines(month, max_age=max_age), lines(month.previous))


def station_ranking(session: Session, month: Month, *, within: int | None = None, tz: ZoneInfo = UTC,
                    max_age: dt.timedelta = LIVE_TTL) -> list[Ranked]:
    """The stations under the unit `within` (a county ranks its own stations), or every station, ranked."""
    ids = None if within is None else org.stations_under(session, within)
    return ranking(session, month, precinct_ids=sorted(ids) if ids is not None else None, tz=tz, max_age=max_age)
