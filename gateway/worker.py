"""Running jobs: a `declgate worker` process, or a thread inside `declgate serve`.

Both use a non-forking worker: a job is a few queries, and forking per job would
cost more than the job itself. A job that dies with its worker is found by RQ's
abandoned-job handling and by the sweep below, and jobs are idempotent.
"""
from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time

import redis

from rq import SimpleWorker
from rq.timeouts import TimerDeathPenalty

from gateway.pipeline import delivery, queue
from gateway.pipeline.replay import replay_forever
from gateway.id_masking import mask_log_records
from gateway.runtime import Runtime
from gateway.telemetry import heartbeat, logs

log = logging.getLogger(__name__)


class ProcessWorker(SimpleWorker):
    """A SimpleWorker that remembers being asked to stop.

    RQ's loop also ends, without raising, on an error it does not handle, such as Redis going away
    while it records a finished job; `run_process_worker` starts it again unless a stop was asked for.
    """

    stop_asked = False

    def request_stop(self, signum, frame) -> None:
        self.stop_asked = True
        super().request_stop(signum, frame)


class ThreadWorker(SimpleWorker):
    """A SimpleWorker that can live in a non-main thread: no signals, timer-based job timeouts."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self) -> None:
        pass


def sweep_forever(rt: Runtime, stop: threading.Event, every: dt.timedelta | None = None,
                  stats_every: dt.timedelta | None = None) -> None:
    """Requeue messages stuck in `received` (Redis was down, or a job vanished) until `stop` is set.

    It also sends replies left `pending` by a worker killed between its commit and its send (and those whose
    retry after a transient failure is due), stamps this worker's heartbeat for /readyz, purges raw messages
    past RETENTION_DAYS once a day, and every `stats_every` refreshes the statistics (the month under way's
    count, last month's snapshot, their charts) so that no officer's page waits for them, with no cron job to
    set up. With several workers each refreshes, and a count younger than five minutes is not taken again.
    """
    settings = rt.settings
    every = every or dt.timedelta(seconds=settings.sweep_every)
    stats_every = dt.timedelta(seconds=settings.stats_every) if stats_every is None else stats_every
    stuck_after = dt.timedelta(seconds=settings.stuck_after)
    # Workers started together (a deploy) would otherwise all count at the same moment, every time.
    next_stats = time.monotonic() + stats_every.total_seconds() * random.uniform(0.5, 1.0)
    next_purge = time.monotonic() + 60 * random.uniform(1, 10)  # not every worker of a deploy at once
    worker_name = heartbeat.name()
    _beat(rt, worker_name)
    while not stop.wait(every.total_seconds()):
        _beat(rt, worker_name)
        if settings.retention_days and time.monotonic() >= next_purge:
            next_purge = time.monotonic() + 86400
            purge_expired(rt)
        if stats_every and time.monotonic() >= next_stats:
            next_stats = time.monotonic() + stats_every.total_seconds()
            refresh_statistics(rt)
        try:
            count = queue.requeue(rt, stuck_after)
            if count:
                log.info("sweep requeued %d stuck inbound message(s)", count)
            sent = delivery.deliver_stale(stuck_after)
            if sent:
                log.info("sweep sent %d reply(ies) left pending", sent)
        except Exception:  # the sweep must outlive a database or Redis blip; it logs and tries again
            log.exception("sweep failed; retrying in %s", every)


def _beat(rt: Runtime, worker_name: str) -> None:
    try:
        heartbeat.beat(rt.redis, rt.settings.queue_name, worker_name)
    except redis.exceptions.RedisError as exc:  # /readyz then says no worker is seen, which is the truth
        log.warning("could not stamp the worker heartbeat (%s)", exc)


def purge_expired(rt: Runtime) -> None:
    """What `declgate purge --before <today - RETENTION_DAYS>` does; a failure is logged, tomorrow tries again."""
    from store import retention

    before = dt.date.today() - dt.timedelta(days=rt.settings.retention_days)
    try:
        with rt.sessions.begin() as session:
            purged = retention.purge(session, before, tz=rt.tz)
        if purged.messages or purged.recordings:
            log.info("retention: purged %d message(s) and %d recording link(s) received before %s",
                     purged.messages, purged.recordings, before)
    except Exception:  # noqa: BLE001 - like the sweep, it must outlive a database blip
        log.exception("purging messages past RETENTION_DAYS failed; trying again tomorrow")


def refresh_statistics(rt: Runtime) -> None:
    """What `declgate stats refresh` does; a failure is logged and the next pass tries again."""
    from gateway.stats.refresh import refresh

    try:
        refresh(rt)
    except Exception:  # noqa: BLE001 - like the sweep, it must outlive a database blip
        log.exception("refreshing the statistics failed; trying again in %ss", rt.settings.stats_every)


def start_sweeper(rt: Runtime, every: dt.timedelta | None = None,
                  stats_every: dt.timedelta | None = None) -> threading.Event:
    """The sweep, and the spool's replayer beside it (gateway.pipeline.replay: every few seconds, not every 30)."""
    stop = threading.Event()
    threading.Thread(target=sweep_forever, args=(rt, stop, every, stats_every), name="declgate-sweep",
                     daemon=True).start()
    threading.Thread(target=replay_forever, args=(rt, stop), name="declgate-replay", daemon=True).start()
    return stop


def run_process_worker(rt: Runtime, *, burst: bool = False) -> None:
    """What `declgate worker` runs: RQ's loop plus its scheduler (for retry back-off) plus the sweep."""
    # RQ configures only its own logger; without this the sweep's and the jobs' lines are lost.
    logs.configure(rt.settings.log_format)
    mask_log_records()  # a failed job's traceback can quote the message it was working on
    stop = start_sweeper(rt)
    try:
        while True:
            try:
                worker = ProcessWorker([rt.queue], connection=rt.redis)
                worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
                if burst or worker.stop_asked:
                    return
                # Its message is still `received` (the sweep requeues it) or was handled: nothing is lost.
                log.warning("the worker loop ended on an error it does not handle; starting it again in 1s")
                time.sleep(1)
            except redis.exceptions.ConnectionError as exc:
                # RQ gives up when Redis stays away; a restart of Redis must not take the workers with it.
                if burst:
                    raise
                log.warning("lost Redis (%s); starting the worker again in 1s", exc)
                time.sleep(1)
    finally:
        stop.set()


def start_embedded_worker(rt: Runtime, poll: float = 0.05) -> threading.Event:
    """Work the queue in a background thread of this process (the embedded default).

    Burst passes in a loop: each pass also moves due retries from RQ's scheduled
    registry back onto the queue, which RQ's scheduler would do in a forked process.
    """
    stop = threading.Event()

    def loop() -> None:
        worker = None
        while not stop.is_set():
            try:
                worker = worker or ThreadWorker([rt.queue], connection=rt.redis)  # RQ names itself in Redis
                worker.work(burst=True, with_scheduler=True, logging_level="WARNING")
            except redis.exceptions.ConnectionError as exc:
                # Redis away at start or later: messages are stored, and answered once it is back.
                log.warning("Redis does not answer (%s); the worker tries again in 1s", exc)
                stop.wait(1)
            except Exception:
                log.exception("embedded worker pass failed; continuing")
            stop.wait(poll)

    threading.Thread(target=loop, name="declgate-worker", daemon=True).start()
    sweep_stop = start_sweeper(rt)
    stop_all = threading.Event()

    def watcher() -> None:
        stop_all.wait()
        stop.set()
        sweep_stop.set()

    threading.Thread(target=watcher, daemon=True).start()
    return stop_all
