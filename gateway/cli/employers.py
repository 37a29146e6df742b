"""`declgate employer add|import`: enrolling employers (用工单位) and their sites, as `declgate landlord` does
landlords: the same code space, the same all-or-nothing CSV import with line-numbered errors."""
from __future__ import annotations

from pathlib import Path

import click

from gateway.cli import base

CSV_COLUMNS = ("credit_code", "name", "address", "precinct", "phones", "site_code", "site_kind", "site_address",
               "site_alias", "capacity")
REQUIRED = CSV_COLUMNS[:6]


@click.group()
def employer() -> None:
    """Enrol employers (用工单位) and their sites; their contact phones then declare staff by SMS (用工/离职)."""


@employer.command("add")
@click.option("--credit-code", required=True, help="The unified social credit code (18 characters).")
@click.option("--name", required=True)
@click.option("--address", required=True)
@click.option("--precinct", required=True)
@click.option("--phone", "phones", multiple=True, required=True, help="A contact phone; repeat for several.")
@click.option("--site-code", required=True, help="4 to 12 digits, not used by any property or site.")
@click.option("--site-kind", type=click.Choice(["workplace", "dormitory", "building_site"]), default="workplace")
@click.option("--site-address", default="", help="Default: the employer's address.")
@click.option("--site-alias", default=None)
@click.option("--capacity", type=click.IntRange(min=0), default=None, help="How many the site lodges, if known.")
def employer_add(credit_code, name, address, precinct, phones, site_code, site_kind, site_address, site_alias,
                 capacity) -> None:
    """Enrol an employer with a site (or add a site and phones to one already enrolled, by its credit code)."""
    from store.employers import EmployerEntry, enrol
    from store.enrolment import EnrolmentError

    rt = base.runtime(migrate=True)
    entry = EmployerEntry(credit_code=credit_code, name=name, address=address, precinct=precinct,
                          phones=tuple(phones), site_code=site_code, site_kind=site_kind, site_address=site_address,
                          site_alias=site_alias, capacity=capacity)
    try:
        with rt.sessions.begin() as session:
            site = enrol(session, entry, rt.settings.default_region)
            click.echo(f"enrolled employer {entry.credit_code.strip().upper()} ({name.strip()}): site {site.code} "
                       f"({site.kind}) {site.address} in precinct {precinct.strip()}")
    except EnrolmentError as exc:
        raise click.ClickException(str(exc)) from None


def _entry(row: dict[str, str]):
    """One CSV row as an entry; a capacity that is no number is left for the caller to report."""
    from store.employers import EmployerEntry, split_phones

    capacity = (row.get("capacity") or "").strip()
    return EmployerEntry(credit_code=row.get("credit_code") or "", name=row.get("name") or "",
                         address=row.get("address") or "", precinct=row.get("precinct") or "",
                         phones=tuple(split_phones(row.get("phones") or "")), site_code=row.get("site_code") or "",
                         site_kind=(row.get("site_kind") or "").strip() or "workplace",
                         site_address=row.get("site_address") or "", site_alias=row.get("site_alias") or None,
                         capacity=int(capacity) if capacity.isdigit() else None)


@employer.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def employer_import(file: Path) -> None:
    """Enrol employers from a CSV, one site a row (columns: credit_code,name,address,precinct,phones,site_code
    [,site_kind,site_address,site_alias,capacity]; phones separated by `;`). Rows with the same credit code add
    sites to one employer.

    All rows or none: every problem of every bad row is reported with its line number and nothing is written.
    """
    from store.employers import enrol
    from store.enrolment import EnrolmentError

    rt = base.runtime(migrate=True)

    def apply(session, row: dict[str, str]) -> list[str]:
        capacity = (row.get("capacity") or "").strip()
        problems = [] if not capacity or capacity.isdigit() else [f"capacity {capacity!r} must be a whole number"]
        try:
            with session.begin_nested():
                enrol(session, _entry(row), rt.settings.default_region)
        except EnrolmentError as exc:
            problems.extend(problem.message for problem in exc.problems)
        return problems

    base.import_csv(rt, file, required=REQUIRED, columns=CSV_COLUMNS, apply=apply)
