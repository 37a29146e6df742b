"""What went in and out: `sms send` (a signed test webhook), `outbox`, `export`."""
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

    from store.models import InboundMessage, OutboundMessage

    rt = base.runtime()
    with rt.sessions() as session:
        query = (select(OutboundMessage, InboundMessage.provider_sid)
                 .outerjoin(InboundMessage, InboundMessage.id == OutboundMessage.in_reply_to)
                 .order_by(OutboundMessage.id.desc()).limit(limit))
        if to:
            query = query.where(OutboundMessage.to_number == to)
        for msg, in_reply_to_sid in session.execute(query):
            if as_json:
                click.echo(json.dumps({"to": msg.to_number, "body": msg.body, "in_reply_to": msg.in_reply_to,
                                       "in_reply_to_sid": in_reply_to_sid, "provider_sid": msg.provider_sid,
                                       "purpose": msg.purpose, "status": msg.status, "error_code": msg.error_code,
                                       "attempts": msg.attempts,
                                       "created_at": msg.created_at.isoformat(timespec="seconds") + "Z"},
                                      ensure_ascii=False))
            else:
                error = f" error {msg.error_code}" if msg.error_code else ""
                click.echo(f"{msg.created_at:%Y-%m-%d %H:%M:%S}Z → {msg.to_number} [{msg.status}{error}] {msg.body}")


@click.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--unmasked", is_flag=True, help="Full ID numbers (handle the file as sensitive).")
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-")
def export(fmt: str, since, unmasked: bool, output) -> None:
    """Write every declaration as CSV or JSON lines; ID numbers masked unless --unmasked."""
    from store.export import FIELDS, rows

    rt = base.runtime()
    with rt.sessions() as session:
        records = rows(session, since=since.date() if since else None, unmasked=unmasked)
        if fmt == "json":
            for row in records:
                output.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            writer = csv.DictWriter(output, fieldnames=FIELDS)
            writer.writeheader()
            writer.writerows(records)
