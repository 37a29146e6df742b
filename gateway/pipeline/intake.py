"""Storing what arrives: the only write a webhook makes before it answers.

The raw message is committed before the webhook returns 200, so a Redis outage
loses nothing: `declgate requeue` and the worker's sweep enqueue whatever is
still `received` (gateway.pipeline.queue).
"""
from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from gateway.runtime import Runtime
from gateway.pipeline import policy
from store.upsert import insert_for
from store.models import InboundMessage, local_time, utcnow
from store.states import Channel, InboundStatus

log = logging.getLogger(__name__)

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
              channel: Channel = Channel.SMS, edited_from_id: int | None = None, edited_by_id: int | None = None,
              precinct_id: int | None = None, received_at: dt.datetime | None = None,
              media: list[dict[str, str]] | None = None) -> tuple[int, bool]:
    """Store one inbound SMS once per provider SID. Returns (inbound id, whether it is new).

    The parse at intake is kept on the row so officers see errors and spans even
    for a message no worker has touched yet. `received_at` is given when the spool replays a message
    (gateway.pipeline.replay): it keeps the time it reached the webhook, so its "today" and its place in the
    sender's hourly allowance are those of its arrival, not of the replay. `media` are the MMS images'
    `url`s and `content_type`s, kept sealed in `payload` in the same INSERT (nothing is downloaded here):
    such a message waits `media_state = pending` for its own job (gateway.media.portraits).
    """
    received_at = received_at or utcnow()
    today = local_time(received_at, rt.tz).date()
    parsed = policy.parse_text(rt, body, today, images=len(media or []))
    # A Core INSERT, not the ORM's unit of work: this is the only statement the webhook runs and the ORM
    # flush was a third of its CPU. Nothing is lost by skipping the session's before_flush hooks: the row
    # is dated now, in a month that has closed in no time zone, so it has no statistics snapshot to forget.
    # (A replayed row can be dated in a month that has closed since; the job that handles it changes its
    # status through the ORM, and that flush forgets the snapshot.)
    row = dict(provider_sid=sid, channel=channel, from_number=from_number, to_number=to_number, body=body,
               received_at=received_at, status=InboundStatus.RECEIVED, parse=parsed.to_json(), attempts=0,
               edited_from_id=edited_from_id, edited_by_id=edited_by_id, precinct_id=precinct_id,
               payload={"media": media} if media else None, media_state="pending" if media else None)
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


def store_request(rt: Runtime, *, sid: str, from_number: str, body: str, payload: dict, parse: dict,
                  precinct_id: int | None) -> tuple[int, bool]:
    """Store one request of the JSON API (channel `web`) once per SID. Returns (inbound id, whether it is new).

    The SID is derived from the client's Idempotency-Key when it sends one, so a retried POST finds its
    first row here instead of storing the request twice. `payload` holds the request's fields (sealed at
    rest like a call's), `parse` what they were read into, `body` an ID-free line for the officers' queue.
    """
    row = dict(provider_sid=sid, channel=Channel.WEB, from_number=from_number, to_number="", body=body,
               received_at=utcnow(), status=InboundStatus.RECEIVED, parse=parse, payload=payload, attempts=0,
               precinct_id=precinct_id)
    with rt.sessions.begin() as session:
        # Through the ORM's table so the sealed columns are sealed; ON CONFLICT keeps a retry from failing.
        inserted = session.execute(_insert_once(session.bind.dialect.name), row).scalar_one_or_none()
        if inserted is not None:
            return inserted, True
        return session.scalar(select(_INBOUND.c.id).where(_INBOUND.c.provider_sid == sid)), False
