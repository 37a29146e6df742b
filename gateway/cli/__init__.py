"""`declgate`: one console script for running, enrolling, inspecting and recovering."""
from __future__ import annotations

import csv
import datetime as dt
import getpass
import ipaddress
import json
import os
import sys
import time
import uuid
from pathlib import Path

import click

from gateway.settings import Settings, SettingsError, load_settings


def _settings(**overrides) -> Settings:
    try:
        return load_settings(**overrides)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def _runtime(settings: Settings | None = None, *, migrate: bool = False):
    from gateway.runtime import build_runtime, install
    from store.migrate import upgrade

    settings = _demo_keys_if_unset(settings or _settings())
    try:
        keyring = settings.keyring()
        if migrate:
            upgrade(settings.database_url, keyring=keyring)
        return install(build_runtime(settings))
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def _demo_keys_if_unset(settings: Settings) -> Settings:
    """Commands run beside `serve --demo` (outbox, export, sms send) open its database with its keys, kept
    beside that database, when no keys are set; `serve` without --demo still requires them."""
    from gateway.settings import DEMO_KEYS_FILE, INSTANCE, demo_keys

    kept = INSTANCE / DEMO_KEYS_FILE
    if settings.data_keys or settings.database_url != Settings().database_url or not kept.exists():
        return settings
    data_keys, blind_index_key = demo_keys(kept)
    return settings.with_(data_keys=data_keys, blind_index_key=settings.blind_index_key or blind_index_key)


@click.group()
def cli() -> None:
    """declgate: SMS and voice-line tenant declarations."""
    from gateway.id_masking import mask_log_records

    mask_log_records()


@cli.command()
@click.option("--demo", is_flag=True, help="Seed demo data, enable the phone simulator, use demo secrets.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--expose-demo", is_flag=True,
              help="Let --demo listen on a non-loopback --host (its logins are printed, its simulator signs "
                   "webhooks for anyone): only on a network you trust.")
def serve(demo: bool, host: str, port: int, expose_demo: bool) -> None:
    """Run the web app and an in-process worker (embedded SQLite + queue unless DATABASE_URL/REDIS_URL are set)."""
    from gateway.app import create_app
    from gateway.worker import start_embedded_worker

    if demo and not _loopback(host):
        if not expose_demo:
            raise click.ClickException(
                f"--demo listens on loopback only, not on {host}: the demo prints its logins and its phone "
                "simulator posts signed webhooks for whoever reaches it. Use --host 127.0.0.1 (the default), "
                "or add --expose-demo if everyone on that network may use it.")
        click.secho(f"WARNING: the demo is reachable from other machines on {host}:{port}; anyone there can "
                    "use the printed logins and send SMS and calls through the simulator.", fg="red", err=True)
    settings = _settings(demo=demo)
    if demo and not os.environ.get("PUBLIC_BASE_URL"):
        settings = settings.with_(public_base_url=f"http://{_url_host(host)}:{port}")  # what the simulator signs
    try:
        settings.check()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    rt = _runtime(settings, migrate=True)
    app = create_app(settings, rt=rt)
    start_embedded_worker(rt)
    click.echo(f"declgate on http://{host}:{port}  database={_redact(settings.database_url)}  "
               f"queue={'embedded' if settings.embedded else _redact(settings.redis_url or '')}")
    if demo:
        from gateway import demo as demo_data

        logins = demo_data.seed(rt)
        demo_data.seed_rejected(rt)
        click.echo(f"demo landlord {demo_data.DEMO_LANDLORD} with properties 100001 (东街) and 100002 (西巷)")
        for user, password in logins.items():
            click.echo(f"officer login: {user} / {password}")
        click.echo(f"phone simulator: http://{host}:{port}/dev/phone   officer UI: http://{host}:{port}/review")
    app.run(host=host, port=port, threaded=True, use_reloader=False)


