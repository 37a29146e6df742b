"""The processing job: a message and the waiting ones claimed with it, applied in one transaction.

Idempotency: a job does nothing for an inbound message that is no longer `received`,
and (in_reply_to, purpose) is unique on outbound messages, so a retried or duplicated
job can neither store twice nor reply twice.
"""
from __future__ import annotations

import datetime as dt
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from redis.exceptions import RedisError
from rq import get_current_job
from rq.job import Job
from sqlalchemy import Select, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from gateway import runtime
from gateway.media import portraits
from gateway.pipeline.delivery import deliver, queue_sms
from gateway.pipeline.outcome import Handled, with_store_refusals
from gateway.pipeline.policy import RATE_WINDOW, over_rate_limit, parse_inbound, record_optout, to_senders_precincts
from gateway.pipeline import queue
from gateway.pipeline.queue import job_id
from gateway.pipeline.sms_commands import handle_sms
from gateway.pipeline.voice_commands import handle_voice
from gateway.pipeline.web_commands import handle_web, result_of
from gateway.telemetry import logs, metrics
from parsers import Command, OutcomeStatus, ParseResult, render_reply
from parsers.notices import render_agent_copy
from parsers.optout import classify_optout
from store import item_precincts, lookups
from store.models import InboundMessage, utcnow
from store.states import Channel, InboundStatus, ReviewState

log = logging.getLogger(__name__)

RACE_RETRIES = 3


@dataclass
class Run:
    """What one job's transactions did: the messages they handled, and those a failure left behind."""
    handled: list[int] = field(default_factory=list)
    left: list[int] = field(default_factory=list)

    @property
    def claimed(self) -> int:
        return len(self.handled) + len(self.left)


def process_inbound(inbound_id: int) -> str:
    """Apply an inbound message to the store, write its reply, then deliver what is pending.

    This is a message's own job (a failure in a batch, the sweep, an officer's reprocess; the usual
    path is gateway.pipeline.drain). After its own message the job also handles up to `batch_size` - 1
    (DECLGATE_BATCH_SIZE) other `received` messages that no other transaction holds (one commit for all
    of them), then drops their queued jobs.
    The batch is first applied in one go (`_apply_batch`: its look-ups preloaded, its rows written
    in one flush); if anything in it fails, the transaction is rolled back and the batch applied
    again message by message under savepoints (`_apply_carefully`), where a failing message is
    given a job of its own and the others are stored.

    When another worker's batch holds this message, the job does not sit waiting for it: it first
    handles a batch of the waiting messages nobody holds, then takes its own message (waiting for
    that batch to end, after which it is usually handled already).
    """
    rt = runtime.current()
    run = Run()
    # An MMS's images first, outside the transaction: a timeout raises here and RQ runs the job again, until
    # its last try, which records the image as bad and goes on with the text.
    portraits.fetch_pending(rt, inbound_id, final=_last_try())
    with metrics.PROCESS_SECONDS.time():
        status = _run(rt, inbound_id, run, wait=False)
        if status is None:
            status = _run(rt, inbound_id, run, wait=True)
        _drop_queued_jobs(rt, run.handled)
        _after_commit(rt, run, [inbound_id])
    return status

def _last_try() -> bool:
    """Whether this run of the job is its last: RQ will not run it again if it fails (no retries left)."""
    job = get_current_job()
    return job is not None and not job.retries_left

def process_waiting(rt: runtime.Runtime) -> int:
    """One transaction over up to `batch_size` waiting messages no other transaction holds.

    Returns how many it claimed (0: nothing is waiting, or every waiting message is held by others).
    """
    run = Run()
    _run(rt, None, run, wait=False)
    _after_commit(rt, run)
    return run.claimed

def _after_commit(rt: runtime.Runtime, run: Run, own: list[int] = ()) -> None:
    """Give each message a batch could not apply a job of its own, then send the replies.

    A left message's `attempts` goes up first, so drains stop claiming it (`_claim`): its own job
    runs it alone, fails loudly, is retried by RQ and ends in the officers' queue
    (gateway.pipeline.failures) — one bad message never holds up the rest of a backlog.
    """
    if run.left:
        with rt.sessions.begin() as session:
            session.execute(update(InboundMessage).where(InboundMessage.id.in_(run.left),
                                                         InboundMessage.status == InboundStatus.RECEIVED)
                            .values(attempts=InboundMessage.attempts + 1))
        for left_id in run.left:
            queue.enqueue(rt, left_id)
    if rt.sender.kind != "outbox":  # the outbox recorded its replies in the transaction (see queue_sms)
        _send_replies(rt, [*own, *run.handled])

