"""Worker scale-out: messages stored and replied per second with 1, 2, … `declgate worker` processes.

Run: python bench/scale.py [--messages 4000] [--workers 1,2]

For each worker count the same number of SMS declarations is stored by intake (as the
webhook does) and one drain is woken, as the webhooks would, then that many `declgate worker`
processes are started at once against the same PostgreSQL and Redis; the time runs from
their start until every message is replied (then they are stopped). Not `--burst`: a burst
worker that finds the queue empty exits before the drain's first full batch calls it in.
Process start-up (about a second of imports) is inside the timing for every count alike. On a 2-core machine that also runs
PostgreSQL and Redis, expect sub-linear growth: the figure says how much a second worker
buys here, not on a real deployment with the database on its own host.
"""
from __future__ import annotations

import argparse
import logging
import subprocess
import sys
import time

import _common as c  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from gateway.pipeline import intake, queue  # noqa: E402
from gateway.runtime import build_runtime, install  # noqa: E402
from gateway.settings import Settings  # noqa: E402
from store.models import OutboundMessage  # noqa: E402
from tests.fault.stack import declaration, unique_id_numbers  # noqa: E402

QUEUE = "bench-scale"


def run(messages: int, workers: int) -> float:
    """Messages per second for `workers` burst workers draining `messages` stored declarations."""
    c.fresh_database()
    settings = Settings(database_url=c.DATABASE_URL, redis_url=c.REDIS_URL, twilio_auth_token=c.TOKEN,
                        secret_key="x", rate_limit_per_hour=10**9, queue_name=QUEUE, **c.KEYS)
    rt = install(build_runtime(settings))
    rt.redis.flushdb()
    with rt.sessions.begin() as session:
        c.enrol_senders(session)
    for i, number in enumerate(unique_id_numbers(messages)):
        intake.store_sms(rt, sid=f"SMscale{i}", from_number=c.SENDERS[i % len(c.SENDERS)],
                         to_number=c.GATEWAY_NUMBER, body=declaration(i, number))
    queue.wake(rt)
    env = {**c.env(), "DECLGATE_QUEUE": QUEUE}
    started = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-m", "gateway", "worker"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(workers)]
    try:
        deadline, replied = started + 600, 0
        while replied < messages and time.perf_counter() < deadline:
            time.sleep(0.05)
            with rt.sessions() as session:
                replied = session.scalar(select(func.count()).select_from(OutboundMessage)
                                         .where(OutboundMessage.purpose == "reply"))
        seconds = time.perf_counter() - started
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=60)
    rt.dispose()
    if replied != messages:
        raise SystemExit(f"{workers} worker(s): only {replied} of {messages} replied")
    return messages / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=4000)
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    args = parser.parse_args()
    logging.disable(logging.INFO)
    counts = [int(n) for n in args.workers.split(",")]
    rates = {n: run(args.messages, n) for n in counts}
    base = rates[counts[0]]
    for n, rate in rates.items():
        print(f"{n} worker(s): {rate:7.0f} messages/s  ({rate / base:.2f} x {counts[0]} worker(s))")


if __name__ == "__main__":
    sys.path.insert(0, c.ROOT)
    main()
