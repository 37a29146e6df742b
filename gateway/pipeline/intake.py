"""Storing what arrives: the only write a webhook makes before it answers.

The raw message is committed before the webhook returns 200, so a Redis outage
loses nothing: `declgate requeue` and the worker's sweep enqueue whatever is
still `received` (gateway.pipeline.queue).
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
import threading
import weakref
from collections.abc import Callable, Sequence
from typing import NamedTuple

from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError

from gateway.runtime import Runtime
from gateway.pipeline import outage, queue
from gateway.pipeline.group_commit import GroupCommit
from store.kept_connection import KeptConnection
from store.upsert import insert_for
from store.models import InboundMessage, utcnow
from store.states import Channel, InboundStatus

log = logging.getLogger(__name__)

_INBOUND = InboundMessage.__table__


def _insert_once(dialect: str):
    """INSERT … ON CONFLICT (provider_sid) DO NOTHING RETURNING id, provider_sid, for this database.

    A Twilio retry of a stored SID then costs no error and no rollback: the statement returns no row
    for it. Several rows go in one statement (SQLAlchemy's insertmanyvalues); each returned row says
    which SID it is, since a conflicting one returns nothing.
    """
    statement = _INSERTS.get(dialect)
    if statement is None:
        statement = _INSERTS[dialect] = (insert_for(dialect)(_INBOUND).on_conflict_do_nothing(index_elements=["provider_sid"])
                                         .returning(_INBOUND.c.id, _INBOUND.c.provider_sid))
    return statement


_INSERTS: dict[str, object] = {}
# Rows one statement takes at most: the most webhooks a web process holds at once is its threads
# (WEB_THREADS), and the spool's replay goes one at a time; this only bounds a burst of both.
GROUP_ROWS = 64


class _Stored(NamedTuple):
    inbound_id: int
    new: bool


class _Row(NamedTuple):
    values: dict
    wake: Runtime | None  # the drain to wake once the row is committed


def store_sms(rt: Runtime, *, sid: str, from_number: str, to_number: str, body: str,
              channel: Channel = Channel.SMS, edited_from_id: int | None = None, edited_by_id: int | None = None,
              precinct_id: int | None = None, received_at: dt.datetime | None = None,
              media: list[dict[str, str]] | None = None, wake: bool = False) -> tuple[int, bool]:
    """Store one inbound SMS once per provider SID. Returns (inbound id, whether it is new).

    Nothing is parsed here: the worker parses the message anyway and keeps that parse on the row
    (gateway.pipeline.policy.shown_parse makes it for a page showing a message not parsed yet).
    `received_at` is given when the spool replays a message (gateway.pipeline.replay): it keeps the time
    it reached the webhook, so its "today" and its place in the sender's hourly allowance are those of
    its arrival, not of the replay. `media` are the MMS images' `url`s and `content_type`s, kept sealed
    in `payload` in the same INSERT (nothing is downloaded here): such a message waits
    `media_state = pending` for its own job (gateway.media.portraits).
    `wake`: raise the drain (gateway.pipeline.queue.wake) once the row is committed, if it is new; rows
    committed together wake it once.

    On PostgreSQL the rows of webhooks arriving together are committed together (`_group_for`); the
    row is committed when this returns either way.
    """
    received_at = received_at or utcnow()
    # A Core INSERT, not the ORM's unit of work: this is the only statement the webhook runs and the ORM
    # flush was a third of its CPU. Nothing is lost by skipping the session's before_flush hooks: the row
    # is dated now, in a month that has closed in no time zone, so it has no statistics snapshot to forget.
    # (A replayed row can be dated in a month that has closed since; the job that handles it changes its
    # status through the ORM, and that flush forgets the snapshot.)
    row = _Row(dict(provider_sid=sid, channel=channel, from_number=from_number, to_number=to_number, body=body,
                    received_at=received_at, status=InboundStatus.RECEIVED, attempts=0,
                    edited_from_id=edited_from_id, edited_by_id=edited_by_id, precinct_id=precinct_id,
                    payload={"media": media} if media else None, media_state="pending" if media else None),
               rt if wake else None)
    engine = rt.intake_engine
    if engine.dialect.name != "postgresql":  # SQLite: one writer at a time anyway, and no round trip to save
        stored = _write(engine, [row])[0]
        if isinstance(stored, BaseException):
            raise stored
        return stored
    return _group_for(engine).submit(row)


_groups: weakref.WeakKeyDictionary[Engine, GroupCommit[_Row, _Stored]] = weakref.WeakKeyDictionary()
_groups_lock = threading.Lock()


def _group_for(engine: Engine) -> GroupCommit[_Row, _Stored]:
    """The engine's group; it refers to the engine weakly, so a disposed runtime's engine is not kept alive."""
    with _groups_lock:
        group = _groups.get(engine)
        if group is None:
            ref = weakref.ref(engine)
            group = _groups[engine] = GroupCommit(lambda rows: _write(ref(), rows), max_rows=GROUP_ROWS)
        return group


_Ids = dict[str, int]  # an inbound id by provider SID


def _inserter(engine: Engine) -> Callable[[list[dict]], tuple[_Ids, _Ids]]:
    """How `engine` stores rows: ({sid: id} of the rows inserted, {sid: id} of those already stored)."""
    if engine.dialect.name != "postgresql":
        return functools.partial(_insert_core, engine)
    with _groups_lock:
        kept = _kept.get(engine)
        if kept is None:
            kept = _kept[engine] = _KeptInsert(engine)
        return kept


def _insert_core(engine: Engine, rows: list[dict]) -> tuple[_Ids, _Ids]:
    """The rows' INSERT (`_insert_once`) in a transaction of its own, then the ids of the SIDs that conflicted:
    how SQLite stores a webhook."""
    with engine.begin() as conn:
        inserted = {sid: inbound_id for inbound_id, sid in conn.execute(_insert_once(engine.dialect.name), rows)}
        missing = {row["provider_sid"] for row in rows} - inserted.keys()
        existing = dict(conn.execute(select(_INBOUND.c.provider_sid, _INBOUND.c.id)
                                     .where(_INBOUND.c.provider_sid.in_(sorted(missing)))).all()) if missing else {}
    return inserted, existing


class _KeptInsert:
    """The same INSERT on PostgreSQL, written as SQL and sent through psycopg on the connection the group's
    leaders keep (store.kept_connection): the pool checkout and SQLAlchemy's execution cost the web
    process more CPU than the statement itself. In AUTOCOMMIT it is committed when it returns.

    The values still go through the columns' own bind processors (the body and payload are sealed
    there), so a row is stored exactly as `_insert_core` stores it.
    """

    def __init__(self, engine: Engine) -> None:
        self._kept = KeptConnection(engine)
        self._binds = [(name, _INBOUND.c[name].type.bind_processor(engine.dialect)) for name in _COLUMNS]
        quote = engine.dialect.identifier_preparer.quote
        self._table, self._columns = quote(_INBOUND.name), ", ".join(quote(name) for name in _COLUMNS)
        self._statements: dict[int, str] = {}

    def __call__(self, rows: list[dict]) -> tuple[_Ids, _Ids]:
        if rows[0].keys() != _COLUMN_SET:  # a field store_sms gained would otherwise go unwritten here
            raise ValueError(f"a webhook row holds {sorted(rows[0])}, the kept INSERT writes {sorted(_COLUMNS)}")
        parameters = [process(row[name]) if process else row[name] for row in rows for name, process in self._binds]
        inserted = {sid: inbound_id for inbound_id, sid in self._kept.execute(self._statement(len(rows)), parameters)}
        missing = {row["provider_sid"] for row in rows} - inserted.keys()
        existing = dict(self._kept.execute(f"SELECT provider_sid, id FROM {self._table} WHERE provider_sid = ANY(%s)",
                                           [sorted(missing)])) if missing else {}
        return inserted, existing

    def _statement(self, rows: int) -> str:
        statement = self._statements.get(rows)
        if statement is None:
            values = ", ".join(["(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"] * rows)
            statement = self._statements[rows] = (
                f"INSERT INTO {self._table} ({self._columns}) VALUES {values} "
                "ON CONFLICT (provider_sid) DO NOTHING RETURNING id, provider_sid")
        return statement


_kept: weakref.WeakKeyDictionary[Engine, _KeptInsert] = weakref.WeakKeyDictionary()
# What a webhook's row holds (store_sms), in the order _KeptInsert sends it.
_COLUMNS = ("provider_sid", "channel", "from_number", "to_number", "body", "received_at", "status", "attempts",
            "edited_from_id", "edited_by_id", "precinct_id", "payload", "media_state")
_COLUMN_SET = frozenset(_COLUMNS)


def _write(engine: Engine, rows: Sequence[_Row]) -> list[_Stored | BaseException]:
    """Commit `rows` in one statement, then wake each drain once; each row's outcome, in order.

    When the database is away, every row fails with that (each webhook spools its own). When it
    refuses the statement for something in it, each row is written again on its own, so only the
    row it refuses fails.
    """
    try:
        stored: list[_Stored | BaseException] = list(_insert(engine, [row.values for row in rows]))
    except DBAPIError as exc:
        if len(rows) == 1 or outage.database_unavailable(exc):
            return [exc] * len(rows)
        log.info("%d rows refused together (%s); storing them one by one", len(rows), type(exc.orig).__name__)
        stored = []
        for row in rows:
            try:
                stored.extend(_insert(engine, [row.values]))
            except DBAPIError as one:
                stored.append(one)
    woken = set()
    for row, outcome in zip(rows, stored):
        if row.wake is not None and isinstance(outcome, _Stored) and outcome.new:
            key = queue.drain_flag(row.wake)
            if key not in woken:
                woken.add(key)
                queue.wake(row.wake)
    return stored


def _insert(engine: Engine, rows: list[dict]) -> list[_Stored]:
    """INSERT `rows` … ON CONFLICT DO NOTHING in one statement that commits itself; (id, new) per row."""
    insert = _inserter(engine)
    for attempt in range(2):
        try:
            inserted, existing = insert(rows)
        except DBAPIError as exc:
            # A connection the database dropped (a restart): it has been discarded, with its peers.
            if not exc.connection_invalidated or attempt:
                raise
            log.info("database connection lost; storing %d row(s) again on a new one", len(rows))
            continue
        stored, seen = [], set()
        for row in rows:
            sid = row["provider_sid"]
            if sid in inserted:
                # The same SID twice in one statement (a Twilio retry racing its first try): one is new.
                stored.append(_Stored(inserted[sid], sid not in seen))
                seen.add(sid)
            elif sid in existing:
                # After a lost connection the first attempt may have stored the row itself: treat it as
                # new, so it is queued (a message queued twice is handled once). Otherwise a Twilio retry.
                stored.append(_Stored(existing[sid], attempt > 0))
            else:  # pragma: no cover - a row that conflicts exists until officers delete it
                raise LookupError(f"inbound {sid} conflicted but cannot be found")
        return stored
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
