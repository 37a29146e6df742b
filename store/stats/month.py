"""The calendar month the statistics are counted by, and when one is closed."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import ClassVar
from zoneinfo import ZoneInfo

from store.models import utc_midnight

UTC = ZoneInfo("UTC")
_MONTH = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    # The campaign's calendar: a month outside it is refused, so pages and reports can step
    # a year and more either side without leaving the dates Python and the databases hold.
    EARLIEST: ClassVar[str] = "2000-01"
    LATEST: ClassVar[str] = "2999-12"

    @classmethod
    def parse(cls, text: str) -> Month:
        """`YYYY-MM` to a Month; ValueError with a readable message otherwise."""
        m = _MONTH.fullmatch(text.strip())
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise ValueError(f"month {text!r} must be written YYYY-MM, e.g. 2026-03")
        if not cls.EARLIEST <= m.group() <= cls.LATEST:
            raise ValueError(f"month {text!r} must be a YYYY-MM from {cls.EARLIEST} to {cls.LATEST}")
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def of(cls, day: dt.date) -> Month:
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    @property
    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    @property
    def last_day(self) -> dt.date:
        return self.next.first_day - dt.timedelta(days=1)

    def bounds(self, tz: ZoneInfo = UTC) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) of the month in the gateway's zone, as the naive UTC the tables store."""
        return utc_midnight(self.first_day, tz), utc_midnight(self.next.first_day, tz)

    def back(self, count: int) -> list[Month]:
        """The `count` months ending with this one, oldest first."""
        months = [self]
        while len(months) < count:
            months.append(months[-1].previous)
        return months[::-1]


def is_closed(month: Month, today: dt.date) -> bool:
    """A month is closed once the next one has begun (in the deployment's zone)."""
    return month.next.first_day <= today
