"""Shared pieces of the benchmarks: a scratch database and Redis db, a signed-webhook load generator, processes.

Benchmarks use `declgate_perf` on the local PostgreSQL and Redis db 13, never the
test databases, and talk only to 127.0.0.1.
"""
from __future__ import annotations

import concurrent.futures
import http.client
import math
import os
import statistics
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, ROOT)

from flask import Flask, Response, request  # noqa: E402

from gateway.webhooks.signature import sign  # noqa: E402

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/declgate_perf")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
TOKEN = "bench-auth-token"
PUBLIC_BASE_URL = "http://declgate.bench"  # what the benchmarks' webhooks are signed for, on every port
GATEWAY_NUMBER = "+8610690000"
SENDERS = [f"+86138{i:08d}" for i in range(20)]  # enrolled landlords the benchmarks' SMS come from
LANDLORDS = 1000  # bench/e2e.py enrols this many (the RapidSMS peer's load comes from as many phones)


def landlord_phone(i: int) -> str:
    """The i-th landlord of bench/e2e.py: +86138 and eight digits, like the peer's senders."""
    return f"+86138{i % LANDLORDS:08d}"
# The benchmarks' own keys (not secret; the benchmark database is scratch). Settings(**KEYS), or in env().
DATA_KEY = "Zk9vQmVuY2hEYXRhS2V5MDAwMDAwMDAwMDAwMDAwMDA="
BLIND_INDEX_KEY = "Zk9vQmVuY2hCbGluZEluZGV4S2V5MDAwMDAwMDAwMDA="
KEYS = {"data_keys": (DATA_KEY,), "blind_index_key": BLIND_INDEX_KEY}


def keyring():
    """The benchmarks' keys, for seeding sealed columns directly with COPY."""
    from store.keyring import Keyring

    return Keyring([DATA_KEY], BLIND_INDEX_KEY)


def enrol_senders(session) -> None:
    """Enrol every one of SENDERS as the landlord of one property, in an empty benchmark database."""
    from store.enrolment import Enrolment, enrol

    for i, phone in enumerate(SENDERS):
        enrol(session, Enrolment(phone=phone, name="房东", property_code=f"{400000 + i}", address="东街",
                                 precinct="GL01"))


def fresh_database(url: str = DATABASE_URL) -> str:
    """Create (or empty) the benchmark database and migrate it."""
    from tests.databases import fresh_database as fresh

    return fresh(url)


def env() -> dict[str, str]:
    values = dict(os.environ)
    values.update(DATABASE_URL=DATABASE_URL, REDIS_URL=REDIS_URL, TWILIO_AUTH_TOKEN=TOKEN, SECRET_KEY="bench",
                  PUBLIC_BASE_URL=PUBLIC_BASE_URL,
                  SMS_RATE_LIMIT_PER_HOUR="100000000", PYTHONPATH=ROOT, DATA_KEYS=DATA_KEY,
                  BLIND_INDEX_KEY=BLIND_INDEX_KEY)
    return values


def bare_app() -> Flask:
    """The floor for the intake benchmark: Flask reading the same form and answering the same TwiML."""
    app = Flask("bare")

    @app.post("/sms")
    def sms() -> Response:
        request.form.get("Body")
        return Response('<?xml version="1.0" encoding="UTF-8"?><Response></Response>', mimetype="text/xml")

    return app


def noop(i: int) -> int:
    """The floor for the worker benchmark: an RQ job that does nothing."""
    return i


def signed_form(port: int, body: str, sender: str, sid: str | None = None) -> tuple[bytes, dict[str, str]]:
    """A Twilio Messaging webhook's form and headers, signed for PUBLIC_BASE_URL/sms (a new MessageSid unless given)."""
    sid = sid or "SM" + uuid.uuid4().hex
    params = {"MessageSid": sid, "SmsSid": sid, "AccountSid": "AC" + "1" * 32, "From": sender,
              "To": GATEWAY_NUMBER, "Body": body, "NumMedia": "0"}
    headers = {"X-Twilio-Signature": sign(TOKEN, f"{PUBLIC_BASE_URL}/sms", params),
               "Content-Type": "application/x-www-form-urlencoded"}
    return urllib.parse.urlencode(params).encode(), headers


