"""`declgate stats snapshot`: keep a closed month's figures, so its pages read them instead of recounting;
`declgate stats refresh`: the same for the month that ended last, plus the month under way's count and charts."""
from __future__ import annotations

import datetime as dt

import click

from store.stats import Month


@click.group("stats")
def stats_group() -> None:
    """Campaign statistics."""


@stats_group.command("snapshot")
@click.option("--month", default=None, help="The closed month, YYYY-MM (default: the month that ended last).")
@click.option("--refresh", is_flag=True, help="Recompute a month already snapshotted.")
def snapshot(month: str | None, refresh: bool) -> None:
    """Store a closed month's figures for every precinct (run it when a month closes, e.g. from cron on the 1st)."""
    from gateway.cli import _runtime
    from store import stats

    rt = _runtime(migrate=True)
    today = dt.datetime.now(rt.tz).date()
    try:
        wanted = Month.parse(month) if month else Month.of(today).previous
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--month") from None
    if not stats.is_closed(wanted, today):
        raise click.ClickException(f"{wanted} has not ended yet: its figures are computed live on every view")
    with rt.sessions.begin() as session:
        count = stats.take_snapshot(session, wanted, tz=rt.tz, replace=refresh)
    click.echo(f"snapshot {wanted} ({rt.tz.key}): {count} precinct(s)")


@stats_group.command("refresh")
def refresh() -> None:
    """Snapshot the month that ended last if missing (and the eleven before it), count the month under way
    (unless counted in the last five minutes) and draw both months' ranking and bulletin charts. Every
    declgate worker does this every three minutes; run it by hand after a large import, or from cron
    when the workers' refresh is turned off (DECLGATE_STATS_EVERY=0)."""
    from gateway.cli import _runtime
    from gateway.stats.refresh import refresh as run

    rt = _runtime(migrate=True)
    closed, current, counted = run(rt)
    click.echo(f"{closed} snapshotted, charts drawn; {current} "
               + ("counted, charts drawn" if counted else "already counted in the last few minutes"))
