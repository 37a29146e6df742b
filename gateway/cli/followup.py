"""`declgate followup action`: record an Art. 57 action (治安管理处罚法 第五十七条) from a script, as an officer
does on the follow-up list's page: the same rules, the officer's scope and role, the same audit entry."""
from __future__ import annotations

import click

from gateway.cli import base


@click.group("followup")
def followup() -> None:
    """Article 57 actions of the follow-up list, against landlords and employers."""


@followup.command("action")
@click.option("--officer", "username", required=True, help="Who took the action (an officer, not an assistant).")
@click.option("--landlord", "phone", default=None, help="The landlord's phone.")
@click.option("--employer", "credit_code", default=None, help="The employer's unified social credit code.")
@click.option("--kind", type=click.Choice(["education", "warning", "fine"]), required=True)
@click.option("--date", "action_date", default="", help="YYYY-MM-DD (default: today; never a future day).")
@click.option("--amount", "amount_yuan", default="", help="A fine's amount in yuan (required for a fine).")
@click.option("--decision-no", default="", help="A fine's decision number, 决定书文号 (required for a fine).")
@click.option("--note", default="")
def action(username, phone, credit_code, kind, action_date, amount_yuan, decision_no, note) -> None:
    """Record one action against a landlord (--landlord) or an employer (--employer)."""
    from sqlalchemy import select

    from gateway.i18n.codes import code_word
    from parsers.phones import to_e164
    from store import art57, employers
    from store.models import Employer, Landlord, local_time, utcnow
    from store.officers import AccountError, officer_named
    from store.scope import Scope

    if (phone is None) == (credit_code is None):
        raise click.UsageError("give --landlord PHONE or --employer CREDIT_CODE (one of them)")
    rt = base.runtime(migrate=True)
    today = local_time(utcnow(), rt.tz).date()
    form = art57.ActionForm(kind=kind, action_date=action_date, amount_yuan=amount_yuan, decision_no=decision_no,
                            note=note)
    with rt.sessions.begin() as session:
        try:
            officer = officer_named(session, username)
        except AccountError as exc:
            raise click.ClickException(str(exc)) from None
        if officer.role == "assistant":
            raise click.ClickException("an assistant cannot record an Art. 57 action")
        scope = Scope.of(session, officer)
        subject: dict = {}
        if phone is not None:
            found = session.scalar(scope.landlords(select(Landlord).where(
                Landlord.phone == (to_e164(phone, rt.settings.default_region) or phone))))
            if found is not None and scope.properties_of(found):
                subject["landlord"] = found
        else:
            ident = session.scalar(select(Employer.id).where(Employer.credit_code == credit_code.strip().upper()))
            found = employers.get(session, scope, ident) if ident is not None else None
            if found is not None:
                subject["employer"] = found
        if not subject:
            raise click.ClickException(f"no such {'landlord' if phone else 'employer'} in {username}'s precincts")
        try:
            done = art57.record(session, scope, officer.id, form, today, **subject)
        except art57.ActionError as exc:
            raise click.ClickException("; ".join(code_word("art57_error", p.code, "en") for p in exc.problems)) \
                from None
        click.echo(f"recorded {done.kind} on {done.action_date.isoformat()} against {found.name}")
