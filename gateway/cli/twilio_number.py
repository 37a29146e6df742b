"""`declgate twilio configure`: point a Twilio number's webhooks at this gateway through Twilio's REST API."""
from __future__ import annotations

import click

from gateway.cli import base

# Twilio's connection overrides (docs/deployment.md, "What Twilio really does"): retry a failed connection,
# a read timeout or a 5xx twice within 15 s. A fragment: Twilio reads it and never sends it to the gateway.
OVERRIDES = "ct=2000&rt=6000&tt=15000&rc=2&rp=ct,rt,5xx"


def webhook_urls(public_base_url: str, overrides: str = OVERRIDES) -> dict[str, str]:
    """The number's settings, as Twilio's IncomingPhoneNumber update takes them, for this gateway."""
    base_url = public_base_url.rstrip("/")
    fragment = f"#{overrides}" if overrides else ""
    return {"sms_url": f"{base_url}/sms{fragment}", "sms_method": "POST",
            "voice_url": f"{base_url}/voice{fragment}", "voice_method": "POST",
            "status_callback": f"{base_url}/voice/status", "status_callback_method": "POST"}


def find_number(client, number: str):
    """The account's IncomingPhoneNumber for `number` (E.164), or a ClickException saying it is not there."""
    found = client.incoming_phone_numbers.list(phone_number=number, limit=2)
    if not found:
        raise click.ClickException(f"{number} is not a number of Twilio account {client.account_sid}: buy or port "
                                   "it in the console first, or check TWILIO_ACCOUNT_SID")
    return found[0]


@click.group("twilio")
def twilio_group() -> None:
    """The gateway's Twilio number."""


@twilio_group.command("configure")
@click.option("--number", required=True, help="The Twilio number landlords text and call, e.g. +8610690000.")
@click.option("--overrides", default=OVERRIDES, show_default=True,
              help="Twilio connection overrides added to the webhook URLs as a fragment; '' for none.")
def configure(number: str, overrides: str) -> None:
    """Set the number's SMS and voice webhooks and its status callback from PUBLIC_BASE_URL."""
    from gateway.outbound import twilio_client

    settings = base.settings()
    if not (settings.twilio_account_sid and settings.twilio_auth_token and settings.public_base_url):
        raise click.ClickException("TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and PUBLIC_BASE_URL must be set: the "
                                   "number is configured through Twilio's API to call PUBLIC_BASE_URL")
    client = twilio_client(settings.twilio_account_sid, settings.twilio_auth_token)
    urls = webhook_urls(settings.public_base_url, overrides)
    find_number(client, number).update(**urls)
    for name in ("sms_url", "voice_url", "status_callback"):
        click.echo(f"{name}: {urls[name]}")
    click.echo(f"{number} now calls {settings.public_base_url}. Text HELP to it to check that signatures verify; "
               "`declgate doctor` checks the number from now on.")
