"""`declgate purge`: empty raw messages and recordings received before a date (see store.retention)."""
from __future__ import annotations

import click

from gateway.cli import base


@click.command()
@click.option("--before", "before", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="Purge what arrived before this local date, e.g. two years ago.")
@click.option("--dry-run", is_flag=True, help="Count what would be purged; change nothing.")
def purge(before, dry_run: bool) -> None:
    """Empty raw message bodies, parses, call answers and recording links received before --before.

    Declarations, receipts, replies, codes and statistics stay as they are; the purge is audited.
    """
    from store import retention

    rt = base.runtime(migrate=not dry_run)
    with (rt.sessions() if dry_run else rt.sessions.begin()) as session:
        found = retention.purge(session, before.date(), tz=rt.tz, dry_run=dry_run)
    verb = "would empty" if dry_run else "emptied"
    click.echo(f"{verb} {found.messages:,} message(s) and {found.recordings:,} recording link(s) received before "
               f"{found.before}; {found.kept_open:,} item(s) still open in the officers' queue are kept")