def _send_replies(rt: runtime.Runtime, inbound_ids: list[int]) -> None:
    """Send the batch's replies, DECLGATE_SEND_THREADS at a time: a provider call is mostly a wait on the
    network, and one by one a full batch would hold its worker for most of a minute.

    Each reply is still claimed and committed before its call (delivery.send_one). A failed call fails the
    job once every other reply has had its chance; a reply left `pending` is sent by the sweep.
    """
    threads = min(rt.settings.send_threads, len(inbound_ids))
    if threads <= 1:
        for inbound_id in inbound_ids:
            deliver(inbound_id)
        return
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="declgate-send") as pool:
        futures = [pool.submit(deliver, inbound_id) for inbound_id in inbound_ids]
    for future in futures:
        future.result()  # the first failure, raised after all have run

def _run(rt: runtime.Runtime, inbound_id: int | None, run: Run, *, wait: bool) -> str | None:
    """One transaction of the job; the status of its own message, or None if another batch held it
    (or, for a drain, which has no message of its own)."""
    careful, races = False, 0
    while True:
        try:
            with rt.sessions.begin() as session:
                inbound = None
                if inbound_id is not None:
                    # Locked (PostgreSQL; SQLite serialises writers anyway). Without `wait`, a message another
                    # worker's batch holds is skipped rather than waited for.
                    inbound = session.get(InboundMessage, inbound_id,
                                          with_for_update=True if wait else {"skip_locked": True})
                    if inbound is None and session.get(InboundMessage, inbound_id) is None:
                        raise LookupError(f"inbound message {inbound_id} does not exist")
                status, handled, left = (_apply_carefully if careful else _apply_batch)(session, inbound_id, inbound)
            run.handled.extend(handled)
            run.left.extend(left)
            return status
        except Exception as exc:
            if not careful:
                log.info("inbound %s: batch failed as a whole (%s); applying it message by message",
                         inbound_id if inbound_id is not None else "drain", type(exc).__name__)
                careful = True
                continue
            # Another worker stored the same person or reply first (or PostgreSQL broke a lock cycle
            # between two batches); the next pass sees its rows.
            if not _lost_race(exc) or races == RACE_RETRIES - 1:
                raise
            races += 1
            log.info("inbound %s: lost a race, retrying", inbound_id)

Applied = tuple[str | None, list[int], list[int]]  # own message's status, others handled, others left


def _apply_batch(session: Session, inbound_id: int | None, inbound: InboundMessage | None) -> Applied:
    """Apply this message (if held) and the waiting ones claimed with it, with one query per kind of
    look-up and one flush for all of their rows."""
    claimed = _claim(session, inbound_id)
    batch = [inbound, *claimed] if inbound is not None else claimed
    parsed = _preload(session, [message for message in batch if message.status == InboundStatus.RECEIVED])
    for message in batch:
        _process(session, message, parsed.get(message.id))
    session.flush()
    return (inbound.status if inbound is not None else None), [message.id for message in claimed], []

def _apply_carefully(session: Session, inbound_id: int | None, inbound: InboundMessage | None) -> Applied:
    """Apply this message (if held), then each waiting one under its own savepoint (see `_process_others`)."""
    status = None
    if inbound is not None:
        status = _process(session, inbound)
        session.flush()  # its own errors surface here, not inside a batched message's savepoint
    return (status, *_process_others(session, inbound_id))

