"""Counting the month under way and drawing its charts off the request path: after a response that showed
an old count, and from `declgate stats refresh` (every worker's sweep, every three minutes), so no view
waits for either."""
from __future__ import annotations

import datetime as dt
import logging
from collections import Counter

from sqlalchemy import func, select

from gateway.stats import charts, report
from gateway.i18n import DEFAULT, LANGUAGES
from store import stats, verification
from store.models import Declaration, utcnow
from store.stats import Month
from store.stats import ChartStore

log = logging.getLogger(__name__)
CHARTS = ("coverage", "pre_case", "reasons")


def titles_in(language: str, month: Month) -> dict[str, str]:
    """The ranking charts' titles in one UI language: a chart is kept under its title too."""
    strings = LANGUAGES.get(language, LANGUAGES[DEFAULT])
    return {name: (strings.get(f"stats_chart_{name}") or LANGUAGES[DEFAULT][f"stats_chart_{name}"]).format(month=month)
            for name in CHARTS}


def ranking_charts(ranked: list[stats.Ranked], titles: dict[str, str], language: str = DEFAULT) -> dict[str, str]:
    """The ranking page's three charts, their words in `language`."""
    mix: Counter[str] = Counter()
    for r in ranked:
        mix.update(dict(r.figures.rejections))
    return {"coverage": charts.ranking_bars(ranked, titles["coverage"], language=language),
            "pre_case": charts.pre_case_bars(ranked, titles["pre_case"], language=language),
            "reasons": charts.reason_mix(mix.most_common(), titles["reasons"], language=language)}


def draw_ahead(rt, month: Month, *, closed: bool, languages: list[str] | tuple[str, ...] = tuple(LANGUAGES)) -> None:
    """Draw the supervisors' ranking charts (in `languages`) and the bulletin's into the chart table."""
    with rt.sessions.begin() as session:  # a closed month's snapshot is taken here if missing
        ranked = stats.ranking(session, month, tz=rt.tz)
    with charts.stored_in(ChartStore(rt.sessions, str(month), closed=closed)):
        for language in languages:
            ranking_charts(ranked, titles_in(language, month), language)
        report.bulletin_charts(ranked, month)


def recount(rt, month: Month, languages: list[str] | tuple[str, ...] = tuple(LANGUAGES)) -> bool:
    """Take the month under way's count again unless a view or process did in the last LIVE_TTL, then draw
    its charts; a failure is logged and leaves the old count (the next view tries again). True if counted."""
    try:
        with rt.sessions.begin() as session:
            if stats.load_live(session, str(month), rt.tz.key, utcnow()) is not None:
                return False
            stats.recount_live(session, month, tz=rt.tz)
        draw_ahead(rt, month, closed=False, languages=languages)
        return True
    except Exception:  # noqa: BLE001 - off the request path: nothing to answer, the old count stays
        log.exception("recounting the statistics of %s failed", month)
        return False


SNAPSHOTS_BACK = 12  # closed months kept snapshotted: as far back as the precinct page's trends reach


def keep_snapshots(rt, last_closed: Month, months: int = SNAPSHOTS_BACK) -> int:
    """Take again the snapshots of the closed months before `last_closed` that are missing, back to the
    first declaration; returns how many months were looked at.

    A change reaching back into an old month (a late move-out, a reviewed message) deletes that month's
    snapshots and every later month's; without this, the first view of each would count it again.
    Their charts are drawn when first viewed (under a second). A month already snapshotted costs one
    read of its snapshot rows.
    """
    with rt.sessions() as session:
        first = session.scalar(select(func.min(Declaration.declared_at)))
    if first is None:
        return 0
    oldest = Month.of(first.date())
    month, looked = last_closed.previous, 0
    while looked < months - 1 and not month < oldest:
        with rt.sessions.begin() as session:
            stats.ranking(session, month, tz=rt.tz)  # snapshots the precincts it misses
        month, looked = month.previous, looked + 1
    return looked


def draw_verification(rt, month: Month, today: dt.date) -> int:
    """Draw the closed month's declarations for verification once (store.verification); a month drawn
    before costs one read. Returns how many were added."""
    with rt.sessions.begin() as session:
        if verification.drawn(session, month):
            return 0
        return verification.draw(session, month, percent=rt.settings.verify_sample_percent,
                                 campaign_start=rt.campaign_start(today), tz=rt.tz)


def refresh(rt, today: dt.date | None = None) -> tuple[Month, Month, bool]:
    """Draw the month that ended last for verification (once), snapshot it (if missing) with its charts,
    and the eleven before it if a change deleted theirs; recount the month under way."""
    today = today or dt.datetime.now(rt.tz).date()
    current = Month.of(today)
    draw_verification(rt, current.previous, today)
    draw_ahead(rt, current.previous, closed=True)
    keep_snapshots(rt, current.previous)
    return current.previous, current, recount(rt, current)
