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
from store.stats import COVERAGE_TARGET, RENTAL_TARGET, Month


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
@click.option("--level", type=click.Choice(stats.LEVELS), default="station", show_default=True,
              help="What a line is: a county (counties ranked) or a station (stations ranked).")
@click.option("--unit", default=None, help="Only the lines under this unit (declgate org list): a county's "
                                           "stations, or a city's counties. Default: the whole province.")
def monthly(month: str, out_dir: Path, level: str, unit: str | None) -> None:
    """Write the monthly bulletin (the lines ranked, the targets marked) as HTML and CSV."""
    from store import org

    try:
        wanted = Month.parse(month)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--month") from None
    rt = base.runtime(migrate=True)
    with rt.sessions() as session:
        found = org.unit_named(session, unit) if unit else None
        if unit and found is None:
            raise click.BadParameter(f"no unit {unit!r} (see declgate org list)", param_hint="--unit")
        within = found.id if found else None
        ranked = (stats.county_ranking(session, wanted, within=within, tz=rt.tz) if level == "county"
                  else stats.station_ranking(session, wanted, within=within, tz=rt.tz))
        unit_name = found.name if found else None
    if not ranked:
        raise click.ClickException("nothing to rank: enrol landlords first (declgate landlord import)"
                                   + (", and import the units (declgate org import)" if level == "county" else ""))
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"bulletin-{wanted}" + (f"-{level}" if level != "station" or unit else "") + (f"-{unit}" if unit else "")
    html_path, csv_path = out_dir / f"{stem}.html", out_dir / f"{stem}.csv"
    generated = dt.datetime.now(rt.tz).replace(microsecond=0, tzinfo=None)
    as_of = ranked[0].figures.as_of  # the month under way, counted up to LIVE_TTL ago
    local_as_of = local_time(as_of, rt.tz).replace(tzinfo=None) if as_of else None
    context = bulletin_context(ranked, wanted, generated, as_of=local_as_of, level=level, unit=unit_name)
    html_path.write_text(render_bulletin(context), encoding="utf-8")
    csv_path.write_text(bulletin_csv(ranked), encoding="utf-8")
    meeting = sum(r.meets_coverage for r in ranked)
    click.echo(f"bulletin {wanted}: {len(ranked)} {'county' if level == 'county' else 'precinct'}(s), {meeting} at "
               f"or above the {COVERAGE_TARGET:.0%} coverage target, {sum(r.meets_rental for r in ranked)} at or "
               f"above the {RENTAL_TARGET:.0%} rental housing target")
    click.echo(f"wrote {html_path}")
    click.echo(f"wrote {csv_path}")
