"""Moving spooled messages into the database once it answers again: the other half of gateway.pipeline.spool.

`replay` runs every few seconds in a thread beside each worker's sweep (`declgate worker`, and the
embedded worker of `declgate serve`), and in a thread of any web process that spools, until nothing
waits: a file spool can only be replayed on its own host, and a web host may run no worker.

One pass takes the Redis stream's turn (one replayer at a time) and every spool file on this host that
no one holds, and stores their entries oldest first through the webhook's own INSERT … ON CONFLICT
(gateway.pipeline.intake.store_sms), so a message that reached both the database and the spool (a Twilio
retry) is stored once. Each entry is deleted from the spool only after its row is committed, then
queued like any other. An entry the database refuses for what it holds goes to the officers' queue
(`spool_replay_failed`); one nothing can read is set aside (gateway.pipeline.spool). Neither stops the rest.
When the database goes away again the pass stops, and the entries left wait for the next one.
"""
from __future__ import annotations

import heapq
import logging
import threading
import time
from dataclasses import dataclass

from redis.exceptions import LockError, RedisError
from sqlalchemy import select, text

from gateway.pipeline import intake, outage, policy, queue
from gateway.runtime import Runtime
from gateway.pipeline.spool import ClaimedFile, Depth, Entry, Spool, Spooled, spool_for
from store import declarations as decls
from store import item_precincts
from store.models import InboundMessage, local_time, utcnow

log = logging.getLogger(__name__)

REVIEW_REASON = "spool_replay_failed"


@dataclass
class Replayed:
    """What one pass did."""

    stored: int = 0
    already: int = 0  # found stored: a retry that reached the database too, or a pass repeated after a crash
    to_officers: int = 0
    set_aside: int = 0
    interrupted: bool = False  # the database went away (again): what is left waits for the next pass

    @property
    def handled(self) -> int:
        return self.stored + self.already + self.to_officers + self.set_aside


class DatabaseAway(Exception):
    """The database cannot take the entry now: the pass stops."""


class Unstorable(Exception):
    """Not even the officers' copy of an entry could be stored: it is set aside."""


def replay(rt: Runtime) -> Replayed:
    """One pass over everything spooled before it began, oldest first (see the module's docstring)."""
    spool = spool_for(rt)
    result = Replayed()
    if not spool.waiting(fresh=True) or not _database_answers(rt):
        return result
    with spool.stream_turn() as (stream, busy):
        if busy:
            return result  # another replayer is at it; it takes this host's files too if it is on this host
        with spool.claim_files() as files:
            owners: dict[str, ClaimedFile] = {str(f.path): f for f in files}
            sources = [sorted(f.items, key=lambda item: item.timestamp) for f in files]
            if stream is not None:
                sources.append(iter(stream))
            try:
                for item in heapq.merge(*sources, key=lambda item: item.timestamp):
                    outcome = _replay_one(rt, spool, item)
                    setattr(result, outcome, getattr(result, outcome) + 1)
                    if item.source == "redis":
                        if outcome != "set_aside":  # set aside: moved out of the stream already
                            stream.acknowledge(item)
                    else:
                        owners[item.source].acknowledge(item)
            except DatabaseAway as exc:
                result.interrupted = True
                log.info("spool replay stopped after %d entries: the database is unavailable again (%s)",
                         result.handled, exc)
            except (RedisError, LockError) as exc:
                result.interrupted = True
                log.warning("spool replay stopped after %d entries: Redis failed (%s)", result.handled, exc)
    if result.handled:
        log.info("spool replay: %d stored, %d already stored, %d to the officers' queue, %d set aside%s",
                 result.stored, result.already, result.to_officers, result.set_aside,
                 " (interrupted)" if result.interrupted else "")
    return result


def depth(rt: Runtime) -> Depth:
    """The spool's depth and the age of its oldest entry, for /healthz (and later /readyz, /metrics)."""
    return spool_for(rt).depth()


def _database_answers(rt: Runtime) -> bool:
    """Whether the database takes writes, looked at before claiming anything: a pass during the outage would
    only shuffle files around. A standby (read-only during a failover) answers, but takes nothing."""
    engine = rt.intake_engine
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                return conn.scalar(text("SHOW transaction_read_only")) == "off"
            conn.execute(text("SELECT 1"))
        return True
    except outage.DATABASE_ERRORS:
        return False


def _replay_one(rt: Runtime, spool: Spool, item: Spooled) -> str:
    """Store one spooled entry (or hand it to officers, or set it aside); the name of the Replayed count."""
    if item.entry is not None:
        try:
            return _store(rt, item.entry)
        except Unstorable as exc:
            item.problem = f"cannot be stored, not even for officers: {exc}"
    spool.set_aside(item)
    return "set_aside"


