"""The processing jobs on RQ: one per inbound message, idempotent, requeued by the sweep when lost.

Jobs are named by dotted path, not imported: the webhook that queues a job never loads the
worker's code, and the worker's batch (which takes other messages' jobs off the queue) can
import this module without a circle.
"""
from __future__ import annotations

import datetime as dt
import logging

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

def stuck(rt: Runtime, older_than: dt.timedelta = dt.timedelta(seconds=60)) -> list[int]:
    """Inbound messages still `received` after `older_than`: never queued, or their job was lost."""
    cutoff = utcnow() - older_than
    with rt.sessions() as session:
        return list(session.scalars(select(InboundMessage.id).where(
            InboundMessage.status == InboundStatus.RECEIVED, InboundMessage.received_at <= cutoff)
            .order_by(InboundMessage.id)))

def requeue(rt: Runtime, older_than: dt.timedelta = dt.timedelta(seconds=60)) -> int:
    """Enqueue every stuck message again; jobs are idempotent, so a message queued twice is handled once."""
    count = 0
    for inbound_id in stuck(rt, older_than):
        if _job_pending(rt, inbound_id, older_than):
            continue
        if enqueue(rt, inbound_id):
            count += 1
    return count

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
