"""Settings from the environment (or `.env`), one frozen value passed everywhere.

Reading os.environ in one place keeps the web process, the worker and the CLI
agreeing on the same configuration.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import load_dotenv

from parsers.dates import DEADLINE_DAYS
from store.keyring import Keyring, KeyringError, new_key

# Twilio serves MMS media from its API host and redirects to its media CDN.
TWILIO_MEDIA_HOSTS = ("api.twilio.com", "media.twiliocdn.com", "mms.twiliocdn.com")
DEMO_AUTH_TOKEN = "demo-auth-token-not-secret"
DEMO_NUMBER = "+8610690000"  # the demo gateway's SMS and voice number (what the simulator dials)
DEMO_BASE_URL = "http://127.0.0.1:5000"  # `declgate serve --demo`'s own address; serve sets the one it binds
DEMO_KEYS_FILE = "demo-keys.json"  # beside the demo database under instance/, which outlives a restart
KEYS_HINT = ("Generate them with `declgate keys generate` and set DATA_KEYS and BLIND_INDEX_KEY in the environment "
             "or .env (see .env.example), or run with --demo.")


class SettingsError(Exception):
    """A required setting is missing; the message says which and how to set it."""


@dataclass(frozen=True)
class Settings:
    # The folder for the embedded database, the demo's keys and anything else kept on this host.
    instance_dir: Path = Path("instance")
    database_url: str = ""  # empty: the embedded SQLite file under instance_dir
    redis_url: str | None = None  # None: embedded in-process Redis stand-in
    twilio_auth_token: str | None = None
    twilio_account_sid: str | None = None
    public_base_url: str | None = None
    default_region: str = "CN"
    deadline_days: int = DEADLINE_DAYS
    # CAMPAIGN_START: move-ins before it are backlog registrations, never late (docs/sms-format.md §9.5).
    # None: the day the database was created (store.facts).
    campaign_start: dt.date | None = None
    verify_sample_percent: int = 5  # VERIFY_SAMPLE_PERCENT: share of clean declarations drawn for verification
    secret_key: str | None = None
    timezone: str = "Asia/Shanghai"
    demo: bool = False
    queue_name: str = "declgate"  # several deployments (or test runs) can share one Redis
    rate_limit_per_hour: int = 30  # SMS per sender per hour before the rest go to officers silently
    status_lookups_per_hour: int = 10  # voice status look-ups per calling number
    status_sms_per_day: int = 3  # status SMS the voice line sends to one person's phone on record
    voice_number: str | None = None  # the voice line residents call, printed on tenant notices
    session_idle_minutes: int = 30  # an officer's session ends after this long without a request
    session_max_hours: int = 12  # and this long after the login, however busy (one shift)
    api_token_hours: int = 720  # a landlord's API token (/api/v1/login) lasts this long unless revoked (30 days)
    trusted_proxies: int = 0  # proxies in front whose X-Forwarded-For/-Proto are believed
    data_keys: tuple[str, ...] = ()  # DATA_KEYS, newest first: the newest seals, every one opens
    blind_index_key: str | None = None  # BLIND_INDEX_KEY: the HMAC key of people.document_hash
    batch_size: int = 200  # messages one transaction of a job handles at most (gateway.pipeline.drain)
    batch_wait: float = 0.05  # seconds a drain lets messages gather before a batch (the first, and after a partial one)
    send_threads: int = 8  # replies of one batch a worker sends to Twilio at once (each call waits ~0.1-0.3 s)
    sweep_every: float = 30.0  # seconds between a worker's sweeps for lost jobs and stale replies
    stuck_after: float = 60.0  # seconds a message may wait `received` before the sweep queues it again
    stats_every: float = 180.0  # seconds between a worker's statistics refreshes; 0 turns them off
    replay_every: float = 2.0  # seconds between two spool replays that found nothing (gateway.pipeline.replay)
    # Where a webhook keeps what the database cannot take during an outage (gateway.pipeline.spool).
    spool_dir: str | None = None  # SPOOL_DIR: the file spool, on this host's disk; None: instance/spool
    spool_maxlen: int = 100_000  # SPOOL_MAXLEN: the Redis stream's cap; past 90 % the file takes over
    spool_redis: bool = True  # SPOOL_REDIS=0: files only (a Redis without persistence loses its spool on restart)
    # Running it for real (docs/deployment.md, "Production walk-through").
    twilio_number: str | None = None  # TWILIO_NUMBER: sends SMS that answer no inbound; what `doctor` checks
    metrics_token: str | None = None  # METRICS_TOKEN: /metrics answers a request with this bearer token
    metrics_allow: tuple[str, ...] = ()  # METRICS_ALLOW: addresses or networks that may read /metrics
    ready_worker_seconds: float = 90.0  # DECLGATE_READY_WORKER_SECONDS: /readyz needs a worker seen this recently
    log_format: str = "text"  # LOG_FORMAT=json: one JSON object per log line
    retention_days: int = 0  # RETENTION_DAYS: raw messages older than this are purged by the sweep; 0 keeps them
    # Portraits (gateway.media): the hosts MMS images may be downloaded from (each redirect hop is checked too),
    # whether Twilio's copy is deleted once ours is stored, and where ours live (None: instance/media).
    twilio_media_hosts: tuple[str, ...] = TWILIO_MEDIA_HOSTS
    twilio_delete_media: bool = True
    media_url: str | None = None  # MEDIA_URL: a folder, or s3://bucket/prefix (AWS_* variables, boto3)
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{Path(self.instance_dir) / 'declgate.sqlite'}")

    @property
    def embedded(self) -> bool:
        return self.redis_url is None

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    def keyring(self) -> Keyring:
        """The data and blind index keys, checked; SettingsError says what is missing and how to make it."""
        if not self.data_keys:
            raise SettingsError("DATA_KEYS is not set: ID numbers cannot be encrypted at rest. " + KEYS_HINT)
        if not self.blind_index_key:
            raise SettingsError("BLIND_INDEX_KEY is not set: ID numbers cannot be looked up. " + KEYS_HINT)
        try:
            return Keyring(self.data_keys, self.blind_index_key)
        except KeyringError as exc:
            raise SettingsError(str(exc)) from None

    def check(self) -> None:
        """Refuse to run without the secrets a real deployment needs; demo mode brings its own."""
        for name, value, least in (("SESSION_IDLE_MINUTES", self.session_idle_minutes, 1),
                                   ("SESSION_MAX_HOURS", self.session_max_hours, 1),
                                   ("API_TOKEN_HOURS", self.api_token_hours, 1),
                                   ("TRUSTED_PROXIES", self.trusted_proxies, 0),
                                   ("DECLGATE_BATCH_SIZE", self.batch_size, 1),
                                   ("DECLGATE_SEND_THREADS", self.send_threads, 1),
                                   ("DECLGATE_SWEEP_EVERY", self.sweep_every, 0.01),
                                   ("DECLGATE_STUCK_AFTER", self.stuck_after, 0),
                                   ("DECLGATE_STATS_EVERY", self.stats_every, 0),
                                   ("DECLGATE_REPLAY_EVERY", self.replay_every, 0.01),
                                   ("DECLGATE_BATCH_WAIT", self.batch_wait, 0),
                                   ("RETENTION_DAYS", self.retention_days, 0),
                                   ("DECLARATION_DEADLINE_DAYS", self.deadline_days, 0),
                                   ("SMS_RATE_LIMIT_PER_HOUR", self.rate_limit_per_hour, 1),
                                   ("STATUS_LOOKUPS_PER_HOUR", self.status_lookups_per_hour, 0),
                                   ("STATUS_SMS_PER_DAY", self.status_sms_per_day, 0),
                                   ("VERIFY_SAMPLE_PERCENT", self.verify_sample_percent, 0),
                                   ("DECLGATE_READY_WORKER_SECONDS", self.ready_worker_seconds, 1),

                                                                      ("SPOOL_MAXLEN", self.spool_maxlen, 10)):
            if value < least:
                raise SettingsError(f"{name}={value} must be at least {least}")
        if self.verify_sample_percent > 100:
            raise SettingsError(f"VERIFY_SAMPLE_PERCENT={self.verify_sample_percent} must be at most 100")
        try:
            ZoneInfo(self.timezone)
        except (ValueError, ZoneInfoNotFoundError):
            raise SettingsError(f"TIMEZONE={self.timezone!r} is not a time zone: write an IANA name, "
                                "e.g. TIMEZONE=Asia/Shanghai") from None
        if self.log_format not in ("text", "json"):
            raise SettingsError(f"LOG_FORMAT={self.log_format!r} must be text or json")
        self.keyring()
        if self.demo:
            return
        if not self.twilio_auth_token:
            raise SettingsError("TWILIO_AUTH_TOKEN is not set: webhooks cannot be verified. "
                                "Set it in the environment or .env (see .env.example), or run with --demo.")
        if not self.secret_key:
            raise SettingsError("SECRET_KEY is not set: officer sessions cannot be signed. "
                                "Set a long random value in the environment or .env, or run with --demo.")
        if not self.public_base_url:
            raise SettingsError("PUBLIC_BASE_URL is not set: webhook signatures are checked against the URL "
                                "Twilio calls, never the request's Host header. Set it to that scheme and host, "
                                "e.g. PUBLIC_BASE_URL=https://declgate.example.org, or run with --demo.")
        parts = urlsplit(self.public_base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path.strip("/") \
                or parts.query or parts.fragment:
            raise SettingsError(f"PUBLIC_BASE_URL={self.public_base_url!r} must be a scheme and host only, "
                                "e.g. https://declgate.example.org")

    @property
    def secure_cookies(self) -> bool:
        """Officers reach the app over HTTPS (the public URL says so): cookies then travel only over it."""
        return bool(self.public_base_url and self.public_base_url.lower().startswith("https://"))


def load_settings(env_file: str | os.PathLike[str] | None = None, **overrides: Any) -> Settings:
    """Read settings from the environment after loading `.env` (existing variables win)."""
    load_dotenv(env_file or Path.cwd() / ".env", override=False)
    env = os.environ
    values: dict[str, Any] = {}
    if env.get("DECLGATE_INSTANCE"):
        values["instance_dir"] = Path(env["DECLGATE_INSTANCE"])
    else:
        values["instance_dir"] = Path.cwd() / "instance"
    if env.get("DATABASE_URL"):
        values["database_url"] = _database_url(env["DATABASE_URL"].strip())
    if env.get("REDIS_URL"):
        values["redis_url"] = env["REDIS_URL"]
    if env.get("DATA_KEYS"):
        values["data_keys"] = tuple(key.strip() for key in env["DATA_KEYS"].split(",") if key.strip())
    if env.get("BLIND_INDEX_KEY"):
        values["blind_index_key"] = env["BLIND_INDEX_KEY"].strip()
    for key, name in (("twilio_auth_token", "TWILIO_AUTH_TOKEN"), ("twilio_account_sid", "TWILIO_ACCOUNT_SID"),
                      ("public_base_url", "PUBLIC_BASE_URL"), ("secret_key", "SECRET_KEY"),
                      ("default_region", "DEFAULT_REGION"), ("timezone", "TIMEZONE"),
                      ("voice_number", "VOICE_NUMBER"), ("queue_name", "DECLGATE_QUEUE"),
                      ("twilio_number", "TWILIO_NUMBER"), ("metrics_token", "METRICS_TOKEN"),
                      ("log_format", "LOG_FORMAT")):
        if env.get(name):
            values[key] = env[name]
    for key, name in (("deadline_days", "DECLARATION_DEADLINE_DAYS"), ("rate_limit_per_hour", "SMS_RATE_LIMIT_PER_HOUR"),
                      ("status_lookups_per_hour", "STATUS_LOOKUPS_PER_HOUR"),
                      ("status_sms_per_day", "STATUS_SMS_PER_DAY"),
                      ("session_idle_minutes", "SESSION_IDLE_MINUTES"), ("session_max_hours", "SESSION_MAX_HOURS"),
                      ("api_token_hours", "API_TOKEN_HOURS"),
                      ("trusted_proxies", "TRUSTED_PROXIES"), ("batch_size", "DECLGATE_BATCH_SIZE"),
                      ("send_threads", "DECLGATE_SEND_THREADS"),
                      ("spool_maxlen", "SPOOL_MAXLEN"), ("retention_days", "RETENTION_DAYS"),
                      ("verify_sample_percent", "VERIFY_SAMPLE_PERCENT")):
        if env.get(name):
            try:
                values[key] = int(env[name])
            except ValueError:
                raise SettingsError(f"{name}={env[name]!r} is not a whole number") from None
    for key, name in (("sweep_every", "DECLGATE_SWEEP_EVERY"), ("stuck_after", "DECLGATE_STUCK_AFTER"),
                      ("stats_every", "DECLGATE_STATS_EVERY"), ("replay_every", "DECLGATE_REPLAY_EVERY"),
                      ("batch_wait", "DECLGATE_BATCH_WAIT"),
                      ("ready_worker_seconds", "DECLGATE_READY_WORKER_SECONDS")):
        if env.get(name):
            try:
                values[key] = float(env[name])
            except ValueError:
                raise SettingsError(f"{name}={env[name]!r} is not a number of seconds") from None
    if env.get("CAMPAIGN_START"):
        try:
            values["campaign_start"] = dt.date.fromisoformat(env["CAMPAIGN_START"].strip())
        except ValueError:
            raise SettingsError(f"CAMPAIGN_START={env['CAMPAIGN_START']!r} is not a date: write it as "
                                "YYYY-MM-DD, e.g. CAMPAIGN_START=2026-03-01") from None
    if env.get("METRICS_ALLOW"):
        values["metrics_allow"] = tuple(net.strip() for net in env["METRICS_ALLOW"].split(",") if net.strip())
    if env.get("SPOOL_DIR"):
        values["spool_dir"] = env["SPOOL_DIR"]
    if env.get("TWILIO_MEDIA_HOSTS"):
        values["twilio_media_hosts"] = tuple(h.strip().lower() for h in env["TWILIO_MEDIA_HOSTS"].split(",")
                                             if h.strip())
    if env.get("TWILIO_DELETE_MEDIA"):
        values["twilio_delete_media"] = env["TWILIO_DELETE_MEDIA"].strip().lower() not in ("0", "no", "off", "false")
    if env.get("MEDIA_URL"):
        values["media_url"] = env["MEDIA_URL"].strip()
    if env.get("SPOOL_REDIS"):
        values["spool_redis"] = env["SPOOL_REDIS"].strip().lower() not in ("0", "no", "off", "false")
    values.update(overrides)
    settings = Settings(**values)
    if settings.demo and not settings.twilio_auth_token:
        settings = settings.with_(twilio_auth_token=DEMO_AUTH_TOKEN)
    if settings.demo and not settings.secret_key:
        # A new key at every demo start: a published one would let anyone sign themselves a supervisor's session.
        settings = settings.with_(secret_key=secrets.token_urlsafe(32))
    if settings.demo and not settings.public_base_url:
        settings = settings.with_(public_base_url=DEMO_BASE_URL)
    if settings.demo and not settings.voice_number:
        settings = settings.with_(voice_number=DEMO_NUMBER)
    if settings.demo and not (settings.data_keys and settings.blind_index_key):
        data_keys, blind_index_key = demo_keys(Path(settings.instance_dir) / DEMO_KEYS_FILE)
        settings = settings.with_(data_keys=settings.data_keys or data_keys,
                                  blind_index_key=settings.blind_index_key or blind_index_key)
    return settings


def _database_url(url: str) -> str:
    """DATABASE_URL, refused with what to write unless it is a PostgreSQL or SQLite URL. `postgres://` is the
    form Heroku-like platforms set for the Procfile's processes: it is the same server, read as postgresql://."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme == "postgres":
        return "postgresql://" + url.split("://", 1)[1]
    if scheme == "postgresql+psycopg2":
        raise SettingsError("DATABASE_URL names the psycopg2 driver, which declgate does not use: "
                            "write postgresql://user:password@host/dbname")
    if scheme not in ("postgresql", "postgresql+psycopg", "sqlite"):
        raise SettingsError("DATABASE_URL must be postgresql://user:password@host:5432/dbname or "
                            "sqlite:////absolute/path.sqlite; leave it unset for the embedded SQLite database")
    return url


def demo_keys(path: Path) -> tuple[tuple[str, ...], str]:
    """The demo's keys, made on its first run and kept beside its database: the demo database outlives a
    restart, and keys made afresh at every start could not open what the last run sealed."""
    if path.exists():
        stored = json.loads(path.read_text())
        return tuple(stored["data_keys"]), stored["blind_index_key"]
    data_keys, blind_index_key = (new_key(),), new_key()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # readable by the demo's user only
    with os.fdopen(fd, "w") as out:
        json.dump({"data_keys": list(data_keys), "blind_index_key": blind_index_key}, out)
    return data_keys, blind_index_key
