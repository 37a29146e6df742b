"""Move-in date rules shared by the SMS grammar and the voice line's keypad dates.

The police need the declaration within a deadline; a date far in the past or in
the future is almost always a typo, so those are rejected rather than guessed.
"""
from __future__ import annotations

import datetime as dt

DEADLINE_DAYS = 7  # the declaration deadline's default (Settings.deadline_days, DECLARATION_DEADLINE_DAYS)
FUTURE_SLACK_DAYS = 1  # a landlord may declare the night before the tenant arrives
MAX_AGE_DAYS = 366


def check_move_in_date(d: dt.date, today: dt.date, deadline_days: int) -> tuple[str | None, bool]:
    """Return (error code or None, late flag) for a move-in (or move-out) date."""
    delta = (today - d).days
    if delta < -FUTURE_SLACK_DAYS:
        return "date_in_future", False
    if delta > MAX_AGE_DAYS:
        return "date_too_old", False
    return None, delta > deadline_days


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
