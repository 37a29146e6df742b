"""Web and worker memory over a long run: RSS of a gunicorn web process and a `declgate worker` per N messages.

Run: python bench/memory.py [--messages 100000] [--batch 1000] [--sample-every 10000] [--concurrency 8]

Starts gunicorn (`--workers 1`, sync, as the Procfile's `web` role) and one
`declgate worker` on PostgreSQL (its own database `declgate_memory`) and Redis
(db 12, its own queue name), then feeds signed /sms webhooks in batches of
`--batch`: a batch is posted by the load generator of bench/_common.py, then the
worker is let to drain it before the next one, so the queue never holds more
than one batch. Every `--sample-every` messages it reads VmRSS from
/proc/<pid>/status of the gunicorn worker, the gunicorn master and the
`declgate worker`. The claim is "flat": growth from the 10k sample to the last
one within the noise of the allocator, not proportional to messages.
"""
from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import _common as c  # noqa: E402  (puts the repo root on sys.path)
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402

from store.db import make_engine, make_sessionmaker  # noqa: E402
from store.enrolment import Enrolment, enrol  # noqa: E402
from store.models import InboundMessage, OutboundMessage  # noqa: E402
from tests.fault.stack import tenant_name  # noqa: E402

DATABASE_URL = c.DATABASE_URL.rsplit("/", 1)[0] + "/declgate_memory"
REDIS_URL = c.REDIS_URL.rsplit("/", 1)[0] + "/12"
LANDLORDS = 200


def sender(i: int) -> str:
    return f"+86137{i % LANDLORDS:08d}"


def body(i: int) -> str:
    """Mostly new tenants; every fifth re-declares an earlier one, every tenth asks for the list or is junk."""
    from seeded_store import id_number

    if i % 10 == 7:
        return "查询"
    if i % 10 == 9:
        return f"登记 张三 12345 {i}"  # a bad ID: rejected with an error reply
    serial = i - 5 * LANDLORDS if i % 5 == 3 and i >= 5 * LANDLORDS else i
    return f"登记 {tenant_name(serial % 8000)} {id_number(serial)} {100 + serial % 900}"


def env() -> dict[str, str]:
    values = c.env()
    values.update(DATABASE_URL=DATABASE_URL, REDIS_URL=REDIS_URL, DECLGATE_QUEUE=f"bench-memory-{uuid.uuid4().hex[:6]}",
                  PYTHONPATH=c.ROOT)
    return values


def status_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))


def children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as fh:
        return [int(p) for p in fh.read().split()]


def start(values: dict[str, str]) -> tuple[subprocess.Popen, subprocess.Popen, int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    web = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}",
                            "--log-level", "warning", "gateway.app:create_app()"],
                           cwd=c.ROOT, env=values, stdout=subprocess.DEVNULL)
    worker = subprocess.Popen([sys.executable, "-m", "gateway", "worker"], cwd=c.ROOT, env=values,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return web, worker, port
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    web.terminate()
    worker.terminate()
    raise SystemExit("gunicorn did not start")


def drained(sessions, expected: int, timeout: float = 600) -> None:
    """Wait until all `expected` messages are handled and their replies sent.

    Other engineers' fault tests restart PostgreSQL and Redis on this machine: an outage is waited out
    (the web and worker processes recover by themselves), it does not end the run.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            counts = _counts(sessions)
        except OperationalError:
            time.sleep(1)
            continue
        if counts == (expected, 0, 0):
            return
        time.sleep(0.2)
    raise SystemExit(f"the worker did not drain {expected} messages within {timeout:g}s")


def _counts(sessions) -> tuple[int, int, int]:
    """Messages stored, still waiting for the worker, replies not yet sent."""
    with sessions() as session:
        stored = session.scalar(select(func.count()).select_from(InboundMessage))
        waiting = session.scalar(select(func.count()).select_from(InboundMessage)
                                 .where(InboundMessage.status == "received"))
        pending = session.scalar(select(func.count()).select_from(OutboundMessage)
                                 .where(OutboundMessage.status.in_(("pending", "sending"))))
    return stored, waiting, pending


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--sample-every", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    c.fresh_database(DATABASE_URL)
    engine = make_engine(DATABASE_URL)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        for i in range(LANDLORDS):
            enrol(session, Enrolment(phone=sender(i), name=f"房东{i}", property_code=f"{500000 + i}",
                                     address=f"西街{i}号", precinct="GL01"))
    web, worker, port = start(env())
    series: list[tuple[int, int, int, int]] = []
    refused = 0
    started = time.perf_counter()
    try:
        [web_worker] = children(web.pid)

        def sample(sent: int) -> None:
            series.append((sent, status_kb(web_worker), status_kb(web.pid), status_kb(worker.pid)))
            minutes = (time.perf_counter() - started) / 60
            print(f"{sent:>8,} messages  web worker {series[-1][1] / 1024:6.1f} MB  gunicorn master "
                  f"{series[-1][2] / 1024:5.1f} MB  declgate worker {series[-1][3] / 1024:6.1f} MB  "
                  f"[{minutes:.1f} min]", flush=True)

        sample(0)
        sent = accepted = 0
        while sent < args.messages:
            count = min(args.batch, args.messages - sent)
            result = c.load(port, [(body(i), sender(i)) for i in range(sent, sent + count)], args.concurrency)
            # A webhook refused (503 while PostgreSQL restarts) stored nothing; Twilio would retry it.
            refused += result["errors"]
            sent += count
            accepted += count - result["errors"]
            drained(sessions, accepted)
            if sent % args.sample_every == 0 or sent == args.messages:
                sample(sent)
    finally:
        for proc in (web, worker):
            proc.terminate()
        for proc in (web, worker):
            proc.wait(timeout=30)
        engine.dispose()
    base = next((s for s in series if s[0] >= args.sample_every), series[0])
    last = series[-1]
    print()
    for name, index in (("web worker", 1), ("gunicorn master", 2), ("declgate worker", 3)):
        growth = last[index] - base[index]
        print(f"{name:16} {base[index] / 1024:6.1f} MB at {base[0]:,} -> {last[index] / 1024:6.1f} MB at {last[0]:,}"
              f"  growth {growth / 1024:+.1f} MB ({growth / max(base[index], 1) * 100:+.1f} %)")
    print(f"[gunicorn --workers 1 sync, 1 declgate worker, batches of {args.batch}, {refused} webhooks refused, "
          f"{args.concurrency} client threads, {(time.perf_counter() - started) / 60:.1f} min]")


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
