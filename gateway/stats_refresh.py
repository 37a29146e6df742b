"""Counting the month under way and drawing its charts off the request path: after a response that showed
an old count, and from `declgate stats refresh` (cron, every few minutes), so no view waits for either."""
from __future__ import annotations

import datetime as dt
import logging
from collections import Counter

from gateway import stats_charts, stats_report
from gateway.i18n import DEFAULT, LANGUAGES
from store import stats, stats_cache
from store.models import utcnow
from store.stats import Month
from store.stats_cache import ChartStore

log = logging.getLogger(__name__)
CHARTS = ("coverage", "pre_case", "reasons")


def titles_in(language: str, month: Month) -> dict[str, str]:
    """The ranking charts' titles in one UI language: a chart is kept under its title too."""
    strings = LANGUAGES.get(language, LANGUAGES[DEFAULT])
    return {name: (strings.get(f"stats_chart_{name}") or LANGUAGES[DEFAULT][f"stats_chart_{name}"]).format(month=month)
            for name in CHARTS}


def ranking_charts(ranked: list[stats.Ranked], titles: dict[str, str]) -> dict[str, str]:
    """The ranking page's three charts."""
    mix: Counter[str] = Counter()
    for r in ranked:
        mix.update(dict(r.figures.rejections))
    return {"coverage": stats_charts.ranking_bars(ranked, titles["coverage"]),
            "pre_case": stats_charts.pre_case_bars(ranked, titles["pre_case"]),
            "reasons": stats_charts.reason_mix(mix.most_common(), titles["reasons"])}


def draw_ahead(rt, month: Month, *, closed: bool, languages: list[str] | tuple[str, ...] = tuple(LANGUAGES)) -> None:
    """Draw the supervisors' ranking charts (in `languages`) and the bulletin's into the chart table."""
    with rt.sessions.begin() as session:  # a closed month's snapshot is taken here if missing
        ranked = stats.ranking(session, month, tz=rt.tz)
    with stats_charts.stored_in(ChartStore(rt.sessions, str(month), closed=closed)):
        for language in languages:
            ranking_charts(ranked, titles_in(language, month))
        stats_report.bulletin_charts(ranked, month)


def recount(rt, month: Month, languages: list[str] | tuple[str, ...] = tuple(LANGUAGES)) -> bool:
    """Take the month under way's count again unless a view or process did in the last LIVE_TTL, then draw
    its charts; a failure is logged and leaves the old count (the next view tries again). True if counted."""
    try:
        with rt.sessions.begin() as session:
            if stats_cache.load_live(session, str(month), rt.tz.key, utcnow()) is not None:
                return False
            stats.recount_live(session, month, tz=rt.tz)
        draw_ahead(rt, month, closed=False, languages=languages)
        return True
    except Exception:  # noqa: BLE001 - off the request path: nothing to answer, the old count stays
        log.exception("recounting the statistics of %s failed", month)
        return False


def refresh(rt, today: dt.date | None = None) -> tuple[Month, Month, bool]:
    """Snapshot the month that ended last (if missing) with its charts, and recount the month under way."""
    today = today or dt.datetime.now(rt.tz).date()
    current = Month.of(today)
    draw_ahead(rt, current.previous, closed=True)
    return current.previous, current, recount(rt, current)
