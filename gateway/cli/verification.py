"""`declgate verification draw`: put a month's declarations and staff declarations to check on the officers'
verification list."""
from __future__ import annotations

import datetime as dt

import click

from gateway.cli import base
from store.stats import Month


@click.group("verification")
def verification_group() -> None:
    """Verification (核实) of declarations by officers."""


@verification_group.command("draw")
@click.option("--month", default=None, help="The month whose declarations are drawn, YYYY-MM "
                                            "(default: the month that ended last).")
def draw(month: str | None) -> None:
    """Draw the month's sample (VERIFY_SAMPLE_PERCENT of each station's clean declarations, and of its clean
    staff declarations) and every region_unknown, no-document and backlog one. Running it again adds nothing
    twice."""
    from store import verification

    rt = base.runtime(migrate=True)
    today = dt.datetime.now(rt.tz).date()
    try:
        wanted = Month.parse(month) if month else Month.of(today).previous
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--month") from None

    def progress(done: int, total: int) -> None:
        click.echo(f"\r{done:,} of {total:,} declarations", nl=done == total, err=True)

    with rt.sessions.begin() as session:
        added = verification.draw(session, wanted, percent=rt.settings.verify_sample_percent,
                                  campaign_start=rt.campaign_start(today), tz=rt.tz, progress=progress)
    click.echo(f"verification {wanted}: {added:,} declaration(s) added to the list")