def _loopback(host: str) -> bool:
    """Only this machine can reach `host`: localhost or a loopback address (names are not resolved)."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


@cli.command()
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst: bool) -> None:
    """Run an RQ worker for the gateway's queue (needs REDIS_URL)."""
    from gateway.worker import run_process_worker

    settings = _settings()
    if settings.embedded:
        raise click.ClickException("REDIS_URL is not set: a separate worker needs a real Redis. "
                                   "Set REDIS_URL (and DATABASE_URL), or use `declgate serve`, "
                                   "which runs its own worker.")
    run_process_worker(_runtime(settings), burst=burst)


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply Alembic migrations up to the newest."""
    from store.migrate import upgrade

    settings = _settings()
    try:
        keyring = settings.keyring()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    upgrade(settings.database_url, keyring=keyring)
    click.echo(f"database at {_redact(settings.database_url)} is up to date")


@cli.group()
def keys() -> None:
    """The keys that seal ID numbers and raw messages at rest."""


@keys.command("generate")
def keys_generate() -> None:
    """Print a new data key and a new blind index key, as lines for .env."""
    from store.keyring import new_key

    click.echo(f"DATA_KEYS={new_key()}")
    click.echo(f"BLIND_INDEX_KEY={new_key()}")
    click.echo("To rotate, put only the new data key first (DATA_KEYS=new,old), restart every process, run "
               "`declgate keys rotate`, then drop the old key an hour later. Keep BLIND_INDEX_KEY for good: "
               "people are found by it.", err=True)


@keys.command("rotate")
@click.option("--batch", default=1000, show_default=True, help="Rows resealed per transaction.")
def keys_rotate(batch: int) -> None:
    """Reseal every stored value under the newest data key (the first in DATA_KEYS); stop and rerun at will."""
    from store.rotation import rotate

    rt = _runtime(migrate=True)

    def show(step) -> None:
        click.echo(f"\r{step.column}: {step.done:,} of {step.total:,} resealed", nl=step.finished)

    resealed = rotate(rt.engine, rt.keyring, batch=batch, progress=show)
    click.echo(f"{sum(resealed.values()):,} values resealed; every stored value is now under key "
               f"{rt.keyring.primary_id}. Calls in progress keep their state under the old key for up to an hour: "
               "remove the old keys from DATA_KEYS after that.")


@cli.group()
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
    from store.enrolment import Enrolment, enrol

    rt = _runtime(migrate=True)
    entry = Enrolment(phone=phone, name=name, property_code=property_code, address=address,
                      precinct=precinct, alias=alias, single_unit=single_unit)
    try:
        with rt.sessions.begin() as session:
            prop = enrol(session, entry, rt.settings.default_region)
            click.echo(f"enrolled {prop.landlord.phone} ({prop.landlord.name}): property {prop.code} "
                       f"{prop.address} in precinct {prop.precinct.code}")
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


CSV_COLUMNS = ("phone", "name", "property_code", "address", "precinct", "alias", "single_unit")


@landlord.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def landlord_import(file: Path) -> None:
    """Enrol landlords from a CSV (columns: phone,name,property_code,address,precinct[,alias,single_unit]).

    All rows or none: any bad row is reported with its line number and nothing is written.
    """
    from store.enrolment import Enrolment, enrol

    rt = _runtime(migrate=True)
    with file.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in CSV_COLUMNS[:5] if c not in (reader.fieldnames or [])]
        if missing:
            raise click.ClickException(f"{file}: missing column(s) {', '.join(missing)}; "
                                       f"the header must be {','.join(CSV_COLUMNS)}")
        rows = list(reader)
    errors: list[str] = []
    session = rt.sessions()
    try:
        with session.begin():
            with click.progressbar(enumerate(rows, start=2), length=len(rows), label="enrolling",
                                   file=sys.stderr) as bar:
                for line, row in bar:
                    entry = Enrolment(
                        phone=row.get("phone") or "", name=row.get("name") or "",
                        property_code=row.get("property_code") or "", address=row.get("address") or "",
                        precinct=row.get("precinct") or "", alias=(row.get("alias") or None),
                        single_unit=(row.get("single_unit") or "").strip().lower() in ("1", "yes", "true", "y"))
                    try:
                        with session.begin_nested():
                            enrol(session, entry, rt.settings.default_region)
                    except ValueError as exc:
                        errors.append(f"line {line}: {exc}")
            if errors:
                session.rollback()
    finally:
        session.close()
    if errors:
        for err in errors:
            click.echo(err, err=True)
        raise click.ClickException(f"{len(errors)} bad row(s) in {file}; nothing was imported. "
                                   "Fix them and run the import again.")
    click.echo(f"imported {len(rows)} row(s) from {file}")


@cli.group()
def officer() -> None:
    """Officer accounts."""


@officer.command("add")
@click.argument("username")
@click.option("--precinct", required=True)
@click.option("--role", type=click.Choice(["officer", "supervisor", "admin"]), default="officer", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
def officer_add(username: str, precinct: str, role: str, password_stdin: bool) -> None:
    """Create an officer login; the password is prompted for and stored hashed."""
    from store.officers import add_officer

    password = _read_password(password_stdin, "nothing was created")
    rt = _runtime(migrate=True)
    try:
        with rt.sessions.begin() as session:
            add_officer(session, username, password, precinct, role)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"officer {username} ({role}) added to precinct {precinct}")


@officer.command("password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input (for scripts).")
def officer_password(username: str, password_stdin: bool) -> None:
    """Set an officer's password and log them out everywhere (every session opened before ends)."""
    from store.officers import set_password

    password = _read_password(password_stdin, "nothing was changed")
    rt = _runtime(migrate=True)
    try:
        with rt.sessions.begin() as session:
            ended = set_password(session, username, password)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"password of {username} changed; {ended} session(s) ended")


