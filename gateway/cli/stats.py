"""`declgate stats snapshot`: keep a closed month's figures, so its pages read them instead of recounting;
`declgate stats refresh`: the same for the month that ended last, plus the month under way's count and charts;
`declgate report monthly`: the bulletin the printable page shows, as files to mail."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from gateway.cli import base
from gateway.stats import refresh as refreshing
from gateway.stats.report import bulletin_context, bulletin_csv, render_bulletin
from store import stats
from store.models import local_time
from store.stats import COVERAGE_TARGET, Month


@click.group("stats")
def stats_group() -> None:
    """Campaign statistics."""


@stats_group.command("snapshot")
@click.option("--month", default=None, help="The closed month, YYYY-MM (default: the month that ended last).")
@click.option("--refresh", is_flag=True, help="Recompute a month already snapshotted.")
def snapshot(month: str | None, refresh: bool) -> None:
    """Store a closed month's figures for every precinct (run it when a month closes, e.g. from cron on the 1st)."""
    rt = base.runtime(migrate=True)
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
    rt = base.runtime(migrate=True)
    closed, current, counted = refreshing.refresh(rt)
    click.echo(f"{closed} snapshotted, charts drawn; {current} "
               + ("counted, charts drawn" if counted else "already counted in the last few minutes"))


@click.group("report")
def report() -> None:
    """Campaign reports."""


@report.command("monthly")
@click.option("--month", required=True, help="The bulletin's month, YYYY-MM.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Folder for bulletin-YYYY-MM.html and .csv (created if missing).")
def monthly(month: str, out_dir: Path) -> None:
    """Write the monthly bulletin (every precinct ranked, targets shown) as HTML and CSV."""
    try:
        wanted = Month.parse(month)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--month") from None
    rt = base.runtime(migrate=True)
    with rt.sessions() as session:
        ranked = stats.ranking(session, wanted, tz=rt.tz)
    if not ranked:
        raise click.ClickException("there are no precincts yet: enrol landlords first (declgate landlord import)")
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path, csv_path = out_dir / f"bulletin-{wanted}.html", out_dir / f"bulletin-{wanted}.csv"
    generated = dt.datetime.now(rt.tz).replace(microsecond=0, tzinfo=None)
    as_of = ranked[0].figures.as_of  # the month under way, counted up to LIVE_TTL ago
    local_as_of = local_time(as_of, rt.tz).replace(tzinfo=None) if as_of else None
    html_path.write_text(render_bulletin(bulletin_context(ranked, wanted, generated, as_of=local_as_of)), encoding="utf-8")
    csv_path.write_text(bulletin_csv(ranked), encoding="utf-8")
    meeting = sum(r.meets_coverage for r in ranked)
    click.echo(f"bulletin {wanted}: {len(ranked)} precinct(s), {meeting} at or above the "
               f"{COVERAGE_TARGET:.0%} coverage target")
    click.echo(f"wrote {html_path}")
    click.echo(f"wrote {csv_path}")