def _store(rt: Runtime, entry: Entry) -> str:
    try:
        inbound_id, new = intake.store_sms(rt, sid=entry.sid, from_number=entry.from_number,
                                           to_number=entry.to_number, body=entry.body,
                                           received_at=entry.received_at, media=entry.media_list(),
                                           wake=not entry.media)  # Redis down: the sweep queues it later
    except Exception as exc:  # noqa: BLE001 - not swallowed: an outage stops the pass, the rest go to officers
        if outage.database_unavailable(exc):
            raise DatabaseAway(type(getattr(exc, "orig", None) or exc).__name__) from exc
        return _to_officers(rt, entry, exc)
    if not new:
        return "already"
    if entry.media:
        queue.enqueue(rt, inbound_id)  # its images are fetched by a job of its own, which drains leave to it
    return "stored"


def _to_officers(rt: Runtime, entry: Entry, failure: Exception) -> str:
    """Store the entry as a rejected message in the officers' queue, as a job that failed for good is.

    Officers read it, and can edit and reprocess it, like any other; nothing is replied. Should the
    text itself be what the database refuses, a note takes its place.
    """
    log.error("spooled message %s cannot be stored (%s: %s); it goes to the officers' queue as %s",
              entry.sid, type(failure).__name__, failure, REVIEW_REASON, exc_info=failure)
    code = f"{REVIEW_REASON}:{type(failure).__name__}"
    try:
        parsed = policy.parse_text(rt, entry.body, local_time(entry.received_at, rt.tz).date(),
                                   images=len(entry.media or [])).to_json()
    except Exception:  # noqa: BLE001 - the parse may be what failed; officers still get the text
        parsed = None
    last: Exception = failure
    note = f"(the spooled text could not be stored: {type(failure).__name__})"
    for body, parse in ((entry.body, parsed), (note, None)):
        try:
            return "to_officers" if _officers_row(rt, entry, body, parse, code) else "already"
        except Exception as exc:  # noqa: BLE001 - an outage stops the pass; a refusal tries the plainer copy
            if outage.database_unavailable(exc):
                raise DatabaseAway(type(getattr(exc, "orig", None) or exc).__name__) from exc
            last = exc
    raise Unstorable(f"{type(last).__name__}: {last}")


def _officers_row(rt: Runtime, entry: Entry, body: str, parse: dict | None, code: str) -> bool:
    """Insert the open item (in its sender's precincts, if a landlord); False if the SID is stored already."""
    sid = entry.sid[:64]
    with rt.sessions.begin() as session:
        if session.scalar(select(InboundMessage.id).where(InboundMessage.provider_sid == sid)) is not None:
            return False
        row = InboundMessage(provider_sid=sid, channel="sms", from_number=entry.from_number[:32],
                             to_number=entry.to_number[:32], body=body, parse=parse, received_at=entry.received_at,
                             status="rejected", attempts=0, codes=[code], review_state="open",
                             review_reason=REVIEW_REASON, processed_at=utcnow())
        session.add(row)
        session.flush()
        landlord = decls.find_landlord(session, row.from_number)
        if landlord is not None:
            item_precincts.assign(session, row, item_precincts.of_landlord(landlord))
    return True


# ------------------------------------------------------------------------------------------ who replays

def replay_forever(rt: Runtime, stop: threading.Event, every: float | None = None) -> None:
    """Replay until `stop` is set: at once again after a pass that found work, else every `every` seconds."""
    every = rt.settings.replay_every if every is None else every
    while not stop.is_set():
        if not _pass(rt).handled:
            stop.wait(every)


_drainers: dict[tuple[str, str], threading.Thread] = {}
_drainers_lock = threading.Lock()


def drain_in_background(rt: Runtime) -> None:
    """Replay in a thread of this process until nothing waits in the spool (one such thread per spool).

    A web process calls it whenever it spools: its host's files must be replayed on its host, and a
    web host may run no worker, or be the only one left after the others were killed.
    """
    spool = spool_for(rt)
    key = (str(spool.directory), spool.stream)
    with _drainers_lock:
        running = _drainers.get(key)
        if running is not None and running.is_alive():
            return
        thread = _drainers[key] = threading.Thread(target=_drain, args=(rt,), name="declgate-spool-drain",
                                                   daemon=True)
        thread.start()


def _drain(rt: Runtime) -> None:
    spool = spool_for(rt)
    idle_since = time.monotonic()
    while True:
        if _pass(rt).handled:
            idle_since = time.monotonic()
            continue
        if not spool.waiting(fresh=True):
            return
        if time.monotonic() - idle_since > 3600:
            log.warning("spool still waiting after an hour without a replay; this process stops trying "
                        "(workers and the next spooled message start it again)")
            return
        time.sleep(rt.settings.replay_every)


def _pass(rt: Runtime) -> Replayed:
    try:
        return replay(rt)
    except Exception:  # noqa: BLE001 - like the sweep, the replayer must outlive any blip; it logs and retries
        log.exception("spool replay failed; trying again in %ss", rt.settings.replay_every)
        return Replayed(interrupted=True)

