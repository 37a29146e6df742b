"""Worker throughput: declarations stored and replied per second, against RQ's own no-op job.

Run: python bench/worker.py [--jobs 2000]

Both are worked by the gateway's worker class (RQ SimpleWorker, burst mode) in this
process against the same Redis, one after the other; ratio = declgate jobs/s ÷
no-op jobs/s (target >= 1.0). Messages are stored by intake first, as the webhook does.
"""
from __future__ import annotations

import argparse
import logging
import sys
import time

import _common as c  # noqa: E402
from rq import Queue, SimpleWorker  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from gateway.pipeline import intake, queue  # noqa: E402
from gateway.runtime import build_runtime, install  # noqa: E402
from gateway.settings import Settings  # noqa: E402
from store.models import OutboundMessage  # noqa: E402
from tests.fault.stack import declaration, unique_id_numbers  # noqa: E402



def timed_burst(queue: Queue) -> float:
    started = time.perf_counter()
    SimpleWorker([queue], connection=queue.connection).work(burst=True, logging_level="WARNING")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000)
    args = parser.parse_args()
    logging.disable(logging.INFO)
    c.fresh_database()
    rt = install(build_runtime(Settings(database_url=c.DATABASE_URL, redis_url=c.REDIS_URL,
                                        twilio_auth_token=c.TOKEN, secret_key="x", rate_limit_per_hour=10**9,
                                        batch_wait=0.0, **c.KEYS)))
    rt.redis.flushdb()
    with rt.sessions.begin() as session:
        c.enrol_senders(session)

    noop_queue = Queue("bench-noop", connection=rt.redis)
    for i in range(args.jobs):
        noop_queue.enqueue(c.noop, i, result_ttl=600)
    noop_seconds = timed_burst(noop_queue)

    ids = unique_id_numbers(args.jobs)
    for i, number in enumerate(ids):
        intake.store_sms(rt, sid=f"SMbench{i}", from_number=c.SENDERS[i % len(c.SENDERS)],
                                         to_number=c.GATEWAY_NUMBER, body=declaration(i, number))
    queue.wake(rt)  # as the webhooks do: one drain job for the whole backlog
    decl_seconds = timed_burst(rt.queue)
    with rt.sessions() as session:
        replied = session.scalar(select(func.count()).select_from(OutboundMessage)
                                 .where(OutboundMessage.status == "outbox"))
    assert replied == args.jobs, f"only {replied} of {args.jobs} replied"

    noop_rate, decl_rate = args.jobs / noop_seconds, args.jobs / decl_seconds
    print(f"RQ no-op job      {noop_rate:8.0f} jobs/s")
    print(f"declgate inbound  {decl_rate:8.0f} messages/s  (each: declaration stored, reply written to the outbox)")
    print(f"ratio declgate/no-op = {decl_rate / noop_rate:.2f} (target >= 1.0)  [SimpleWorker, {args.jobs} jobs]")


if __name__ == "__main__":
    sys.path.insert(0, c.ROOT)
    main()