def _preload(session: Session, messages: list[InboundMessage]) -> dict[int, ParseResult]:
    """Parse the batch's SMS and load everything they will look up, in one query per kind.

    Returns the parses, so each message is parsed once.
    """
    rt = runtime.current()
    parsed: dict[int, ParseResult] = {}
    phones: set[str] = set()
    documents: set[tuple[str, str]] = set()
    receipts = 0
    counted: list[tuple[int, str, dt.datetime]] = []
    for message in messages:
        if message.channel in (Channel.VOICE, Channel.WEB):
            continue  # a call or API request carries its own answers; the few it looks up are asked as before
        phones.add(message.from_number)
        if classify_optout(message.body) is not None:
            continue
        if message.edited_from_id is None and message.from_number != message.to_number:
            counted.append((message.id, message.from_number, message.received_at))
        result = parsed[message.id] = parse_inbound(message)
        if result.command != Command.MOVE_IN:
            continue
        for index, record in enumerate(result.records):
            receipts += 1
            if record.document is not None and not result.record_errors(index):
                documents.add((record.document.type, record.document.number))
    found = lookups.preload(session, phones=phones, documents=documents, receipts_needed=receipts)
    found.earlier = lookups.count_earlier(session, counted, window=RATE_WINDOW,
                                          cap=rt.settings.rate_limit_per_hour)
    return parsed

def _claim(session: Session, inbound_id: int | None) -> list[InboundMessage]:
    """Up to `batch_size` (DECLGATE_BATCH_SIZE) waiting messages no other transaction holds, less one
    for a job's own message.

    They are claimed with FOR UPDATE SKIP LOCKED (PostgreSQL; SQLite serialises writers anyway), so
    two workers never take the same one, and a message whose own job is running is skipped. A message
    some batch already failed on (`attempts` > 0) is left to its own job, and so is one whose images
    wait to be downloaded (`media_state` pending).
    """
    size = runtime.current().settings.batch_size - (inbound_id is not None)
    if size <= 0:
        return []
    return list(session.scalars(waiting(size, inbound_id)))

def waiting(size: int, inbound_id: int | None = None) -> Select[tuple[InboundMessage]]:
    """The claim's query: the oldest `size` waiting messages, read off the partial index ix_inbound_waiting."""
    query = select(InboundMessage).where(InboundMessage.status == InboundStatus.RECEIVED,
                                         InboundMessage.attempts == 0, InboundMessage.review_state.is_(None),
                                         # images not yet downloaded: the message's own job does that first
                                         InboundMessage.media_state.is_distinct_from(portraits.PENDING))
    if inbound_id is not None:
        query = query.where(InboundMessage.id != inbound_id)
    return query.order_by(InboundMessage.id).limit(size).with_for_update(skip_locked=True)

