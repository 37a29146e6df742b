"""`declgate enrolment …`: the landlords' and employers' own enrolment requests, decided from the command line.

The same decisions as the officers' page (gateway.officer.enrolment_actions), with every precinct in scope
and no officer named in the audit log (the entry says the command line made it).
"""
from __future__ import annotations

import json

import click

from gateway.cli import base


@click.group()
def enrolment() -> None:
    """List, approve and reject landlords' and employers' enrolment requests (SMS 注册, the API, /my)."""


@enrolment.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line (ID numbers masked).")
def enrolment_list(as_json: bool) -> None:
    """The pending requests, oldest first."""
    from parsers import mask_id
    from store import enrolment_requests as requests
    from store.scope import Scope

    rt = base.runtime()
    with rt.sessions() as session:
        rows = requests.pending(session, Scope.everything())
        if not rows and not as_json:
            click.echo("no enrolment request is waiting")
        for r in rows:
            precinct = r.suggested_precinct.code if r.suggested_precinct else None
            document = mask_id(r.document_number) if r.document_number else None
            if as_json:
                click.echo(json.dumps({
                    "id": r.id, "kind": r.kind, "credit_code": r.credit_code, "credit_conflict": r.credit_conflict,
                    "phone": r.phone, "name": r.name, "document_type": r.document_type,
                    "document": document, "address": r.address, "alias": r.alias, "single_unit": r.single_unit,
                    "suggested_precinct": precinct, "address_conflict": r.address_conflict, "channel": r.channel,
                    "created_at": r.created_at.isoformat(timespec="seconds") + "Z"}, ensure_ascii=False))
            else:
                flags = " [address_conflict]" if r.address_conflict else ""
                flags += " [credit_conflict]" if r.credit_conflict else ""
                who = f"employer {r.credit_code}" if r.kind == requests.EMPLOYER else document or r.document_type
                click.echo(f"#{r.id} {r.created_at:%Y-%m-%d %H:%M}Z {r.phone} {r.name} {who} "
                           f"{r.address} precinct {precinct or '?'}{flags}")


def _pending(session, request_id: int):
    from store import enrolment_requests as requests
    from store.scope import Scope

    found = requests.get(session, Scope.everything(), request_id)
    if found is None:
        raise click.ClickException(f"no enrolment request #{request_id}; `declgate enrolment list` shows the "
                                   "pending ones")
    if found.status != requests.PENDING:
        raise click.ClickException(f"enrolment request #{request_id} was already {found.status}")
    return found


@enrolment.command("approve")
@click.argument("request_id", type=int)
@click.option("--precinct", required=True, help="The precinct code the property belongs to (e.g. GL01).")
@click.option("--property-code", "--site-code", "property_code", default=None,
              help="The property's (an employer's: the site's) code, 4 to 12 digits; default: the next free code.")
def enrolment_approve(request_id: int, precinct: str, property_code: str | None) -> None:
    """Enrol the landlord and property (or the employer and site), text them the code, process again what they
    sent before."""
    from gateway.officer import enrolment_actions
    from store import enrolment_requests as requests
    from store.enrolment import EnrolmentError
    from store.scope import Scope

    rt = base.runtime()
    with rt.sessions() as session:
        _pending(session, request_id)
        code = property_code or requests.next_free_code(session)
    try:
        done = enrolment_actions.approve(rt, None, Scope.everything(), request_id, precinct=precinct,
                                         property_code=code)
    except EnrolmentError as exc:
        raise click.ClickException(f"{exc}; nothing was enrolled") from None
    what, who = ("site", "employer") if done.employer else ("property", "landlord")
    click.echo(f"approved #{request_id}: {what} {done.property_code} in precinct {done.precinct}; the {who} "
               f"was texted; {done.reprocessed} earlier message(s) queued again")


@enrolment.command("reject")
@click.argument("request_id", type=int)
@click.option("--reason", required=True, help="Sent to the landlord by SMS.")
def enrolment_reject(request_id: int, reason: str) -> None:
    """Refuse the request; the landlord (or employer) is texted the reason."""
    from gateway.officer import enrolment_actions
    from store import enrolment_requests as requests
    from store.scope import Scope

    rt = base.runtime()
    with rt.sessions() as session:
        _pending(session, request_id)
    try:
        enrolment_actions.reject(rt, None, Scope.everything(), request_id, reason)
    except requests.DecisionError as exc:
        raise click.ClickException("give a reason with --reason (it is sent to the landlord)"
                                   if exc.code == "reason_required" else f"cannot reject: {exc.code}") from None
    click.echo(f"rejected #{request_id}; the landlord was texted")
