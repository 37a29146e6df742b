"""A real deployment on loopback: gunicorn web processes, `declgate worker` processes, PostgreSQL, Redis.

Used by the fault, scale-out and privacy tests. Everything is a subprocess talking
over 127.0.0.1; the test process plays Twilio (signed webhooks over HTTP) and reads
the database to count what happened.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, func, select, text
from stdnum.cn import ric

from gateway.webhooks.signature import sign
from store.enrolment import Enrolment, enrol
from store.models import Base, Declaration, InboundMessage, OutboundMessage, Person
from store.db import make_sessionmaker
from tests.constants import GATEWAY_NUMBER, KEY_ENV

TOKEN = "fault-auth-token"
REPO = Path(__file__).resolve().parents[2]
PG_VERSION = sorted(os.listdir("/etc/postgresql"))[0] if os.path.isdir("/etc/postgresql") else "15"


def landlord_phone(i: int) -> str:
    return f"+86138{i:08d}"


def id_number(serial: int) -> str:
    """A checksum-valid mainland ID number, different for every serial."""
    birth = f"19{70 + serial % 30:02d}{1 + serial % 12:02d}{1 + serial % 28:02d}"
    stem = f"110101{birth}{serial % 1000:03d}"
    for check in "0123456789X":
        if ric.is_valid(stem + check):
            return stem + check
    raise AssertionError(stem)


def unique_id_numbers(count: int, start: int = 0) -> list[str]:
    seen: dict[str, None] = {}
    serial = start
    while len(seen) < count:
        seen.setdefault(id_number(serial))
        serial += 1
    return list(seen)


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"


def tenant_name(i: int) -> str:
    """A plausible two- or three-character name, different for the first 8000 serials."""
    name = SURNAMES[i % 20] + GIVEN[(i // 20) % 20]
    return name + GIVEN[(i // 400) % 20] if i >= 400 else name


def declaration(i: int, id_number: str) -> str:
    return f"登记 {tenant_name(i)} {id_number} {100 + i % 900}"


def procfile_command(role: str, path: str | None = None) -> str:
    """The command line of a Procfile role (`web`, `worker`…), as written: a shell expands its variables."""
    with open(path or REPO / "Procfile") as fh:
        for line in fh:
            name, sep, command = line.partition(":")
            if sep and name.strip() == role:
                return command.strip()
    raise KeyError(f"no {role!r} role in the Procfile")


@contextlib.contextmanager
def procfile_web(env: dict[str, str], log_path: Path, processes: int = 1):
    """The Procfile's `web` line, run by a shell as a Procfile runner does (PORT, WEB_CONCURRENCY), its
    output in `log_path`; yields its port once /healthz answers, and stops the whole group afterwards."""
    port = free_port()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(["bash", "-c", "exec " + procfile_command("web")], cwd=REPO,
                                env=dict(env, PORT=str(port), WEB_CONCURRENCY=str(processes)), stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        def answered() -> bool:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    return response.status == 200
            except OSError:
                if proc.poll() is not None:
                    raise AssertionError(f"the web process exited:\n{log_path.read_text()}") from None
                return False

        wait_until(answered, 30, "the Procfile's web process")
        yield port
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout: float, what: str, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")


def enrol_landlords(engine: Engine, count: int) -> list[str]:
    """`count` landlords, each with one multi-room property; returns their phones."""
    phones = []
    with make_sessionmaker(engine).begin() as session:
        for i in range(count):
            phone = landlord_phone(i)
            enrol(session, Enrolment(phone=phone, name=f"房东{i}", property_code=f"{300000 + i}",
                                     address=f"东街{i}号", precinct="GL01"))
            phones.append(phone)
    return phones


def truncate(engine: Engine) -> None:
    with engine.begin() as conn:
        names = ", ".join(t.name for t in Base.metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@dataclass
class Posted:
    sid: str
    status: int


@dataclass
class Stack:
    """Processes started for one test; `close()` ends exactly these."""

    database_url: str
    redis_url: str
    logdir: Path
    public_base_url: str = "http://declgate.test"  # what Twilio would call; every web process checks against it
    extra_env: dict[str, str] = field(default_factory=dict)
    webs: list[tuple[subprocess.Popen, int]] = field(default_factory=list)
    workers: list[subprocess.Popen] = field(default_factory=list)
    _logs: list = field(default_factory=list)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "TWILIO_"))}
        env.update(DATABASE_URL=self.database_url, REDIS_URL=self.redis_url, TWILIO_AUTH_TOKEN=TOKEN,
                   SECRET_KEY="fault-secret", SMS_RATE_LIMIT_PER_HOUR="100000",
                   DECLGATE_SWEEP_EVERY="0.5", DECLGATE_STUCK_AFTER="2", PYTHONUNBUFFERED="1", **KEY_ENV)
        env["PUBLIC_BASE_URL"] = self.public_base_url
        env.update(self.extra_env)
        return env

    def _log(self, name: str):
        handle = open(self.logdir / name, "ab")
        self._logs.append(handle)
        return handle

    def start_web(self, processes: int = 2, log_level: str = "info") -> int:
        """A gunicorn server like the Procfile's `web` role; returns its port once it answers."""
        port = free_port()
        log = self._log(f"web-{port}.log")
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:gateway.web.gunicorn_config",
             "--workers", str(processes), "--bind", f"127.0.0.1:{port}",
             "--access-logfile", "-", "--logger-class", "gateway.web.access_log.AccessLogger",
             "--log-level", log_level, "gateway.app:create_app()"],
            cwd=REPO, env=self.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.webs.append((proc, port))

        def up() -> bool:
            if proc.poll() is not None:
                raise AssertionError(f"gunicorn exited with {proc.returncode}; see {log.name}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    return True
            except (urllib.error.URLError, OSError):
                return False

        wait_until(up, 30, f"gunicorn on port {port}")
        return port

    def kill_web(self, port: int) -> None:
        """SIGKILL a gunicorn server and its workers at once: a host losing the process, no shutdown at all."""
        for proc, web_port in self.webs:
            if web_port == port:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def start_worker(self) -> subprocess.Popen:
        """A `declgate worker` process, as the Procfile's `worker` role runs it."""
        log = self._log(f"worker-{len(self.workers)}.log")
        proc = subprocess.Popen([sys.executable, "-m", "gateway", "worker"], cwd=REPO, env=self.env(),
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.workers.append(proc)
        # Ready once RQ listens: a test must not depend on how long a worker takes to start.
        path = Path(log.name)
        wait_until(lambda: "Listening on" in path.read_text(errors="replace"), 60, f"{path.name} to listen")
        return proc

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "gateway", *args], cwd=REPO, env=self.env(),
                              capture_output=True, text=True, timeout=60)

    def url(self, port: int, path: str = "/sms") -> str:
        return f"http://127.0.0.1:{port}{path}"

    def post_sms(self, port: int, body: str, sender: str, sid: str | None = None) -> Posted:
        """POST one signed Twilio Messaging webhook; the status code is what Twilio would see."""
        sid = sid or "SM" + uuid.uuid4().hex
        params = {"MessageSid": sid, "SmsSid": sid, "AccountSid": "AC" + "1" * 32, "From": sender,
                  "To": GATEWAY_NUMBER, "Body": body, "NumMedia": "0"}
        signed_url = self.public_base_url.rstrip("/") + "/sms"
        request = urllib.request.Request(self.url(port), data=urllib.parse.urlencode(params).encode(),
                                         headers={"X-Twilio-Signature": sign(TOKEN, signed_url, params)})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()
                return Posted(sid, response.status)
        except urllib.error.HTTPError as exc:
            exc.read()
            return Posted(sid, exc.code)

    def post_many(self, jobs: list[tuple[int, str, str, str | None]], threads: int = 8) -> list[Posted]:
        """Post (port, body, sender, sid) webhooks from a thread pool, in order of the list."""
        with concurrent.futures.ThreadPoolExecutor(threads) as pool:
            return list(pool.map(lambda job: self.post_sms(*job), jobs))

    def logs(self) -> str:
        for handle in self._logs:
            if not handle.closed:
                handle.flush()
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.logdir.glob("*.log")))

    def close(self) -> None:
        procs = [p for p, _ in self.webs] + self.workers
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for proc in procs:  # and what they forked (RQ's scheduler outlives a worker killed with -9)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
        for handle in self._logs:
            handle.close()


