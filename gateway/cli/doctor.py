"""`declgate doctor`: every setting and dependency checked, with what is wrong and how to fix it.

Each check returns Findings; the command prints them all (it does not stop at the first) and exits 1 if any is
an error. The Twilio checks call Twilio's API, and are skipped with a note when it cannot be reached (offline,
or --offline).
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import click
from sqlalchemy import text

from gateway.cli import base
from gateway.settings import Settings, SettingsError

OK, WARN, ERROR, SKIP = "ok", "warn", "error", "skip"
WEAK_SECRETS = frozenset({"changeme", "secret", "dev", "test", "development"})


@dataclass(frozen=True)
class Finding:
    level: str
    what: str
    detail: str
    fix: str = ""


def check_settings(settings: Settings) -> list[Finding]:
    """The secrets and URLs a real deployment needs, without connecting to anything."""
    found = []
    key = settings.secret_key or ""
    if not key:
        found.append(Finding(ERROR, "SECRET_KEY", "not set: officer sessions cannot be signed",
                             "set SECRET_KEY to a long random value, e.g. `python -c 'import secrets; "
                             "print(secrets.token_urlsafe(48))'`"))
    elif len(key) < 32 or key.lower() in WEAK_SECRETS or len(set(key)) < 8:
        found.append(Finding(ERROR, "SECRET_KEY", f"weak ({len(key)} characters, {len(set(key))} different)",
                             "use at least 32 random characters (`python -c 'import secrets; "
                             "print(secrets.token_urlsafe(48))'`), then restart every process"))
    else:
        found.append(Finding(OK, "SECRET_KEY", "set and long"))
    url = settings.public_base_url or ""
    if not url:
        found.append(Finding(ERROR, "PUBLIC_BASE_URL", "not set: webhook signatures cannot be checked",
                             "set it to the https address Twilio calls, e.g. https://declgate.example.org"))
    elif urlsplit(url).scheme != "https":
        found.append(Finding(ERROR, "PUBLIC_BASE_URL", f"{url} is not https: webhooks and officers' sessions "
                             "travel in clear", "serve the gateway behind a TLS proxy and set PUBLIC_BASE_URL=https://…"))
    else:
        found.append(Finding(OK, "PUBLIC_BASE_URL", url))
    try:
        settings.with_(demo=False).check()
        found.append(Finding(OK, "settings", "every required setting is there"))
    except SettingsError as exc:
        found.append(Finding(ERROR, "settings", str(exc)))
    if not settings.twilio_account_sid:
        found.append(Finding(WARN, "TWILIO_ACCOUNT_SID", "not set: replies are recorded in the outbox, never sent",
                             "set TWILIO_ACCOUNT_SID (with TWILIO_AUTH_TOKEN) to send real SMS"))
    if not (settings.metrics_token or settings.metrics_allow):
        found.append(Finding(WARN, "/metrics", "answers nobody (neither METRICS_TOKEN nor METRICS_ALLOW is set)",
                             "set METRICS_TOKEN for your Prometheus, or METRICS_ALLOW=10.0.0.0/8 (its network)"))
    if not settings.retention_days:
        found.append(Finding(WARN, "RETENTION_DAYS", "not set: raw messages, with full ID numbers, are kept forever",
                             "set RETENTION_DAYS (e.g. 730) for the workers to purge older ones daily"))
    return found


def check_database(settings: Settings) -> list[Finding]:
    from store.db import make_engine
    from store.migrate import current, heads

    target = base.redact(settings.database_url)
    found = []
    if settings.database_url.startswith("sqlite"):
        found.append(Finding(WARN, "DATABASE_URL", f"{target}: the embedded SQLite file serves one machine only",
                             "set DATABASE_URL=postgresql://… for a deployment"))
    engine = make_engine(settings.database_url)
    autovacuum = None
    try:
        with engine.connect() as conn:
            at, head = current(conn), heads()
            if conn.dialect.name == "postgresql":
                autovacuum = conn.scalar(text("SHOW autovacuum"))
    except Exception as exc:  # noqa: BLE001 - the finding says what failed
        return found + [Finding(ERROR, "database", f"{target} does not answer ({type(exc).__name__})",
                                "check DATABASE_URL and that PostgreSQL runs and lets this host in")]
    finally:
        engine.dispose()
    if autovacuum is not None:
        found.append(autovacuum_finding(autovacuum))
    if at != head:
        return found + [Finding(ERROR, "migrations", f"at {', '.join(sorted(at)) or 'nothing'}, code needs "
                                f"{', '.join(sorted(head))}", "run `declgate db upgrade` (with the keys set)")]
    return found + [Finding(OK, "database", f"{target} answers, migrated to {', '.join(sorted(at))}")]


def autovacuum_finding(setting: str) -> Finding:
    """PostgreSQL's `autovacuum` setting, as a finding.

    Off, the planner keeps whatever it knew of each table when it was last analyzed, however much the table
    has grown since, and the plans a connection keeps for its prepared statements are made again only when
    a table is analyzed. A worker's look-ups are then planned for a near-empty table and keep scanning it as
    it grows: measured, the receipts' look-up of one batch took 50-70 ms at 15,000 declarations, the people
    look-up read every active declaration once per person (docs/performance.md); analyzed, both stay index
    look-ups.
    """
    if setting == "on":
        return Finding(OK, "autovacuum", "on: the planner's statistics follow the tables as they grow")
    return Finding(WARN, "autovacuum", f"{setting}: the planner's statistics go stale as the tables grow, and the "
                   "worker's dedupe look-up then slows with every declaration stored",
                   "turn it on in postgresql.conf (autovacuum = on, the default) and reload; meanwhile run "
                   "`ANALYZE` after bulk loads and daily")


def check_redis(settings: Settings) -> list[Finding]:
    import redis

    from gateway.telemetry import heartbeat

    if settings.embedded:
        return [Finding(WARN, "REDIS_URL", "not set: the embedded queue works inside `declgate serve` only",
                        "set REDIS_URL=redis://… to run `declgate worker` processes and several web processes"),
                Finding(SKIP, "worker", "not checked: the embedded worker lives inside `declgate serve`")]
    conn = redis.Redis.from_url(settings.redis_url, socket_timeout=3, socket_connect_timeout=3)
    try:
        conn.ping()
        age = heartbeat.last_seen_age(conn, settings.queue_name)
    except redis.RedisError as exc:
        return [Finding(ERROR, "redis", f"{base.redact(settings.redis_url)} does not answer ({type(exc).__name__})",
                        "check REDIS_URL and that Redis runs")]
    found = [Finding(OK, "redis", f"{base.redact(settings.redis_url)} answers")]
    if age is None or age > settings.ready_worker_seconds:
        seen = "no worker ever seen" if age is None else f"last worker seen {age:.0f} s ago"
        found.append(Finding(ERROR, "worker", f"{seen} on queue {settings.queue_name}",
                             "start `declgate worker` (Procfile `worker`) with the same REDIS_URL and DECLGATE_QUEUE"))
    else:
        found.append(Finding(OK, "worker", f"seen {age:.0f} s ago"))
    return found


def check_twilio(settings: Settings, number: str | None, offline: bool) -> list[Finding]:
    """Twilio accepts the credentials, and the number's webhooks point at PUBLIC_BASE_URL."""
    from twilio.base.exceptions import TwilioException, TwilioRestException

    from gateway.cli.twilio_number import webhook_urls
    from gateway.outbound import twilio_client

    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        return [Finding(SKIP, "twilio", "no TWILIO_ACCOUNT_SID: nothing to check at Twilio")]
    if offline:
        return [Finding(SKIP, "twilio", "--offline: credentials and the number not checked")]
    client = twilio_client(settings.twilio_account_sid, settings.twilio_auth_token)
    try:
        client.api.v2010.accounts(settings.twilio_account_sid).fetch()
    except TwilioRestException as exc:
        return [Finding(ERROR, "twilio", f"credentials rejected (HTTP {exc.status}, error {exc.code})",
                        "check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN in the console (Account → API keys & tokens)")]
    except (TwilioException, OSError) as exc:
        return [Finding(SKIP, "twilio", f"cannot reach Twilio ({type(exc).__name__}): offline? not checked")]
    found = [Finding(OK, "twilio", f"account {settings.twilio_account_sid} accepts the credentials")]
    number = number or settings.twilio_number
    if not number:
        return found + [Finding(WARN, "number", "TWILIO_NUMBER not set: the number's webhooks are not checked",
                                "set TWILIO_NUMBER=+86… (the number landlords text)")]
    records = client.incoming_phone_numbers.list(phone_number=number, limit=2)
    if not records:
        return found + [Finding(ERROR, "number", f"{number} is not on this account", "check TWILIO_NUMBER")]
    record, wanted = records[0], webhook_urls(settings.public_base_url or "", overrides="")
    wrong = [f"{field} is {getattr(record, field) or 'empty'}" for field in ("sms_url", "voice_url")
             if (getattr(record, field) or "").split("#")[0] != wanted[field]]
    if wrong:
        return found + [Finding(ERROR, "number", f"{number}: " + "; ".join(wrong) + f", not {settings.public_base_url}",
                                f"run `declgate twilio configure --number {number}`")]
    return found + [Finding(OK, "number", f"{number} calls {settings.public_base_url}")]


@click.command()
@click.option("--offline", is_flag=True, help="Skip the checks that call Twilio's API.")
@click.option("--number", default=None, help="The Twilio number to check (default: TWILIO_NUMBER).")
def doctor(offline: bool, number: str | None) -> None:
    """Check every setting and dependency; say what is wrong and how to fix it. Exits 1 on any error."""
    settings = base.settings()
    findings = [*check_settings(settings), *check_database(settings), *check_redis(settings),
                *check_twilio(settings, number, offline)]
    colours = {OK: "green", WARN: "yellow", ERROR: "red", SKIP: "blue"}
    for finding in findings:
        click.echo(click.style(f"{finding.level.upper():5}", fg=colours[finding.level]) + f" {finding.what}: "
                   f"{finding.detail}")
        if finding.fix and finding.level in (ERROR, WARN):
            click.echo(f"      fix: {finding.fix}")
    errors = sum(finding.level == ERROR for finding in findings)
    click.echo(f"{errors} error(s), {sum(f.level == WARN for f in findings)} warning(s)")
    if errors:
        raise SystemExit(1)