@officer.command("revoke")
@click.argument("username")
def officer_revoke(username: str) -> None:
    """End every session of an officer at once (a lost or stolen phone or laptop); the password stays."""
    from store.officer_sessions import revoke_all
    from store.officers import officer_named

    rt = _runtime(migrate=True)
    try:
        with rt.sessions.begin() as session:
            ended = revoke_all(session, officer_named(session, username).id)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{ended} session(s) of {username} ended")


def _read_password(from_stdin: bool, otherwise: str) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass("password: ")
    if getpass.getpass("again: ") != password:
        raise click.ClickException(f"the two passwords differ; {otherwise}")
    return password


@cli.group()
def sms() -> None:
    """Talk to the gateway as a phone would."""


@sms.command("send")
@click.option("--from", "from_", required=True, help="The sender's number, e.g. +8613800138000.")
@click.option("--to", default="+8610690000", show_default=True, help="The gateway's number.")
@click.option("--url", default="http://127.0.0.1:5000/sms", show_default=True)
@click.option("--wait", default=10.0, show_default=True, help="Seconds to wait for the reply.")
@click.argument("text")
def sms_send(from_: str, to: str, url: str, wait: float, text: str) -> None:
    """Post a correctly signed Twilio webhook and print the reply from the outbox."""
    import urllib.error
    import urllib.parse
    import urllib.request

    from gateway.webhooks.signature import sign

    settings = _settings()
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

    rt = _runtime(settings)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        with rt.sessions() as session:
            inbound = session.execute(select(InboundMessage.id, InboundMessage.status)
                                      .where(InboundMessage.provider_sid == sid)).one_or_none()
            if inbound is not None:
                if inbound.status == "ignored":
                    return "(no reply: opt-out word recorded)"
                body = session.scalar(select(OutboundMessage.body).where(
                    OutboundMessage.in_reply_to == inbound.id, OutboundMessage.purpose == "reply"))
                if body is not None:
                    return body
        time.sleep(0.1)
    return None


@cli.command()
@click.option("--to", default=None, help="Only messages to this number.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines.")
@click.option("--limit", default=50, show_default=True)
def outbox(to: str | None, as_json: bool, limit: int) -> None:
    """Show the outbound messages recorded, newest first."""
    from sqlalchemy import select

    from store.models import OutboundMessage

    rt = _runtime()
    with rt.sessions() as session:
        query = select(OutboundMessage).order_by(OutboundMessage.id.desc()).limit(limit)
        if to:
            query = query.where(OutboundMessage.to_number == to)
        for msg in session.scalars(query):
            if as_json:
                click.echo(json.dumps({"to": msg.to_number, "body": msg.body, "in_reply_to": msg.in_reply_to,
                                       "purpose": msg.purpose, "status": msg.status,
                                       "created_at": msg.created_at.isoformat(timespec="seconds") + "Z"},
                                      ensure_ascii=False))
            else:
                click.echo(f"{msg.created_at:%Y-%m-%d %H:%M:%S}Z → {msg.to_number} [{msg.status}] {msg.body}")


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--unmasked", is_flag=True, help="Full ID numbers (handle the file as sensitive).")
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-")
def export(fmt: str, since, unmasked: bool, output) -> None:
    """Write every declaration as CSV or JSON lines; ID numbers masked unless --unmasked."""
    from store.export import FIELDS, rows

    rt = _runtime()
    with rt.sessions() as session:
        records = rows(session, since=since.date() if since else None, unmasked=unmasked)
        if fmt == "json":
            for row in records:
                output.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            writer = csv.DictWriter(output, fieldnames=FIELDS)
            writer.writeheader()
            writer.writerows(records)


@cli.command()
@click.option("--older-than", default=0, show_default=True, help="Only messages received this many seconds ago.")
def requeue(older_than: int) -> None:
    """Re-enqueue inbound messages that no worker has handled yet."""
    from gateway.pipeline import intake

    settings = _settings()
    if settings.embedded:
        raise click.ClickException("REDIS_URL is not set: the embedded queue lives inside `declgate serve`, "
                                   "which requeues stuck messages itself every 30 s. Set REDIS_URL to requeue "
                                   "for separate workers.")
    rt = _runtime(settings)
    count = intake.requeue(rt, dt.timedelta(seconds=older_than))
    click.echo(f"requeued {count} message(s)")


from gateway.stats.report import report  # noqa: E402  (the bulletin command lives beside its template)

cli.add_command(report)

from gateway.cli.stats import stats_group  # noqa: E402

cli.add_command(stats_group)


def main() -> None:
    cli(prog_name="declgate")
