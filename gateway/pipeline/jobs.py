"""RQ jobs. They take plain ids, fail loudly, and are safe to run twice.

Idempotency: a job does nothing for an inbound message that is no longer
`received`, and (in_reply_to, purpose) is unique on outbound messages, so a
retried or duplicated job can neither store twice nor reply twice.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass, field

from redis.exceptions import RedisError
from rq import Retry
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from gateway import runtime
from parsers import Outcome, ParseResult, parse_sms, render_reply
from parsers.optout import classify_optout
from store import claims
from store import declarations as decls
from store import item_precincts, lookups
from store.models import InboundMessage, Landlord, OptOut, OutboundMessage, Property, local_time, utcnow

log = logging.getLogger(__name__)

RACE_RETRIES = 3
RATE_WINDOW = dt.timedelta(hours=1)  # the per-sender allowance is counted over the last hour
# Messages one job handles at most in one transaction: its own first, then waiting ones.
BATCH_SIZE = int(os.environ.get("DECLGATE_BATCH_SIZE") or 50)


@dataclass
class Handled:
    """What applying one inbound message produced, before it is written back."""

    outcomes: list[Outcome] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)  # every rejection code, for the officers' queue
    extra_sms: list[tuple[str, str, str]] = field(default_factory=list)  # (purpose, to, body)
    reply: bool = True
    # What the sender is told, when it must not depend on what happened (a voice caller's move-out).
    told: list[Outcome] | None = None
    landlord_id: int | None = None  # written on the inbound row by _finish
    precinct_id: int | None = None  # the message's primary precinct (store.item_precincts)
    other_precinct_ids: list[int] = field(default_factory=list)

    def about(self, prop: Property) -> None:
        """The message concerns this property: its precinct is one of the message's, the first its primary."""
        if self.precinct_id is None:
            self.precinct_id = prop.precinct_id
        elif prop.precinct_id != self.precinct_id and prop.precinct_id not in self.other_precinct_ids:
            self.other_precinct_ids.append(prop.precinct_id)


def process_inbound(inbound_id: int) -> str:
    """Apply an inbound message to the store, write its reply, then deliver what is pending.

    After its own message the job also handles up to BATCH_SIZE - 1 other `received` messages
    that no other transaction holds (one commit for all of them), then drops their queued jobs.
    The batch is first applied in one go (`_apply_batch`: its look-ups preloaded, its rows written
    in one flush); if anything in it fails, the transaction is rolled back and the batch applied
    again message by message under savepoints (`_apply_carefully`), where a failing message is
    left for its own job and the others are stored.

    When another worker's batch holds this message, the job does not sit waiting for it: it first
    handles a batch of the waiting messages nobody holds, then takes its own message (waiting for
    that batch to end, after which it is usually handled already).
    """
    rt = runtime.current()
    others: list[int] = []
    status = _run(rt, inbound_id, others, wait=False)
    if status is None:
        status = _run(rt, inbound_id, others, wait=True)
    _drop_queued_jobs(rt, others)
    if rt.sender.kind != "outbox":  # the outbox recorded its replies in the transaction (see queue_sms)
        for handled_id in [inbound_id, *others]:
            deliver(handled_id)
    return status


def _run(rt: runtime.Runtime, inbound_id: int, others: list[int], *, wait: bool) -> str | None:
    """One transaction of the job; the status of its own message, or None if another batch held it."""
    careful, races = False, 0
    while True:
        try:
            with rt.sessions.begin() as session:
                # Locked (PostgreSQL; SQLite serialises writers anyway). Without `wait`, a message another
                # worker's batch holds is skipped rather than waited for.
                inbound = session.get(InboundMessage, inbound_id,
                                      with_for_update=True if wait else {"skip_locked": True})
                if inbound is None and session.get(InboundMessage, inbound_id) is None:
                    raise LookupError(f"inbound message {inbound_id} does not exist")
                status, handled = (_apply_carefully if careful else _apply_batch)(session, inbound_id, inbound)
            others.extend(handled)
            return status
        except Exception as exc:
            if not careful:
                log.info("inbound %s: batch failed as a whole (%s); applying it message by message",
                         inbound_id, type(exc).__name__)
                careful = True
                continue
            # Another worker stored the same person or reply first (or PostgreSQL broke a lock cycle
            # between two batches); the next pass sees its rows.
            if not _lost_race(exc) or races == RACE_RETRIES - 1:
                raise
            races += 1
            log.info("inbound %s: lost a race, retrying", inbound_id)