def _lost_race(exc: Exception) -> bool:
    """A unique violation, or a deadlock / serialization failure PostgreSQL resolved by aborting us."""
    if isinstance(exc, IntegrityError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return code in ("40P01", "40001")

def _process_others(session: Session, inbound_id: int | None) -> tuple[list[int], list[int]]:
    """Handle other waiting messages in this transaction; returns the ids handled and those left.

    Each is applied under a savepoint: if one fails, it is rolled back alone and left `received`
    for its own job, which runs it again and fails loudly (RQ's retries, then the officers' queue),
    so one bad message cannot hold up the others that happen to share its batch.
    """
    handled, left = [], []
    for other in _claim(session, inbound_id):
        try:
            with session.begin_nested():
                _process(session, other)
        except Exception:  # noqa: BLE001 - not swallowed: the message's own job runs it again and fails loudly
            log.warning("inbound %s: left for its own job (failed in the batch of %s)", other.id,
                        inbound_id if inbound_id is not None else "a drain", exc_info=True)
            left.append(other.id)
            continue
        handled.append(other.id)
    return handled, left

def _drop_queued_jobs(rt: runtime.Runtime, inbound_ids: list[int]) -> None:
    """Take the now pointless jobs of messages handled in a batch off the queue.

    Only a job still waiting in the queue list is deleted (LREM says so); one a worker has already
    taken runs, finds its message handled and does nothing. A Redis error here costs only those
    no-op runs, so it is logged rather than failing a job whose work is committed.
    """
    if not inbound_ids:
        return
    ids = [job_id(rt, inbound_id) for inbound_id in inbound_ids]
    try:
        with rt.redis.pipeline(transaction=False) as pipe:
            for jid in ids:
                rt.queue.remove(jid, pipeline=pipe)
            removed = pipe.execute()
        gone = [Job.key_for(jid) for jid, count in zip(ids, removed) if count]
        if gone:
            rt.redis.delete(*gone)
    except RedisError as exc:
        log.warning("could not drop %d handled jobs from the queue (%s); they will run as no-ops", len(ids), exc)

def _process(session: Session, inbound: InboundMessage, parsed: ParseResult | None = None) -> str:
    if inbound.status != InboundStatus.RECEIVED:
        return inbound.status
    logs.PROVIDER_SID.set(inbound.provider_sid)  # this job's log lines name the message, as its webhook's did
    # The row is written once, at the end: changing it earlier makes every query below autoflush an UPDATE.
    attempts = inbound.attempts + 1
    if inbound.channel == Channel.VOICE:
        handled, result_language = handle_voice(session, inbound), (inbound.payload or {}).get("language", "zh")
        result = None
    elif inbound.channel == Channel.WEB:  # the API's own limits apply (gateway.api), not the SMS allowance
        handled, result = handle_web(session, inbound)
        result_language = result.language
    else:
        word = classify_optout(inbound.body)
        if word is not None:
            record_optout(session, inbound.from_number, word)
            inbound.attempts, inbound.status, inbound.processed_at = attempts, InboundStatus.IGNORED, utcnow()
            return inbound.status
        if over_rate_limit(session, inbound):
            # A flood gets no replies (no reply storm, no loop with an auto-responder); officers see it,
            # those of the sender's precincts only when the sender is a landlord.
            to_senders_precincts(session, inbound)
            inbound.attempts, inbound.status, inbound.processed_at = attempts, InboundStatus.REJECTED, utcnow()
            inbound.codes, inbound.review_state, inbound.review_reason = ["rate_limited"], ReviewState.OPEN, "rate_limited"
            return inbound.status
        result = parsed or parse_inbound(inbound)
        if inbound.parse is None:  # officers see the spans of its errors (the webhook did not parse it)
            inbound.parse = result.to_json()
        handled = handle_sms(session, inbound, result)
        inbound.parse = with_store_refusals(inbound.parse, inbound.body or "", result, handled.outcomes)
        result_language = handled.language or result.language
    _finish(session, inbound, handled, result, result_language)
    inbound.attempts = attempts
    return inbound.status

def _finish(session: Session, inbound: InboundMessage, handled: Handled, result: ParseResult | None,
            language: str) -> None:
    """Write the outcome back on the inbound row and queue the reply (one per inbound message).

    The replies are queued first and nothing is flushed here: the opt-out look-up then has nothing to
    autoflush, and the reply's INSERT and the row's UPDATE go out together at the caller's flush.
    """
    if handled.reply:
        if result is None:
            result = ParseResult(command=None, language=language)
        body = render_reply(result, handled.outcomes if handled.told is None else handled.told, language=language)
        queue_sms(session, inbound.from_number, body, in_reply_to=inbound.id, purpose="reply", flush=False)
        metrics.reply_latency("recorded", inbound.received_at, utcnow())
    if inbound.channel == Channel.WEB and result is not None:  # read at the request's status URL
        inbound.payload = {**(inbound.payload or {}), "result": result_of(result, handled, language)}
    for landlord_id, (to, outcomes) in handled.copies.items():
        # Only the outcomes at this landlord's properties: an agent of two landlords reports to each their own.
        copied = render_reply(result or ParseResult(command=None, language=language), outcomes, language=language)
        queue_sms(session, to, render_agent_copy(inbound.from_number, copied, language=language),
                  in_reply_to=inbound.id, purpose=f"agent_copy:{landlord_id}", flush=False)
    for purpose, to, body in handled.extra_sms:
        queue_sms(session, to, body, in_reply_to=inbound.id, purpose=purpose, flush=False)
    codes = list(dict.fromkeys(handled.codes))
    if handled.landlord_id is not None:
        inbound.landlord_id = handled.landlord_id
    if handled.precinct_id is not None:
        item_precincts.assign(session, inbound, [handled.precinct_id, *handled.other_precinct_ids])
    inbound.codes = codes or None
    inbound.processed_at = utcnow()
    rejected = any(o.status == OutcomeStatus.REJECTED for o in handled.outcomes)
    inbound.status = InboundStatus.REJECTED if rejected else InboundStatus.PROCESSED
    if codes:
        inbound.review_state, inbound.review_reason = ReviewState.OPEN, codes[0]
