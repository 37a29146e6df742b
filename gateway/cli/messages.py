"""What went in and out: `sms send` (a signed test webhook), `outbox`, `export` and its machine clients' tokens."""
from __future__ import annotations

import csv
import json
import time
import uuid

import click

from gateway.cli import base
from gateway.settings import DEMO_NUMBER, Settings


@click.group()
def sms() -> None:
    """Talk to the gateway as a phone would."""


@sms.command("send")
@click.option("--from", "from_", required=True, help="The sender's number, e.g. +8613800138000.")
@click.option("--to", default=DEMO_NUMBER, show_default=True, help="The gateway's number.")
@click.option("--url", default="http://127.0.0.1:5000/sms", show_default=True)
@click.option("--wait", default=10.0, show_default=True, help="Seconds to wait for the reply.")
@click.argument("text")
def sms_send(from_: str, to: str, url: str, wait: float, text: str) -> None:
    """Post a correctly signed Twilio webhook and print the reply from the outbox."""
    import urllib.error
    import urllib.parse
    import urllib.request

    from gateway.webhooks.signature import sign

    settings = base.settings()
    token = settings.twilio_auth_token
    if not token:
        from gateway.settings import DEMO_AUTH_TOKEN

        token = DEMO_AUTH_TOKEN
    sid = "SM" + uuid.uuid4().hex
    params = {"MessageSid": sid, "SmsSid": sid, "AccountSid": "AC" + "0" * 32, "From": from_, "To": to,
              "Body": text, "NumMedia": "0"}
    request = urllib.request.Request(url, data=urllib.parse.urlencode(params).encode(),
                                     headers={"X-Twilio-Signature": sign(token, url, params)})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        raise click.ClickException(f"the gateway answered {exc.code}: {exc.read().decode(errors='replace').strip()}")
    except urllib.error.URLError as exc:
        raise click.ClickException(f"cannot reach {url} ({exc.reason}); is `declgate serve` running?")
    click.echo(f"sent {sid}")
    reply = _wait_for_reply(settings, sid, wait)
    if reply is None:
        raise click.ClickException(f"no reply within {wait:g}s (is a worker running? see `declgate outbox`)")
    click.echo(reply)


def _wait_for_reply(settings: Settings, sid: str, wait: float) -> str | None:
    from sqlalchemy import select

    from store.models import InboundMessage, OutboundMessage
    from store.states import InboundStatus

    rt = base.runtime(settings)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        with rt.sessions() as session:
            inbound = session.execute(select(InboundMessage.id, InboundMessage.status)
                                      .where(InboundMessage.provider_sid == sid)).one_or_none()
            if inbound is not None:
                if inbound.status == InboundStatus.IGNORED:
                    return "(no reply: opt-out word recorded)"
                body = session.scalar(select(OutboundMessage.body).where(
                    OutboundMessage.in_reply_to == inbound.id, OutboundMessage.purpose == "reply"))
                if body is not None:
                    return body
        time.sleep(0.1)
    return None


@click.command()
@click.option("--to", default=None, help="Only messages to this number.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines.")
@click.option("--limit", default=50, show_default=True)
def outbox(to: str | None, as_json: bool, limit: int) -> None:
    """Show the outbound messages recorded, newest first."""
    from sqlalchemy import select

    from parsers import mask_ids
    from store.models import InboundMessage, OutboundMessage

    rt = base.runtime()
    with rt.sessions() as session:
        query = (select(OutboundMessage, InboundMessage.provider_sid)
                 .outerjoin(InboundMessage, InboundMessage.id == OutboundMessage.in_reply_to)
                 .order_by(OutboundMessage.id.desc()).limit(limit))
        if to:
            query = query.where(OutboundMessage.to_number == to)
        for msg, in_reply_to_sid in session.execute(query):
            body = mask_ids(msg.body)  # a reply quotes names as typed, and a name can hold an ID
            if as_json:
                click.echo(json.dumps({"to": msg.to_number, "body": body, "in_reply_to": msg.in_reply_to,
                                       "in_reply_to_sid": in_reply_to_sid, "provider_sid": msg.provider_sid,
                                       "purpose": msg.purpose, "status": msg.status, "error_code": msg.error_code,
                                       "attempts": msg.attempts,
                                       "created_at": msg.created_at.isoformat(timespec="seconds") + "Z"},
                                      ensure_ascii=False))
            else:
                error = f" error {msg.error_code}" if msg.error_code else ""
                click.echo(f"{msg.created_at:%Y-%m-%d %H:%M:%S}Z → {msg.to_number} [{msg.status}{error}] {body}")