def _apply_batch(session: Session, inbound_id: int, inbound: InboundMessage | None) -> tuple[str | None, list[int]]:
    """Apply this message (if held) and the waiting ones claimed with it, with one query per kind of
    look-up and one flush for all of their rows."""
    claimed = _claim_others(session, inbound_id)
    batch = [inbound, *claimed] if inbound is not None else claimed
    parsed = _preload(session, [message for message in batch if message.status == "received"])
    for message in batch:
        _process(session, message, parsed.get(message.id))
    session.flush()
    return (inbound.status if inbound is not None else None), [message.id for message in claimed]


def _apply_carefully(session: Session, inbound_id: int,
                     inbound: InboundMessage | None) -> tuple[str | None, list[int]]:
    """Apply this message (if held), then each waiting one under its own savepoint (see `_process_others`)."""
    status = None
    if inbound is not None:
        status = _process(session, inbound)
        session.flush()  # its own errors surface here, not inside a batched message's savepoint
    return status, _process_others(session, inbound_id)


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
        if message.channel == "voice":
            continue  # a call carries its own answers; the few it looks up are asked as before
        phones.add(message.from_number)
        if classify_optout(message.body) is not None:
            continue
        if message.edited_from_id is None and message.from_number != message.to_number:
            counted.append((message.id, message.from_number, message.received_at))
        result = parsed[message.id] = _parse(message)
        if result.command != "move_in":
            continue
        for index, record in enumerate(result.records):
            receipts += 1
            if record.document is not None and not result.record_errors(index):
                documents.add((record.document.type, record.document.number))
    found = lookups.preload(session, phones=phones, documents=documents, receipts_needed=receipts)
    found.earlier = lookups.count_earlier(session, counted, window=RATE_WINDOW,
                                          cap=rt.settings.rate_limit_per_hour)
    return parsed


def _claim_others(session: Session, inbound_id: int) -> list[InboundMessage]:
    """Up to BATCH_SIZE - 1 other waiting messages no other transaction holds.

    They are claimed with FOR UPDATE SKIP LOCKED (PostgreSQL; SQLite serialises writers anyway), so
    two workers never take the same one, and a message whose own job is running is skipped.
    """
    if BATCH_SIZE <= 1:
        return []
    return list(session.scalars(
        select(InboundMessage).where(InboundMessage.status == "received", InboundMessage.id != inbound_id,
                                        InboundMessage.review_state.is_(None))
        .order_by(InboundMessage.id).limit(BATCH_SIZE - 1).with_for_update(skip_locked=True)))


