"""Move-in date rules shared by the SMS grammar, the structured (web) form and the voice line's keypad dates.

The police need the declaration within a deadline; a date in the future is almost always a typo, so it is
rejected rather than guessed. The campaign registers everyone, including people who moved in years ago
(docs/sms-format.md §9.5): an old move-in is a backlog registration, not an error, and it is not late
either when it predates the campaign — the landlord could not have declared it on time.
"""
from __future__ import annotations

import datetime as dt
from typing import NamedTuple

DEADLINE_DAYS = 7  # the declaration deadline's default (Settings.deadline_days, DECLARATION_DEADLINE_DAYS)
FUTURE_SLACK_DAYS = 1  # a landlord may declare the night before the tenant arrives
MAX_AGE_DAYS = 366  # older move-ins are backlog; older move-outs are still typos
EARLIEST_DATE = dt.date(1949, 10, 1)  # no registration predates the People's Republic: such a date is a typo


class DateCheck(NamedTuple):
    """What the rules say about one date: an error code, or the warnings it earns."""

    error: str | None
    late: bool = False
    backlog: bool = False


def check_move_in_date(d: dt.date, today: dt.date, deadline_days: int, *,
                       campaign_start: dt.date | None = None, born: dt.date | None = None) -> DateCheck:
    """The rules for a move-in date (§4, §9.5).

    `born` is the person's birth date when their document tells it; `campaign_start` is the day the gateway
    began taking declarations (None: only the 366-day age makes a backlog).
    """
    delta = (today - d).days
    if delta < -FUTURE_SLACK_DAYS:
        return DateCheck("date_in_future")
    if d < EARLIEST_DATE:
        return DateCheck("bad_date")
    if born is not None and d < born:
        return DateCheck("date_before_birth")
    backlog = delta > MAX_AGE_DAYS or (campaign_start is not None and d < campaign_start)
    return DateCheck(None, late=not backlog and delta > deadline_days, backlog=backlog)


def check_move_out_date(d: dt.date, today: dt.date, deadline_days: int) -> DateCheck:
    """The rules for a move-out date: a move-out more than a year back is a typo, not a backlog."""
    delta = (today - d).days
    if delta < -FUTURE_SLACK_DAYS:
        return DateCheck("date_in_future")
    if delta > MAX_AGE_DAYS:
        return DateCheck("date_too_old")
    return DateCheck(None, late=delta > deadline_days)


def birth_date(ric: str) -> dt.date | None:
    """The birth date an 18-character resident ID carries, or None when it has none that is real."""
    if len(ric) != 18 or not ric[6:14].isascii() or not ric[6:14].isdigit():
        return None
    return make_date(int(ric[6:10]), int(ric[10:12]), int(ric[12:14]))


def resolve_year(month: int, day: int, today: dt.date) -> dt.date | None:
    """Give a year-less date the latest year that is not in the future.

    "Not in the future" uses the same one-day slack as `check_move_in_date`, so
    typing tomorrow's day does not silently jump a year back. 29 February looks
    back to the latest leap year. None when no year makes the date real.
    """
    limit = today + dt.timedelta(days=FUTURE_SLACK_DAYS)
    for year in range(limit.year, limit.year - 9, -1):
        try:
            d = dt.date(year, month, day)
        except ValueError:
            continue
        if d <= limit:
            return d
    return None


def make_date(year: int, month: int, day: int) -> dt.date | None:
    """A real calendar date or None (never raises)."""
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None
