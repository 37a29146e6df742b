"""The process's connections: database, Redis, queue and SMS sender, built once from Settings.

RQ job functions take plain ids and look their resources up here, so the same
job code runs in a `declgate worker` process and in the embedded worker thread.
"""
from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import redis
from rq import Queue
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from gateway.outbound import OutboxSender, Sender, SimulatedCarrier, TwilioSender
from gateway.settings import Settings
from store import facts, sealed
from store.db import make_engine, make_sessionmaker, make_statement_engine
from store.keyring import Keyring

_embedded_servers: dict[str, object] = {}
_lock = threading.Lock()
_current: Runtime | None = None


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    intake_engine: Engine  # the webhooks' self-committing INSERT (see store.db.make_statement_engine)
    sessions: sessionmaker[Session]
    redis: redis.Redis
    queue: Queue
    sender: Sender
    keyring: Keyring  # also attached to both engines, for the sealed columns
    _campaign_start: dt.date | None = None

    def campaign_start(self, today: dt.date, session: Session | None = None) -> dt.date:
        """The day move-ins stop being backlog: CAMPAIGN_START, else the database's first day (looked up once).

        A caller inside a transaction passes its session: on SQLite a transaction of our own would wait for
        the caller's write lock, which the caller holds until we return. A day recorded in the caller's
        transaction is not kept until it is seen committed, since that transaction may still roll back.
        """
        if self.settings.campaign_start is not None:
            return self.settings.campaign_start
        if self._campaign_start is None:
            if session is not None:
                recorded = facts.recorded_on(session)
                if recorded is None:
                    return facts.created_on(session, today)
                self._campaign_start = recorded
            else:
                with self.sessions.begin() as own:
                    self._campaign_start = facts.created_on(own, today)
        return self._campaign_start

    def key(self, *parts: str) -> str:
        """A Redis key in this deployment's namespace (the queue name), so deployments can share a Redis."""
        return ":".join((self.settings.queue_name, *parts))

    def dispose(self) -> None:
        """Close every pooled database connection (before a fork, or when a test drops its database)."""
        self.engine.dispose()
        if self.intake_engine is not self.engine:
            self.intake_engine.dispose()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)


def embedded_redis(name: str = "default") -> redis.Redis:
    """An in-process Redis stand-in; every call with the same name shares one server (web thread + worker thread)."""
    import fakeredis

    with _lock:
        server = _embedded_servers.get(name)
        if server is None:
            server = _embedded_servers[name] = fakeredis.FakeServer()
    return fakeredis.FakeRedis(server=server)


def build_runtime(settings: Settings) -> Runtime:
    """Connections for `settings`; SettingsError when the data keys are missing, before anything connects."""
    keyring = settings.keyring()
    engine = sealed.attach(make_engine(settings.database_url), keyring)
    conn = redis.Redis.from_url(settings.redis_url) if settings.redis_url else embedded_redis()
    sender: Sender
    if settings.twilio_account_sid and settings.twilio_auth_token:
        callback = settings.public_base_url.rstrip("/") + "/sms/status" if settings.public_base_url else None
        sender = TwilioSender(settings.twilio_account_sid, settings.twilio_auth_token,
                              default_from=settings.twilio_number, status_callback=callback)
    elif settings.demo:
        sender = SimulatedCarrier()
    else:
        sender = OutboxSender()
    return Runtime(settings=settings, engine=engine,
                   intake_engine=sealed.attach(make_statement_engine(settings.database_url, engine), keyring),
                   sessions=make_sessionmaker(engine), redis=conn,
                   queue=Queue(settings.queue_name, connection=conn), sender=sender, keyring=keyring)


def install(runtime: Runtime) -> Runtime:
    """Make `runtime` the one jobs in this process use."""
    global _current
    _current = runtime
    return runtime


def current() -> Runtime:
    """The process's runtime; a bare worker process builds it from the environment on first use."""
    global _current
    if _current is None:
        from gateway.settings import load_settings

        _current = build_runtime(load_settings())
    return _current