def _lost_race(exc: Exception) -> bool:
    """A unique violation, or a deadlock / serialization failure PostgreSQL resolved by aborting us."""
    if isinstance(exc, IntegrityError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return code in ("40P01", "40001")


def _process_others(session: Session, inbound_id: int) -> list[int]:
    """Handle other waiting messages in this transaction; returns the ids handled.

    Each is applied under a savepoint: if one fails, it is rolled back alone and left `received`
    for its own job, which runs it again and fails loudly (RQ's retries, then the officers' queue),
    so one bad message cannot hold up the others that happen to share its batch.
    """
    handled = []
    for other in _claim_others(session, inbound_id):
        try:
            with session.begin_nested():
                _process(session, other)
        except Exception:  # noqa: BLE001 - not swallowed: the message's own job runs it again and fails loudly
            log.warning("inbound %s: left for its own job (failed in the batch of %s)", other.id, inbound_id,
                        exc_info=True)
            continue
        handled.append(other.id)
    return handled


def _drop_queued_jobs(rt: runtime.Runtime, inbound_ids: list[int]) -> None:
    """Take the now pointless jobs of messages handled in a batch off the queue.

    Only a job still waiting in the queue list is deleted (LREM says so); one a worker has already
    taken runs, finds its message handled and does nothing. A Redis error here costs only those
    no-op runs, so it is logged rather than failing a job whose work is committed.
    """
    from rq.job import Job

    if not inbound_ids:
        return
    from gateway.pipeline.intake import job_id

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


def today_for(received_at: dt.datetime) -> dt.date:
    """The landlord's calendar day when the message arrived (stored times are UTC)."""
    rt = runtime.current()
    return local_time(received_at, rt.tz).date()


def _process(session: Session, inbound: InboundMessage, parsed: ParseResult | None = None) -> str:
    if inbound.status != "received":
        return inbound.status
    # The row is written once, at the end: changing it earlier makes every query below autoflush an UPDATE.
    attempts = inbound.attempts + 1
    if inbound.channel == "voice":
        from gateway.pipeline.voice_commands import handle_voice

        handled, result_language = handle_voice(session, inbound), (inbound.payload or {}).get("language", "zh")
        result = None
    else:
        word = classify_optout(inbound.body)
        if word is not None:
            _record_optout(session, inbound.from_number, word)
            inbound.attempts, inbound.status, inbound.processed_at = attempts, "ignored", utcnow()
            return inbound.status
        if _over_rate_limit(session, inbound):
            # A flood gets no replies (no reply storm, no loop with an auto-responder); officers see it,
            # those of the sender's precincts only when the sender is a landlord.
            _to_senders_precincts(session, inbound)
            inbound.attempts, inbound.status, inbound.processed_at = attempts, "rejected", utcnow()
            inbound.codes, inbound.review_state, inbound.review_reason = ["rate_limited"], "open", "rate_limited"
            return inbound.status
        result = parsed or _parse(inbound)
        handled = handle_sms(session, inbound, result)
        result_language = result.language
    _finish(session, inbound, handled, result, result_language)
    inbound.attempts = attempts
    return inbound.status


def _over_rate_limit(session: Session, inbound: InboundMessage) -> bool:
    """More than the hourly allowance from this number (counting this one), or a message from ourselves.

    Officers' reprocessed copies are neither limited nor counted: enrolling a landlord and
    reprocessing their forty waiting messages is work, not a flood.
    """
    if inbound.edited_from_id is not None:
        return False
    if inbound.from_number == inbound.to_number:
        return True
    limit = runtime.current().settings.rate_limit_per_hour
    batch = lookups.current(session)
    if batch is not None and inbound.id in batch.earlier:
        earlier = batch.earlier[inbound.id]
    else:  # a message the batch did not count: the same count, for it alone
        earlier = lookups.count_earlier(session, [(inbound.id, inbound.from_number, inbound.received_at)],
                                        window=RATE_WINDOW, cap=limit)[inbound.id]
    return earlier >= limit


def _to_senders_precincts(session: Session, inbound: InboundMessage) -> None:
    """A message no record of which was applied belongs to every precinct its (enrolled) sender has a property in."""
    landlord = decls.find_landlord(session, inbound.from_number)
    if landlord is not None:
        item_precincts.assign(session, inbound, item_precincts.of_landlord(landlord))


def _parse(inbound: InboundMessage) -> ParseResult:
    rt = runtime.current()
    return parse_sms(inbound.body, today=today_for(inbound.received_at),
                     deadline_days=rt.settings.deadline_days, region=rt.settings.default_region)


def _record_optout(session: Session, phone: str, word: str) -> None:
    batch = lookups.current(session)
    if batch is not None:  # this batch's later replies to this phone follow the word
        batch.opted_out[phone] = word == "stop"
    existing = session.get(OptOut, phone)
    if word == "stop" and existing is None:
        session.add(OptOut(phone=phone))
    elif word == "start" and existing is not None:
        session.delete(existing)


def handle_sms(session: Session, inbound: InboundMessage, result: ParseResult) -> Handled:
    """Apply every record of a parsed SMS from an enrolled landlord.

    The message goes to the precincts of the properties it is about (each record's, the receipt's);
    one that names none (rejected as a whole, `HELP`, a `LIST` of everything) to every precinct the
    landlord has a property in.
    """
    handled = Handled()
    landlord = decls.find_landlord(session, inbound.from_number)
    if landlord is None:
        return _reject_message(handled, "unknown_sender")
    handled.landlord_id = landlord.id
    _apply_sms(session, inbound, landlord, result, handled)
    if handled.precinct_id is None:
        for prop in landlord.properties:
            handled.about(prop)
    return handled


def _apply_sms(session: Session, inbound: InboundMessage, landlord: Landlord, result: ParseResult,
               handled: Handled) -> None:
    if result.message_errors():
        for problem in result.message_errors():
            handled.codes.append(problem.code)
        handled.outcomes.append(Outcome(status="rejected", codes=tuple(dict.fromkeys(handled.codes))))
        return
    today = today_for(inbound.received_at)
    command = result.command
    if command == "help":
        pass  # the reply is the format itself
    elif command == "list":
        _list(session, landlord, result, handled)
    elif command in ("cancel", "confirm", "dispute"):
        _by_receipt(session, landlord, result, handled)
    else:
        for index, record in enumerate(result.records):
            named, _ = decls.resolve_property(landlord, record.property)
            if named is not None:  # a record rejected for its other fields still concerns its property
                handled.about(named)
            errors = [p.code for p in result.record_errors(index)]
            if errors:
                _reject_record(handled, index, record, errors)
                continue
            if command == "move_in":
                _move_in(session, inbound, landlord, result, index, handled, today)
            elif command == "move_out":
                _move_out(session, landlord, result, index, handled, today)


def _reject_message(handled: Handled, code: str) -> Handled:
    handled.codes.append(code)
    handled.outcomes.append(Outcome(status="rejected", codes=(code,)))
    return handled


def _reject_record(handled: Handled, index: int, record, codes: list[str]) -> None:
    handled.codes.extend(codes)
    handled.outcomes.append(Outcome(status="rejected", record=index, name=record.name,
                                    document_number=record.document.number if record.document else None,
                                    room=record.room, codes=tuple(dict.fromkeys(codes))))


def _move_in(session: Session, inbound: InboundMessage, landlord: Landlord, result: ParseResult, index: int,
             handled: Handled, today: dt.date) -> None:
    record = result.records[index]
    prop, code = decls.resolve_property(landlord, record.property)
    if prop is None:
        return _reject_record(handled, index, record, [code or "unknown_property"])
    if not record.room and not prop.single_unit:
        return _reject_record(handled, index, record, ["missing_room"])
    late = any(w.code == "late" for w in result.record_warnings(index))
    doc = record.document
    status, decl = decls.register(
        session, prop=prop, document_type=doc.type if doc else "none", document_number=doc.number if doc else None,
        name=record.name, phone=record.phone, room=record.room, move_in=record.date or today, late=late,
        channel="sms" if inbound.channel != "officer" else "officer", inbound_id=inbound.id)
    if status == "pending_review":
        handled.codes.append("no_document")
    warnings = tuple(w.code for w in result.record_warnings(index))
    handled.outcomes.append(Outcome(status=status, record=index, name=record.name,
                                    document_number=doc.number if doc else None,
                                    receipt=decl.receipt, room=decl.room, codes=warnings))


def _move_out(session: Session, landlord: Landlord, result: ParseResult, index: int, handled: Handled,
              today: dt.date) -> None:
    record = result.records[index]
    if record.property:
        prop, code = decls.resolve_property(landlord, record.property)
        if prop is None:
            return _reject_record(handled, index, record, [code or "unknown_property"])
        props = [prop]
    else:
        props = list(landlord.properties)
    doc = record.document
    found, code = decls.tenants_to_move_out(session, props, document_type=doc.type if doc else None,
                                            document_number=doc.number if doc else None,
                                            id_suffix=record.id_suffix, room=record.room)
    if code:
        return _reject_record(handled, index, record, [code])
    claims.end_by_landlord(session, found, record.date or today)
    session.flush()  # a later record of the same message must not find these tenants still active
    by_id = {prop.id: prop for prop in props}
    for decl in found:
        handled.about(by_id[decl.property_id])  # a move-out naming no property concerns the tenants' ones
        handled.outcomes.append(Outcome(status="moved_out", record=index, name=decl.person.name,
                                        document_number=decl.person.document_number, receipt=decl.receipt,
                                        room=decl.room))


def _by_receipt(session: Session, landlord: Landlord, result: ParseResult, handled: Handled) -> None:
    decl = decls.by_receipt(session, landlord, result.receipt or "")
    if decl is None:
        _reject_message(handled, "unknown_receipt")
        return
    handled.about(decl.property)
    if result.command == "cancel":
        status = decls.cancel(decl)
    elif result.command == "confirm":
        from gateway.pipeline.voice_commands import claimant_phone

        status = claims.confirm(session, decl, phone=claimant_phone(decl))
    else:
        status = claims.dispute(decl)
    handled.outcomes.append(Outcome(status=status, name=claims.stated_name(decl),
                                    document_number=decl.person.document_number, receipt=decl.receipt,
                                    room=decl.room))


def _list(session: Session, landlord: Landlord, result: ParseResult, handled: Handled) -> None:
    if result.property:
        prop, code = decls.resolve_property(landlord, result.property)
        if prop is None:
            _reject_message(handled, code or "unknown_property")
            return
        handled.about(prop)
        props = [prop]
    else:
        props = list(landlord.properties)
    tenants = decls.active_at(session, props)
    for decl in tenants:
        handled.outcomes.append(Outcome(status="listed", name=decl.person.name,
                                        document_number=decl.person.document_number,
                                        receipt=decl.receipt, room=decl.room))


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
    for purpose, to, body in handled.extra_sms:
        queue_sms(session, to, body, in_reply_to=inbound.id, purpose=purpose, flush=False)
    codes = list(dict.fromkeys(handled.codes))
    if handled.landlord_id is not None:
        inbound.landlord_id = handled.landlord_id
    if handled.precinct_id is not None:
        item_precincts.assign(session, inbound, [handled.precinct_id, *handled.other_precinct_ids])
    inbound.codes = codes or None
    inbound.processed_at = utcnow()
    rejected = any(o.status == "rejected" for o in handled.outcomes)
    inbound.status = "rejected" if rejected else "processed"
    if codes:
        inbound.review_state, inbound.review_reason = "open", codes[0]


def queue_sms(session: Session, to: str, body: str, *, in_reply_to: int | None, purpose: str,
              flush: bool = True) -> OutboundMessage:
    """Record an SMS to send; an opted-out number gets a `suppressed` row instead of a message.

    With Twilio the row stays `pending` until `send_one` claims it after the commit. The local outbox
    sends nothing anywhere, so its row is written already delivered, in the caller's transaction:
    there is no provider call to order against the commit, and a rollback takes the record with it.
    """
    sender = runtime.current().sender
    batch = lookups.current(session)
    if batch is not None and to in batch.opted_out:
        suppressed = batch.opted_out[to]
    else:
        suppressed = session.get(OptOut, to) is not None
    msg = OutboundMessage(to_number=to, body=body, in_reply_to=in_reply_to, purpose=purpose,
                          status="suppressed" if suppressed else "pending")
    if not suppressed and sender.kind == "outbox":
        msg.status, msg.provider_sid, msg.sent_at = "outbox", sender.send(to, body), utcnow()
    session.add(msg)
    if flush:  # callers that enqueue a delivery job need the id now
        session.flush()
    return msg


def deliver(inbound_id: int | None = None) -> int:
    """Send the pending outbound messages of one inbound message (or all pending ones)."""
    rt = runtime.current()
    with rt.sessions() as session:
        query = select(OutboundMessage.id).where(OutboundMessage.status == "pending")
        if inbound_id is not None:
            query = query.where(OutboundMessage.in_reply_to == inbound_id)
        ids = list(session.scalars(query.order_by(OutboundMessage.id)))
    return sum(send_one(msg_id) for msg_id in ids)


def send_one(msg_id: int) -> bool:
    """Send one outbound message if it is still pending (also an RQ job, for SMS not tied to an inbound).

    The row is claimed (`sending`) and committed before the provider is called:
    a crash mid-send leaves a `sending` row for officers to check, never a second SMS.
    """
    rt = runtime.current()
    with rt.sessions.begin() as session:
        claimed = session.execute(
            update(OutboundMessage).where(OutboundMessage.id == msg_id, OutboundMessage.status == "pending")
            .values(status="sending")).rowcount
        if not claimed:
            return False
        msg = session.get(OutboundMessage, msg_id)
        to, body = msg.to_number, msg.body
        inbound = session.get(InboundMessage, msg.in_reply_to) if msg.in_reply_to is not None else None
        from_ = (inbound.to_number or None) if inbound is not None else None
    provider_sid = rt.sender.send(to, body, from_)
    with rt.sessions.begin() as session:
        msg = session.get(OutboundMessage, msg_id)
        msg.status = "sent" if rt.sender.kind == "twilio" else "outbox"
        msg.provider_sid, msg.sent_at = provider_sid, utcnow()
    return True


def enqueue_delivery(rt: runtime.Runtime, msg_id: int) -> None:
    """Send an SMS from a worker, never while a webhook waits on Twilio's REST API."""
    rt.queue.enqueue(send_one, msg_id, job_id=f"outbound-{msg_id}", retry=Retry(max=3, interval=[5, 30, 120]))


def deliver_stale(older_than: dt.timedelta) -> int:
    """Send replies still `pending` after `older_than`: their job committed, then died before sending."""
    rt = runtime.current()
    with rt.sessions() as session:
        inbound_ids = list(session.scalars(
            select(OutboundMessage.in_reply_to).where(OutboundMessage.status == "pending",
                                                      OutboundMessage.created_at <= utcnow() - older_than)
            .distinct()))
    return sum(deliver(inbound_id) for inbound_id in inbound_ids if inbound_id is not None)


def mark_failed(job, connection, exc_type, exc_value, traceback) -> None:
    """RQ failure callback: a message whose job failed for good goes to the officers' queue."""
    inbound_id = job.args[0] if job.args else None
    if inbound_id is None:
        return
    rt = runtime.current()
    with rt.sessions.begin() as session:
        inbound = session.get(InboundMessage, inbound_id)
        if inbound is not None and inbound.status == "received" and job.retries_left in (0, None):
            if inbound.precinct_id is None and inbound.channel != "voice":
                _to_senders_precincts(session, inbound)
            inbound.review_state, inbound.review_reason = "open", "job_failed"
            inbound.codes = (inbound.codes or []) + [f"job_failed:{exc_type.__name__}"]
