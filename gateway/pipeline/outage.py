"""What counts as the database being unavailable, and what the webhooks answer then.

An SMS that cannot be stored because the database is away (refused, timed out, a read-only standby
during a failover, an administrator's shutdown) goes to the spool (gateway.pipeline.spool) and is answered as
usual; one the database refuses for what it is (a value it cannot hold) is not an outage and must
not be spooled, or it would be refused again at every replay. A call cannot wait for a replay, so
the voice line tells the caller to call again in a few minutes and hangs up.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from flask import Response
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from ivr_flows.render import farewell

log = logging.getLogger(__name__)

# What a failed statement can raise: the driver's errors, and the pool's wait for a connection.
DATABASE_ERRORS = (DBAPIError, PoolTimeout)

# SQLSTATEs that say "not now" rather than "not this" (PostgreSQL's errcodes appendix): connection
# exceptions (class 08), insufficient resources (53: disk full, out of memory, too many connections),
# operator intervention (57: admin or crash shutdown, cannot connect now, a cancelled statement), a
# read-only transaction (25006: a standby, or the old primary during a failover), a lock or
# serialization conflict that the same statement survives when run again (55P03, 40001, 40P01), and
# the server's own system or I/O errors (58000, 58030).
UNAVAILABLE_CLASSES = ("08", "53", "57")
UNAVAILABLE_STATES = frozenset({"25006", "55P03", "40001", "40P01", "58000", "58030"})


def database_unavailable(exc: BaseException) -> bool:
    """Whether `exc` says the database cannot store anything now, rather than that it refuses this row."""
    if isinstance(exc, PoolTimeout):
        return True  # every pooled connection is busy waiting on a database that does not answer
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    state = getattr(exc.orig, "sqlstate", None)
    if state:
        return state[:2] in UNAVAILABLE_CLASSES or state in UNAVAILABLE_STATES
    # No SQLSTATE: the driver never got an answer (refused, reset, timed out, closed), or SQLite could
    # not get at its file (locked past the busy timeout, disk full, I/O error).
    return isinstance(exc, (OperationalError, InterfaceError))


def call_again_twiml() -> str:
    """Both languages' "please call again in a few minutes", then a hang-up."""
    return farewell("call_again")


def call_again_on_outage(view: Callable[..., Response]) -> Callable[..., Response]:
    """Answer a voice step the database or Redis cannot serve now with `call_again_twiml`, not an error.

    Nothing of the call is spooled: its state and prompts need both servers at every step, and the
    caller, told nothing was recorded, calls again (the landlord's SMS path, which cannot tell its
    sender anything, is the one that spools).
    """

    @wraps(view)
    def wrapper(*args, **kwargs) -> Response:
        try:
            return view(*args, **kwargs)
        except DATABASE_ERRORS as exc:
            if not database_unavailable(exc):
                raise
            log.warning("voice step answered 'call again': the database is unavailable (%s)", _reason(exc))
        except (RedisConnectionError, RedisTimeoutError) as exc:
            log.warning("voice step answered 'call again': Redis is unavailable (%s)", exc)
        return Response(call_again_twiml(), status=200, mimetype="text/xml")

    return wrapper


def _reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    return type(orig).__name__ if orig is not None else type(exc).__name__
