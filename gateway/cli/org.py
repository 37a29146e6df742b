"""`declgate org`: the tree of units (city → county) and stations, imported from CSV, listed, exported."""
from __future__ import annotations

from pathlib import Path

import click

from gateway.cli import base


@click.group("org")
def org_group() -> None:
    """The police hierarchy: city and county units, stations under them."""


@org_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def org_import(file: Path) -> None:
    """Create or update units and stations from a CSV (columns: code,name,level,parent; level is city,
    county or station; a station's parent is its county, a county's its city).

    All rows or none: every problem of every bad row is reported with its line number and nothing is written.
    """
    from store.org import OrgError, import_csv

    rt = base.runtime(migrate=True)
    try:
        with rt.sessions.begin() as session:
            count = import_csv(session, file.read_text(encoding="utf-8-sig"))
    except OrgError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        raise click.ClickException(f"{len(exc.problems)} problem(s) in {file}; nothing was imported. "
                                   "Fix them and run the import again.") from None
    click.echo(f"imported {count} row(s) from {file}")


@org_group.command("list")
def org_list() -> None:
    """Print the tree, indented: units, then their stations."""
    from store.org import tree

    rt = base.runtime(migrate=True)
    with rt.sessions() as session:
        for depth, node in tree(session):
            click.echo(f"{'  ' * depth}{node.code}  {node.name}  ({node.level})")


@org_group.command("export")
def org_export() -> None:
    """Write the tree as the CSV `declgate org import` reads (to edit and import again)."""
    from store.org import export_csv

    rt = base.runtime(migrate=True)
    with rt.sessions() as session:
        click.echo(export_csv(session), nl=False)
