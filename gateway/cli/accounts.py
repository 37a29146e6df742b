"""Enrolling landlords and managing officers' accounts from the command line."""
from __future__ import annotations

from pathlib import Path

import click

from gateway.cli import base


@click.group()
def landlord() -> None:
    """Enrol landlords and their properties."""


@landlord.command("add")
@click.option("--phone", required=True)
@click.option("--name", required=True)
@click.option("--property-code", required=True)
@click.option("--address", required=True)
@click.option("--precinct", required=True)
@click.option("--alias", default=None)
@click.option("--single-unit", is_flag=True)
def landlord_add(phone, name, property_code, address, precinct, alias, single_unit) -> None:
    """Enrol a landlord (or add a property to one already enrolled)."""
    from store.enrolment import Enrolment, EnrolmentError, enrol

    rt = base.runtime(migrate=True)
    entry = Enrolment(phone=phone, name=name, property_code=property_code, address=address,
                      precinct=precinct, alias=alias, single_unit=single_unit)
    try:
        with rt.sessions.begin() as session:
            prop = enrol(session, entry, rt.settings.default_region)
            click.echo(f"enrolled {prop.landlord.phone} ({prop.landlord.name}): property {prop.code} "
                       f"{prop.address} in precinct {prop.precinct.code}")
    except EnrolmentError as exc:
        raise click.ClickException(str(exc)) from None


@landlord.command("logout")
@click.argument("phone")
def landlord_logout(phone: str) -> None:
    """End every API session of a phone at once (a lost or stolen phone): a landlord's, an agent's or an
    employer contact's. The phone logs in again with a new code."""
    from parsers.phones import to_e164
    from store import api_access, audit

    rt = base.runtime(migrate=True)
    number = to_e164(phone, rt.settings.default_region)
    if number is None:
        raise click.ClickException(f"{phone!r} is not a phone number; write it as 13800138000 or +8613800138000")
    with rt.sessions.begin() as session:
        ended = api_access.revoke_all(session, number)
        audit.record(session, None, "api_logout_all", number, source="cli", ended=ended)
    click.echo(f"{ended} API session(s) of {number} ended")


CSV_COLUMNS = ("phone", "name", "property_code", "address", "precinct", "alias", "single_unit")


@landlord.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def landlord_import(file: Path) -> None:
    """Enrol landlords from a CSV (columns: phone,name,property_code,address,precinct[,alias,single_unit]).

    All rows or none: every problem of every bad row is reported with its line number and nothing is written.
    """
    from store.enrolment import Enrolment, EnrolmentError, enrol

    rt = base.runtime(migrate=True)

    def apply(session, row: dict[str, str]) -> list[str]:
        entry = Enrolment(
            phone=row.get("phone") or "", name=row.get("name") or "",
            property_code=row.get("property_code") or "", address=row.get("address") or "",
            precinct=row.get("precinct") or "", alias=(row.get("alias") or None),
            single_unit=(row.get("single_unit") or "").strip().lower() in ("1", "yes", "true", "y"))
        try:
            with session.begin_nested():
                enrol(session, entry, rt.settings.default_region)
        except EnrolmentError as exc:
            return [problem.message for problem in exc.problems]
        return []

    base.import_csv(rt, file, required=CSV_COLUMNS[:5], columns=CSV_COLUMNS, apply=apply)


@click.group()
def officer() -> None:
    """Officer accounts."""


ROLE_CHOICE = click.Choice(["officer", "assistant", "supervisor", "admin"])


@officer.command("add")
@click.argument("username")
@click.option("--precinct", default=None, help="Their station.")
@click.option("--unit", default=None, help="Their county or city unit (declgate org list): they see every station under it.")
@click.option("--role", type=ROLE_CHOICE, default="officer", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
def officer_add(username: str, precinct: str | None, unit: str | None, role: str, password_stdin: bool) -> None:
    """Create an officer login; the password is prompted for and stored hashed."""
    from store.officers import AccountError, add_officer

    if not precinct and not unit and role in ("officer", "assistant"):
        raise click.UsageError("give --precinct (a station) or --unit")
    password = base.read_password(password_stdin, "nothing was created")
    rt = base.runtime(migrate=True)
    try:
        with rt.sessions.begin() as session:
            add_officer(session, username, password, precinct, role, unit_code=unit)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    where = " ".join(part for part in (f"unit {unit}" if unit else "", f"precinct {precinct}" if precinct else "")
                     if part) or "the whole organisation"
    click.echo(f"officer {username} ({role}) added to {where}")


@officer.command("set")
@click.argument("username")
@click.option("--role", type=ROLE_CHOICE, default=None)
@click.option("--unit", default=None, help="Their unit ('' to take them out of any unit).")
@click.option("--precinct", default=None, help="Their station ('' for none).")
@click.option("--grant", "grants", multiple=True, type=click.Choice(["reveal", "audit"]),
              help="Let an assistant see full ID numbers (reveal) or the audit page (audit); repeat for both.")
@click.option("--no-grants", is_flag=True, help="Take every grant away.")
def officer_set(username: str, role, unit, precinct, grants, no_grants: bool) -> None:
    """Change an officer's role, place in the tree or grants; takes effect on their next page."""
    from store.officers import AccountError, place

    rt = base.runtime(migrate=True)
    try:
        with rt.sessions.begin() as session:
            found = place(session, username, role=role, unit_code=unit, precinct_code=precinct,
                          grants=[] if no_grants else (list(grants) or None))
            summary = (f"{found.username}: {found.role}, unit {found.unit.code if found.unit else '-'}, "
                       f"precinct {found.precinct.code if found.precinct else '-'}, grants {found.grants or '-'}")
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(summary)


@officer.command("password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input (for scripts).")
def officer_password(username: str, password_stdin: bool) -> None:
    """Set an officer's password and log them out everywhere (every session opened before ends)."""
    from store.officers import AccountError, set_password

    password = base.read_password(password_stdin, "nothing was changed")
    rt = base.runtime(migrate=True)
    try:
        with rt.sessions.begin() as session:
            ended = set_password(session, username, password)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"password of {username} changed; {ended} session(s) ended")


@officer.command("revoke")
@click.argument("username")
def officer_revoke(username: str) -> None:
    """End every session of an officer at once (a lost or stolen phone or laptop); the password stays."""
    from store.officer_sessions import revoke_all
    from store.officers import AccountError, officer_named

    rt = base.runtime(migrate=True)
    try:
        with rt.sessions.begin() as session:
            ended = revoke_all(session, officer_named(session, username).id)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{ended} session(s) of {username} ended")