@dataclass
class Ledger:
    """What the database holds after a run, counted the way the police would audit it."""

    inbound: int
    by_status: dict[str, int]
    replies: int
    inbound_without_one_reply: int
    pending_outbound: int
    declarations: int
    duplicate_declarations: int
    people: int

    @classmethod
    def read(cls, engine: Engine) -> Ledger:
        with make_sessionmaker(engine)() as session:
            by_status = dict(session.execute(select(InboundMessage.status, func.count())
                                             .group_by(InboundMessage.status)).all())
            replies_per = (select(OutboundMessage.in_reply_to, func.count().label("n"))
                           .where(OutboundMessage.purpose == "reply").group_by(OutboundMessage.in_reply_to)
                           .subquery())
            answered = select(InboundMessage.id).where(InboundMessage.status != "ignored")
            without_one = session.scalar(
                select(func.count()).select_from(InboundMessage)
                .outerjoin(replies_per, replies_per.c.in_reply_to == InboundMessage.id)
                .where(InboundMessage.id.in_(answered), func.coalesce(replies_per.c.n, 0) != 1))
            dupes = session.scalar(select(func.count()).select_from(
                select(Declaration.person_id, Declaration.property_id)
                .where(Declaration.status == "active")
                .group_by(Declaration.person_id, Declaration.property_id)
                .having(func.count() > 1).subquery()))
            return cls(
                inbound=sum(by_status.values()), by_status=by_status,
                replies=session.scalar(select(func.count()).select_from(OutboundMessage)
                                       .where(OutboundMessage.purpose == "reply")),
                inbound_without_one_reply=without_one,
                pending_outbound=session.scalar(select(func.count()).select_from(OutboundMessage)
                                                 .where(OutboundMessage.status.in_(("pending", "sending")))),
                declarations=session.scalar(select(func.count()).select_from(Declaration)),
                duplicate_declarations=dupes,
                people=session.scalar(select(func.count()).select_from(Person)))

    @property
    def settled(self) -> bool:
        return self.by_status.get("received", 0) == 0 and self.pending_outbound == 0