@click.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--since", default=None, metavar="TIMESTAMP",
              help="Only rows changed at or after this ISO timestamp (Z or an offset; none: UTC) or date (local).")
@click.option("--unit", default=None, help="Only the stations under this unit (its code).")
@click.option("--unmasked", is_flag=True, help="Full ID numbers (handle the file as sensitive).")
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-")
def export(fmt: str, since: str | None, unit: str | None, unmasked: bool, output) -> None:
    """Write declarations and staff as CSV or JSON lines (docs/export.md); ID numbers masked unless --unmasked."""
    from store import export as rows_of
    from store import org

    rt = base.runtime()
    try:
        changed = rows_of.parse_since(since, rt.tz) if since else None
    except ValueError:
        raise click.BadParameter("an ISO timestamp (2026-12-01T18:00:00Z) or a date (2026-12-01)", param_hint="--since")
    with rt.sessions() as session:
        stations = None
        if unit:
            found = org.unit_named(session, unit)
            if found is None:
                raise click.BadParameter(f"no unit {unit}", param_hint="--unit")
            stations = org.stations_under(session, found.id)
        total = rows_of.count(session, since=changed, stations=stations)
        records = rows_of.rows(session, since=changed, unmasked=unmasked, stations=stations)
        writer = None
        if fmt == "csv":
            writer = csv.DictWriter(output, fieldnames=rows_of.FIELDS)
            writer.writeheader()
        done = 0
        for done, row in enumerate(records, start=1):
            if writer is not None:
                writer.writerow(row)
            else:
                output.write(json.dumps(row, ensure_ascii=False) + "\n")
            if done % 1000 == 0:
                click.echo(f"\r{done:,} of {total:,} rows", nl=False, err=True)
        click.echo(f"\r{done:,} of {total:,} rows", err=True)


@click.group("export-token")
def export_token() -> None:
    """Tokens of machine clients pulling GET /api/v1/export, one unit each."""


@export_token.command("create")
@click.option("--unit", required=True, help="The unit whose stations the token reads (its code).")
@click.option("--unmasked", is_flag=True, help="The pull carries full ID numbers.")
def export_token_create(unit: str, unmasked: bool) -> None:
    """Make a token and print it once: only its hash is kept."""
    from store import audit, export_tokens

    rt = base.runtime()
    with rt.sessions.begin() as session:
        try:
            token, row = export_tokens.create(session, unit, unmasked=unmasked)
        except export_tokens.UnknownUnit:
            raise click.BadParameter(f"no unit {unit}", param_hint="--unit")
        audit.record(session, None, "export_token_create", f"export_token:{row.id}", unit=unit, unmasked=unmasked)
        token_id = row.id
    click.echo(f"export token {token_id} for unit {unit} (shown once, keep it secret):")
    click.echo(token)


@export_token.command("revoke")
@click.argument("token_id", type=int)
def export_token_revoke(token_id: int) -> None:
    """End a token by its id: its next pull is refused."""
    from store import audit, export_tokens

    rt = base.runtime()
    with rt.sessions.begin() as session:
        if not export_tokens.revoke(session, token_id):
            raise click.ClickException(f"no export token {token_id} in force")
        audit.record(session, None, "export_token_revoke", f"export_token:{token_id}")
    click.echo(f"export token {token_id} revoked")


@export_token.command("list")
def export_token_list() -> None:
    """Every token: id, unit, masked or not, made, revoked."""
    from store import export_tokens

    rt = base.runtime()
    with rt.sessions() as session:
        for row in export_tokens.listed(session):
            revoked = f"revoked {row.revoked_at:%Y-%m-%d %H:%M}Z" if row.revoked_at else "in force"
            click.echo(f"{row.id}\t{row.unit.code}\t{'unmasked' if row.unmasked else 'masked'}\t"
                       f"{row.created_at:%Y-%m-%d %H:%M}Z\t{revoked}")
