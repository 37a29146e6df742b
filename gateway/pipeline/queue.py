"""The processing jobs on RQ: a drain job per burst of messages, and a job of its own for a message
that needs one (a failure, the sweep, an officer's reprocess). All are idempotent.

A webhook does not queue a job per message: it raises the drain flag (`wake`), and only the webhook
that raises it queues a drain job (gateway.pipeline.drain), which works waiting messages in batches
until none is left and then lowers the flag. So under load a message costs its webhook one Redis
command, not a job. A wake-up lost with Redis is caught by the sweep (`requeue`), which gives each
message left `received` a job of its own.

Jobs are named by dotted path, not imported: the webhook that queues a job never loads the
worker's code, and the worker's batch (which takes other messages' jobs off the queue) can
import this module without a circle.
"""
from __future__ import annotations

import datetime as dt
import logging
import uuid

from redis.exceptions import RedisError
from rq import Callback, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import select

from gateway.runtime import Runtime
from store.models import InboundMessage, utcnow
from store.states import InboundStatus

log = logging.getLogger(__name__)

PROCESS = "gateway.pipeline.batch.process_inbound"
DRAIN = "gateway.pipeline.drain.drain"
# The flag outlives a drain job that died with its worker by at most this long; a running drain renews it.
DRAIN_FLAG_TTL = 120
JOB_RETRY_INTERVALS = [5, 30, 120]
# Built once: RQ only reads them when it creates a job, and every webhook creates one.
JOB_RETRY = Retry(max=len(JOB_RETRY_INTERVALS), interval=JOB_RETRY_INTERVALS)
JOB_ON_FAILURE = Callback("gateway.pipeline.failures.mark_failed")
ABANDONED_AFTER = dt.timedelta(seconds=60)  # a job `started` this long ago died with its worker


def job_id(rt: Runtime, inbound_id: int) -> str:
    """One job id per inbound message, in the deployment's namespace: two deployments sharing a Redis
    (or two test runs) must not see each other's `inbound-1`."""
    return f"{rt.settings.queue_name}-inbound-{inbound_id}"

def enqueue(rt: Runtime, inbound_id: int) -> bool:
    """Queue the processing job; False (and a log line) when Redis is down: the sweep will catch up."""
    try:
        # One MULTI/EXEC: RQ otherwise registers the queue and saves and pushes the job in two round trips.
        with rt.redis.pipeline() as pipe:
            rt.queue.enqueue(PROCESS, inbound_id, job_id=job_id(rt, inbound_id),
                             retry=JOB_RETRY, on_failure=JOB_ON_FAILURE, result_ttl=600, failure_ttl=7 * 86400,
                             pipeline=pipe)
            pipe.execute()
        return True
    except RedisError as exc:
        log.warning("inbound %s stored but not queued (%s); the sweep will requeue it", inbound_id, exc)
        return False

def drain_flag(rt: Runtime) -> str:
    return rt.key("drain")

def wake(rt: Runtime) -> bool:
    """Make sure a drain job will see the message just stored; False (and a log line) when Redis is down.

    The flag is raised before the job is queued and lowered by the job only once it has found nothing
    left *after* lowering it (gateway.pipeline.drain), so a message committed before this call is
    always seen by a drain: either the one this call queues, or the one whose flag it found raised.
    """
    try:
        if not rt.redis.set(drain_flag(rt), "1", nx=True, ex=DRAIN_FLAG_TTL):
            return True
        enqueue_drain(rt)
        return True
    except RedisError as exc:
        log.warning("message stored but not queued: no drain woken (%s); the sweep will queue what waits", exc)
        return False

def enqueue_drain(rt: Runtime, *, helper: bool = False) -> None:
    """Queue a drain job. A helper drain (another worker joining a backlog) never touches the flag."""
    try:
        rt.queue.enqueue(DRAIN, helper, job_id=f"{rt.settings.queue_name}-drain-{uuid.uuid4().hex}",
                         result_ttl=0, failure_ttl=7 * 86400)
    except RedisError:
        if not helper:  # a flag left raised with no job behind it would silence every wake-up until it expires
            rt.redis.delete(drain_flag(rt))
        raise

def stuck(rt: Runtime, older_than: dt.timedelta = dt.timedelta(seconds=60)) -> list[int]:
    """Inbound messages still `received` after `older_than`: never queued, or their job was lost."""
    return [inbound_id for inbound_id, _ in _stuck(rt, older_than)]

def _stuck(rt: Runtime, older_than: dt.timedelta) -> list[tuple[int, int]]:
    """(id, attempts) of the stuck messages; one whose images wait counts as tried, as drains skip it too."""
    cutoff = utcnow() - older_than
    with rt.sessions() as session:
        rows = session.execute(select(InboundMessage.id, InboundMessage.attempts, InboundMessage.media_state).where(
            InboundMessage.status == InboundStatus.RECEIVED, InboundMessage.received_at <= cutoff)
            .order_by(InboundMessage.id))
        return [(inbound_id, attempts or int(media_state == "pending")) for inbound_id, attempts, media_state in rows]

def requeue(rt: Runtime, older_than: dt.timedelta = dt.timedelta(seconds=60)) -> int:
    """Queue again every stuck message; returns how many. Jobs are idempotent: one queued twice is handled once.

    Messages no batch has failed on wait for a drain: unless a live one renewed the flag within
    `older_than` (always, when it is 0), a new drain is woken for all of them (one job, however long
    the backlog; a second drain beside a live one is harmless). A message a
    batch failed on gets a job of its own, as RQ's retries and failure callback need.
    """
    count = 0
    waiting = _stuck(rt, older_than)
    fresh = [inbound_id for inbound_id, attempts in waiting if not attempts]
    if fresh and (not older_than or not _drain_alive(rt, older_than)):  # 0: the operator's "now, whatever"
        try:
            rt.redis.delete(drain_flag(rt))  # a drain that died left it raised
        except RedisError:
            return 0
        if wake(rt):
            count += len(fresh)
    for inbound_id, attempts in waiting:
        if not attempts or _job_pending(rt, inbound_id, older_than):
            continue
        if enqueue(rt, inbound_id):
            count += 1
    return count

def _drain_alive(rt: Runtime, older_than: dt.timedelta) -> bool:
    """Whether a drain renewed the flag within `older_than` (a running one renews it at every batch)."""
    try:
        left = rt.redis.ttl(drain_flag(rt))
    except RedisError:
        return True  # cannot tell; do not pile up work on a sick Redis
    if left < 0:
        return False
    return DRAIN_FLAG_TTL - left < max(older_than.total_seconds(), 1)

def _job_pending(rt: Runtime, inbound_id: int, older_than: dt.timedelta) -> bool:
    """Whether a live job will still handle this message.

    A job is a few queries: one `started` for longer than `older_than` died with its worker
    (SIGKILL, OOM, lost host). RQ notices such a job only once its heartbeat expires and a
    maintenance pass runs (minutes), so the sweep requeues it itself; the job is idempotent.
    """
    try:
        job = Job.fetch(job_id(rt, inbound_id), connection=rt.redis)
    except NoSuchJobError:
        return False
    except RedisError:
        return True  # cannot tell; do not pile up work on a sick Redis
    status = job.get_status(refresh=False)
    if status == JobStatus.STARTED:
        started = job.started_at
        if started is None:
            return True
        if started.tzinfo is not None:
            started = started.astimezone(dt.timezone.utc).replace(tzinfo=None)
        # `requeue --older-than 0` must not take a job that is running right now
        return utcnow() - started < (older_than or ABANDONED_AFTER)
    return status in (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED)