def load(port: int, bodies: list[tuple[str, str]], concurrency: int) -> dict[str, float]:
    """POST every (body, sender) as a signed webhook from `concurrency` threads; requests/s and latencies."""
    forms = [signed_form(port, body, sender) for body, sender in bodies]
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    it = iter(forms)

    def run() -> None:
        nonlocal errors
        while True:
            with lock:
                form = next(it, None)
            if form is None:
                return
            started = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                conn.request("POST", "/sms", body=form[0], headers=form[1])
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            finally:
                conn.close()
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                errors += not ok

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        for future in [pool.submit(run) for _ in range(concurrency)]:
            future.result()
    wall = time.perf_counter() - started
    latencies.sort()
    return {"rps": len(latencies) / wall, "p50_ms": statistics.median(latencies) * 1000,
            "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000, "errors": errors, "n": len(latencies)}


def tree_pids(pid: int) -> list[int]:
    """A process and its children (gunicorn's master and workers)."""
    pids = [pid]
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            pids += [int(p) for p in fh.read().split()]
    except OSError:
        pass
    return pids


def descendants(pid: int) -> list[int]:
    """A process and every process below it, however deep (a shell that started a worker that forked)."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        try:
            with open(f"/proc/{p}/task/{p}/children") as fh:
                todo += [int(c) for c in fh.read().split()]
        except OSError:
            pass
    return found


def process_cpu_seconds(pid: int, reaped: bool = False) -> float:
    """CPU time (user and system) of one process; with `reaped`, also that of its children that have
    exited and been waited for (a gunicorn worker that was replaced)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if reaped else 0)
    except (OSError, IndexError, ValueError):
        return 0.0
    return ticks / os.sysconf("SC_CLK_TCK")


def all_cpu_seconds(pid: int) -> float:
    """CPU time used so far by a process and all its descendants, living or reaped."""
    return sum(process_cpu_seconds(p, reaped=True) for p in descendants(pid))


def postgres_cpu_seconds(database: str) -> tuple[float, float]:
    """(ours, others') CPU time used so far by the local PostgreSQL's processes: ours are the backends
    connected to `database` plus the server's own (checkpointer, WAL writer…), which work for whoever
    writes; others' are backends of other databases, another engineer's load on a shared server."""
    ours = others = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/comm") as fh:
                if not fh.read().startswith("postgres"):
                    continue
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                title = fh.read().replace(b"\0", b" ").decode(errors="replace").split()
        except OSError:
            continue
        seconds = process_cpu_seconds(int(entry))
        # A backend's title is "postgres: [CLUSTER:] USER DATABASE HOST(PORT)|[local] STATE"; the server's
        # own processes (checkpointer, walwriter…) name no client.
        client = next((i for i, word in enumerate(title) if word == "[local]" or word.endswith(")")), None)
        if client is not None and client >= 2 and title[client - 1] != database:
            others += seconds
        else:
            ours += seconds
    return ours, others


def ric_number(i: int) -> str:
    """The i-th valid 18-digit resident ID (ISO 7064 check digit): 1,000 per birth date from 1970 on, so
    every i below millions gives a different one (the RapidSMS peer's wrk script draws them the same way)."""
    from stdnum.cn import ric

    born = time.gmtime(i // 1000 * 86400)
    body = f"110101{born.tm_year:04d}{born.tm_mon:02d}{born.tm_mday:02d}{i % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of `values` (fraction 0.5 = median, 0.99 = p99); NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1))]


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user and system) used so far by a process and its children."""
    ticks = 0
    for p in tree_pids(pid):
        try:
            with open(f"/proc/{p}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return ticks / os.sysconf("SC_CLK_TCK")


def command_cpu_seconds(*names: str) -> float:
    """CPU time used so far by every process whose command name starts with one of `names` (the local
    PostgreSQL's backends, redis-server): what the database and Redis spend on a benchmark's load."""
    ticks = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                head, _, rest = fh.read().rpartition(")")
            if head.partition("(")[2].startswith(names):
                fields = rest.split()
                ticks += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_cpu_seconds() -> tuple[float, float]:
    """(busy, stolen) CPU seconds of the whole machine so far, all cores: `stolen` is time a virtual
    machine's host gave to someone else, a sign that a run was disturbed."""
    with open("/proc/stat") as fh:
        user, nice, system, idle, iowait, irq, softirq, steal = (int(v) for v in fh.readline().split()[1:9])
    tick = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq) / tick, steal / tick


def answers(port: int) -> bool:
    """Whether a server on 127.0.0.1:port answers HTTP at all: a 404 or a 405 at / still means it is up."""
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


def wait_until_idle(pid: int, timeout: float = 120.0) -> None:
    """Wait until a server's processes stop using CPU: every worker has loaded the app.

    The first worker answers long before the last has imported everything (a Flask app with
    matplotlib takes seconds); timing from the first answer would bill the others' start-up to
    the requests.
    """
    deadline = time.monotonic() + timeout
    before = tree_cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = tree_cpu_seconds(pid)
        if now - before < 0.05:  # under 10 % of one core over the last half second
            return
        before = now


def rss_kb(pid: int) -> int:
    """Resident memory of a process and its children (gunicorn's master + workers)."""
    total = 0
    for p in tree_pids(pid):
        try:
            with open(f"/proc/{p}/status") as fh:
                total += next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            pass
    return total
