"""Storing what arrives, then queueing it: the only work a webhook does before it answers.

The raw message is committed before the webhook returns 200, so a Redis outage
loses nothing: `declgate requeue` and the worker's sweep enqueue whatever is
still `received`.
"""
from __future__ import annotations

import datetime as dt
import logging

from redis.exceptions import RedisError
from rq import Callback, Retry
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from gateway import jobs
from gateway.runtime import Runtime
from parsers import parse_sms
from store.db import insert_for
from store.models import InboundMessage, local_time, utcnow

log = logging.getLogger(__name__)

JOB_RETRY_INTERVALS = [5, 30, 120]
# Built once: RQ only reads them when it creates a job, and every webhook creates one.
JOB_RETRY = Retry(max=len(JOB_RETRY_INTERVALS), interval=JOB_RETRY_INTERVALS)
JOB_ON_FAILURE = Callback(jobs.mark_failed)
ABANDONED_AFTER = dt.timedelta(seconds=60)  # a job `started` this long ago died with its worker
_INBOUND = InboundMessage.__table__


def _insert_once(dialect: str):
    """INSERT … ON CONFLICT (provider_sid) DO NOTHING RETURNING id, for this database.

    A Twilio retry of a stored SID then costs no error and no rollback: the statement returns no row.
    """
    statement = _INSERTS.get(dialect)
    if statement is None:
        statement = _INSERTS[dialect] = (insert_for(dialect)(_INBOUND).on_conflict_do_nothing(index_elements=["provider_sid"])
                                         .returning(_INBOUND.c.id))
    return statement


_INSERTS: dict[str, object] = {}


def store_sms(rt: Runtime, *, sid: str, from_number: str, to_number: str, body: str,
              channel: str = "sms", edited_from_id: int | None = None,
              precinct_id: int | None = None, received_at: dt.datetime | None = None) -> tuple[int, bool]:
    """Store one inbound SMS once per provider SID. Returns (inbound id, whether it is new).

    The parse at intake is kept on the row so officers see errors and spans even
    for a message no worker has touched yet. `received_at` is given when the spool replays a message
    (gateway.replay): it keeps the time it reached the webhook, so its "today" and its place in the
    sender's hourly allowance are those of its arrival, not of the replay.
    """
    received_at = received_at or utcnow()
    today = local_time(received_at, rt.tz).date()
    parsed = parse_sms(body, today=today, deadline_days=rt.settings.deadline_days,
                       region=rt.settings.default_region)
    # A Core INSERT, not the ORM's unit of work: this is the only statement the webhook runs and the ORM
    # flush was a third of its CPU. Nothing is lost by skipping the session's before_flush hooks: the row
    # is dated now, in a month that has closed in no time zone, so it has no statistics snapshot to forget.
    # (A replayed row can be dated in a month that has closed since; the job that handles it changes its
    # status through the ORM, and that flush forgets the snapshot.)
    row = dict(provider_sid=sid, channel=channel, from_number=from_number, to_number=to_number, body=body,
               received_at=received_at, status="received", parse=parsed.to_json(), attempts=0,
               edited_from_id=edited_from_id, precinct_id=precinct_id)
    engine = rt.intake_engine
    statement = _insert_once(engine.dialect.name)
    for attempt in range(2):
        try:
            # On PostgreSQL this engine is in AUTOCOMMIT: the INSERT is committed when it returns.
            with engine.begin() as conn:
                inserted = conn.execute(statement, row).scalar_one_or_none()
                if inserted is not None:
                    return inserted, True
                existing = conn.scalar(select(_INBOUND.c.id).where(_INBOUND.c.provider_sid == sid))
        except DBAPIError as exc:
            # A connection the database dropped (a restart): the pool has discarded it and its peers.
            if not exc.connection_invalidated or attempt:
                raise
            log.info("database connection lost; storing %s again on a new one", sid)
            continue
        if existing is None:  # pragma: no cover - a row that conflicts exists until officers delete it
            raise LookupError(f"inbound {sid} conflicted but cannot be found")
        # After a lost connection the first attempt may have stored the row itself: treat it as new, so
        # it is queued (a message queued twice is handled once). Otherwise this is a Twilio retry.
        return existing, attempt > 0
    raise AssertionError("unreachable")


def job_id(rt: Runtime, inbound_id: int) -> str:
    """One job id per inbound message, in the deployment's namespace: two deployments sharing a Redis
    (or two test runs) must not see each other's `inbound-1`."""
    return f"{rt.settings.queue_name}-inbound-{inbound_id}"


def enqueue(rt: Runtime, inbound_id: int) -> bool:
    """Queue the processing job; False (and a log line) when Redis is down: the sweep will catch up."""
    try:
        # One MULTI/EXEC: RQ otherwise registers the queue and saves and pushes the job in two round trips.
        with rt.redis.pipeline() as pipe:
            rt.queue.enqueue(jobs.process_inbound, inbound_id, job_id=job_id(rt, inbound_id),
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
            InboundMessage.status == "received", InboundMessage.received_at <= cutoff)
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
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus

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
