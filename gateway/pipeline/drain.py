"""The drain job: works every waiting message in batches until none is left, one RQ job per burst.

A per-message job cost more than the work it woke up for (a job hash, registries, several Redis
round trips, log lines), and a batch had usually handled its message before it ran. So a webhook
only raises the drain flag (gateway.pipeline.queue.wake); the one drain job it queues claims
batches with FOR UPDATE SKIP LOCKED until it finds none, then lowers the flag and looks once more.

Why nothing waits forever: a webhook commits its row *before* it tries to raise the flag. If the
flag was already up, the drain that holds it lowers it only before its last look, so it sees the
row; if the flag was down, the webhook queues a new drain. A drain that dies leaves the flag to
expire (DRAIN_FLAG_TTL), and the sweep gives anything older than DECLGATE_STUCK_AFTER a job of its
own meanwhile.

Scaling out: when a drain claims a full batch (a backlog) and no job is waiting in the queue, it
queues a helper drain, so an idle worker joins in; a helper does not hold the flag and stops when
it finds nothing. SKIP LOCKED keeps two drains off the same message.
"""
from __future__ import annotations

import logging
import time

from redis.exceptions import RedisError

from gateway import runtime
from gateway.pipeline import queue
from gateway.pipeline.batch import process_waiting
from gateway.telemetry import metrics

log = logging.getLogger(__name__)


def drain(helper: bool = False) -> int:
    """Handle waiting messages until none is left; how many were claimed."""
    with metrics.DRAIN_SECONDS.time():
        return _drain(helper)


def _drain(helper: bool) -> int:
    rt = runtime.current()
    if rt.settings.batch_wait:
        time.sleep(rt.settings.batch_wait)  # a burst's other webhooks land meanwhile: one batch, not many
    try:
        claimed = _until_empty(rt, helper)
    finally:
        if not helper:
            _lower_flag(rt)
    if not helper:
        claimed += _until_empty(rt, helper=True)  # stored after our last look, before the flag went down
    return claimed


def _until_empty(rt: runtime.Runtime, helper: bool) -> int:
    claimed, batch_size = 0, rt.settings.batch_size
    while True:
        if not helper:
            _renew_flag(rt)
        count = process_waiting(rt)
        claimed += count
        if count == 0:
            return claimed
        if count >= batch_size:
            _call_for_help(rt)
        elif rt.settings.batch_wait:
            # Messages are arriving rather than waiting: let the next batch gather as the first did. A
            # batch costs about 8 ms of CPU whatever its size (its look-ups, claim, flush and commit), so
            # under steady load fewer, larger batches leave more of the worker for the messages.
            time.sleep(rt.settings.batch_wait)


def _renew_flag(rt: runtime.Runtime) -> None:
    try:
        rt.redis.expire(queue.drain_flag(rt), queue.DRAIN_FLAG_TTL)
    except RedisError as exc:  # the work is in the database; a flag that lapses only costs a second drain
        log.warning("could not renew the drain flag (%s)", exc)


def _lower_flag(rt: runtime.Runtime) -> None:
    try:
        rt.redis.delete(queue.drain_flag(rt))
    except RedisError as exc:  # it expires by itself; until then the sweep covers new messages
        log.warning("could not lower the drain flag (%s); it expires in %ss", exc, queue.DRAIN_FLAG_TTL)


def _call_for_help(rt: runtime.Runtime) -> None:
    """A backlog: queue a helper drain for another worker, unless a job already waits for one."""
    try:
        if rt.queue.count == 0:
            queue.enqueue_drain(rt, helper=True)
    except RedisError as exc:
        log.warning("could not queue a helper drain (%s); this one carries on alone", exc)