def settle(engine: Engine, expected_inbound: int, timeout: float = 60) -> Ledger:
    """Wait until every expected message is handled and every reply sent; the final ledger."""
    def done():
        ledger = Ledger.read(engine)
        return ledger if ledger.inbound == expected_inbound and ledger.settled else None

    try:
        return wait_until(done, timeout, f"{expected_inbound} inbound messages handled and replied")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; ledger now: {Ledger.read(engine)}") from None


def sids_stored(engine: Engine, sids: list[str]) -> dict[str, int]:
    """How many inbound rows each SID has."""
    with make_sessionmaker(engine)() as session:
        counts = dict(session.execute(select(InboundMessage.provider_sid, func.count())
                                      .where(InboundMessage.provider_sid.in_(sids))
                                      .group_by(InboundMessage.provider_sid)).all())
    return {sid: counts.get(sid, 0) for sid in sids}


# ------------------------------------------------------------------ private servers, for the outage tests

PG_BIN = Path(f"/usr/lib/postgresql/{PG_VERSION}/bin")


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own (initdb in a temporary directory, a free port), which it may stop
    and start at will: the shared server on 5432 carries every other engineer's tests."""

    def __init__(self) -> None:
        self.port = free_port()
        # Under /tmp, not pytest's tmp_path: the postgres user must reach it, and pytest's root is root-only.
        self.home = Path(tempfile.mkdtemp(prefix="declgate-pg-"))
        self.data = self.home / "data"
        shutil.chown(self.home, "postgres", "postgres")
        self._as_postgres(PG_BIN / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync",
                          "-E", "UTF8", "--locale", "C")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/declgate"

    def _as_postgres(self, *command) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *map(str, command)], check=True, capture_output=True,
                       timeout=120)

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.home} -c max_connections=100 "
                   "-c shared_buffers=32MB")
        self._as_postgres(PG_BIN / "pg_ctl", "-D", self.data, "-l", self.home / "server.log", "-o", options,
                          "-w", "-t", "60", "start")

    def stop(self) -> None:
        """A fast shutdown, as a restart or a failover does it: sessions are ended (57P01), commits kept."""
        self._as_postgres(PG_BIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "-t", "60", "stop")

    def up(self) -> bool:
        return subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", str(self.port), "-q"]).returncode == 0

    def close(self) -> None:
        if self.up():
            self.stop()
        shutil.rmtree(self.home, ignore_errors=True)


class PrivateRedis:
    """A redis-server of the test's own on a free port. `persistent`: an fsynced append-only file, so a stream
    written before it stops is there when it starts again (as a production Redis holding the spool must be
    set up); otherwise none, like the CI's Redis, and a restart empties it."""

    def __init__(self, directory: Path, persistent: bool = True) -> None:
        self.port = free_port()
        self.persistent = persistent
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
             "--appendonly", "yes" if self.persistent else "no", "--appendfsync", "always", "--save", "",
             "--logfile", str(self.directory / "redis.log")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        wait_until(self.up, 30, f"the private Redis on port {self.port}")

    def up(self) -> bool:
        return subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True,
                              text=True).stdout.strip() == "PONG"

    def stop(self) -> None:
        """SHUTDOWN, which fsyncs the append-only file; the process is waited for."""
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown"], capture_output=True)
        if self.proc is not None:
            self.proc.wait(timeout=30)
            self.proc = None

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
