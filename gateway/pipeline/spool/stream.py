"""The spool's Redis stream: shared by every process of the deployment, replayed by one at a time.

It is capped at `SPOOL_MAXLEN` entries, but a message is never trimmed away: the script below adds
an entry only below 90 % of the cap, so `MAXLEN ~` only guards Redis's memory should that check ever
be outrun. Replayers take turns with a Redis lock; a turn sees only what was there when it began.
"""
from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING

from redis.exceptions import LockError, RedisError

from gateway.pipeline.spool.entry import Entry, Spooled, UnreadableEntry

if TYPE_CHECKING:
    import redis

    from store.keyring import Keyring

log = logging.getLogger(__name__)

FULL_AT = 0.9  # of SPOOL_MAXLEN: the stream takes nothing more, the file does
WARN_AT = 0.5  # of SPOOL_MAXLEN: the stream is filling up; an operator should look

# XLEN, then XADD only below the full level: one round trip, and MAXLEN never trims what was not replayed.
ADD = """
local n = redis.call('XLEN', KEYS[1])
if n >= tonumber(ARGV[1]) then return {'', n} end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 't', ARGV[3], 'e', ARGV[4])
return {id, n + 1}
"""


def unreadable_key(stream: str) -> str:
    """Where entries nothing can read are set aside."""
    return f"{stream}:unreadable"


class StreamReader:
    """The stream's entries up to the last one present when the turn began, in order, a batch at a time."""

    BATCH = 200

    def __init__(self, conn: redis.Redis, stream: str, keyring: Keyring, lock, last_id: bytes | None,
                 hold: float) -> None:
        self._redis, self._stream, self._keyring = conn, stream, keyring
        self._lock, self._last, self._hold = lock, last_id, hold

    def __iter__(self) -> Iterator[Spooled]:
        if self._last is None:
            return
        start = "-"
        while True:
            self._lock.extend(self._hold, replace_ttl=True)  # still ours, for another `hold` seconds
            batch = self._redis.xrange(self._stream, min=start, max=self._last, count=self.BATCH)
            for stream_id, fields in batch:
                yield _item(stream_id.decode(), fields, self._keyring)
            if len(batch) < self.BATCH:
                return
            start = "(" + batch[-1][0].decode()

    def acknowledge(self, item: Spooled) -> None:
        """Delete an entry whose row is committed (a failure here only means it is found stored next time)."""
        try:
            self._redis.xdel(self._stream, item.position)
        except RedisError as exc:
            log.warning("spool entry %s stored but not deleted from the stream (%s)", item.position, exc)


@contextlib.contextmanager
def turn(conn: redis.Redis, stream: str, keyring: Keyring,
         hold: float = 30.0) -> Iterator[tuple[StreamReader | None, bool]]:
    """(reader, False) when it is this replayer's turn, (None, True) while another holds it, (None, False)
    when Redis does not answer."""
    try:
        lock = conn.lock(stream + ":replaying", timeout=hold, blocking=False)
        held = lock.acquire()
        last = conn.xrevrange(stream, count=1) if held else []
    except RedisError as exc:
        log.info("spool stream %s not replayed this time (%s)", stream, exc)
        yield None, False
        return
    if not held:
        yield None, True
        return
    try:
        yield StreamReader(conn, stream, keyring, lock, last[0][0] if last else None, hold), False
    finally:
        with contextlib.suppress(RedisError, LockError):
            lock.release()


def _item(stream_id: str, fields: dict[bytes, bytes], keyring: Keyring) -> Spooled:
    token = fields.get(b"e", b"").decode(errors="replace")
    item = Spooled(timestamp=0.0, entry=None, source="redis", position=stream_id, raw=token)
    try:
        item.timestamp = float(fields[b"t"])
    except (KeyError, ValueError):
        item.timestamp = int(stream_id.split("-")[0]) / 1000
    try:
        item.entry = Entry.open(token, keyring)
    except UnreadableEntry as exc:
        item.problem = str(exc)
    return item
