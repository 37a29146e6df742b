"""The spool: where a webhook keeps a message the database cannot take right now.

Twilio does not retry an SMS webhook that answers 503 (only a connection failure, and only within
15 s), so during a database outage (a failover, a restart, a full disk) the webhook writes the
signed, validated message here and answers 200 as usual; `gateway.pipeline.replay` moves it into the
database, in arrival order, once the database answers again.

Two places, tried in this order:

- a Redis stream (`XADD`, gateway.pipeline.spool.stream), when Redis is up: one round trip, shared by every
  process of the deployment, so any worker can replay it. It is capped at `SPOOL_MAXLEN`, but never
  trimmed: past 90 % of the cap it refuses new entries (an error in the log, once a minute) and the
  file takes them;
- an append-only file per process (gateway.pipeline.spool.files) under `SPOOL_DIR` on this host's disk,
  fsynced before the webhook answers. Only processes on the same host can replay it.

Only when the file cannot be written either does the webhook answer 503.

Each entry is sealed with the data keys (store.keyring), like the raw messages in the database: a
Redis dump or a copied spool file shows no ID number. This package knows nothing of the database.
"""
from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from redis.exceptions import RedisError

from gateway.pipeline.spool import files
from gateway.pipeline.spool import stream as streams
from gateway.pipeline.spool.entry import Entry, Spooled, UnreadableEntry, utcnow
from gateway.pipeline.spool.files import ClaimedFile
from gateway.pipeline.spool.stream import StreamReader

if TYPE_CHECKING:
    import redis

    from gateway.runtime import Runtime
    from store.keyring import Keyring

log = logging.getLogger(__name__)

ALERT_EVERY = 60.0  # seconds between two log lines about the same filling stream, per process
WAITING_FOR = 1.0  # seconds a process trusts its last look at whether anything waits in the spool

__all__ = ["ClaimedFile", "Depth", "Entry", "Spool", "SpoolUnavailable", "Spooled", "StreamReader",
           "UnreadableEntry", "spool_for", "utcnow"]


class SpoolUnavailable(Exception):
    """Neither the Redis stream nor the file could take the entry: the webhook must answer 503."""


@dataclass(frozen=True)
class Depth:
    """How much waits in the spool: for readiness checks, metrics and alerts."""

    entries: int  # replayable entries: the stream's and this host's files'
    oldest_age: float | None  # seconds since the oldest of them arrived; None when there is none
    in_redis: int | None  # None: Redis did not answer (or is not used)
    in_files: int
    unreadable: int  # entries set aside because nothing can read them (see the log)


@dataclass
class _Local:
    """What one process remembers between requests about a spool."""

    waiting: bool = False
    checked: float = float("-inf")
    alerted: dict[int, float] = field(default_factory=dict)  # log level -> when last said
    persistence_checked: bool = False


_local: dict[tuple[str, str], _Local] = {}
_local_lock = threading.Lock()


class Spool:
    """The spool of one deployment on this host: its Redis stream and its directory of files."""

    def __init__(self, directory: Path, *, keyring: Keyring, redis: redis.Redis | None, stream: str,
                 maxlen: int = 100_000) -> None:
        self.directory = Path(directory)
        self.keyring = keyring
        self.redis = redis  # None: files only (the embedded in-process Redis dies with the process)
        self.stream = stream
        self.maxlen = maxlen
        self._add = redis.register_script(streams.ADD) if redis is not None else None  # EVALSHA
        with _local_lock:
            self._local = _local.setdefault((str(self.directory), stream), _Local())

    # ------------------------------------------------------------------------------------------- writing

    def write(self, entry: Entry) -> str:
        """Keep `entry` durably; returns where ("redis" or "file"). SpoolUnavailable when nowhere can.

        The stream counts as durable as Redis's own persistence (docs/deployment.md); the file is
        fsynced before this returns.
        """
        token = entry.seal(self.keyring)
        self._local.waiting, self._local.checked = True, time.monotonic()
        if self.redis is not None and self._add_to_stream(entry.timestamp, token):
            return "redis"
        try:
            files.append(self.directory, entry, token)
        except OSError as exc:
            log.error("spool file %s cannot be written (%s): the webhook answers 503",
                      files.own_file(self.directory), exc)
            raise SpoolUnavailable(str(exc)) from exc
        return "file"

    def _add_to_stream(self, timestamp: float, token: str) -> bool:
        full_at = int(self.maxlen * streams.FULL_AT)
        try:
            added, length = self._add(keys=[self.stream], args=[full_at, self.maxlen, repr(timestamp), token])
        except RedisError as exc:
            log.warning("Redis refused the spool entry (%s); writing it to %s", exc, files.own_file(self.directory))
            return False
        if isinstance(added, bytes):
            added = added.decode()
        if not added:
            self._alert(logging.ERROR, "spool stream %s holds %d entries, the limit short of SPOOL_MAXLEN=%d: "
                        "new entries go to the files under %s. Is any worker replaying?",
                        self.stream, length, self.maxlen, self.directory)
            return False
        if length >= self.maxlen * streams.WARN_AT:
            self._alert(logging.WARNING, "spool stream %s holds %d entries (SPOOL_MAXLEN=%d; the files take over at "
                        "%d)", self.stream, length, self.maxlen, full_at)
        if not self._local.persistence_checked:
            self._local.persistence_checked = True
            self._check_persistence()
        return True

    def _check_persistence(self) -> None:
        """Say once per process when the stream lives in a Redis that a restart empties (best effort: a managed
        Redis may refuse CONFIG)."""
        try:
            appendonly = self.redis.config_get("appendonly").get("appendonly")
        except RedisError:
            return
        if appendonly in ("no", b"no"):
            log.warning("the spool stream %s is in a Redis without an append-only file: restarting Redis during a "
                        "database outage would lose what it holds. Set appendonly yes (appendfsync everysec or "
                        "always) on that Redis, or SPOOL_REDIS=0 to spool to files only (docs/deployment.md)",
                        self.stream)

    def _alert(self, level: int, message: str, *args) -> None:
        now = time.monotonic()
        if now - self._local.alerted.get(level, float("-inf")) >= ALERT_EVERY:
            self._local.alerted[level] = now
            log.log(level, message, *args)

    # -------------------------------------------------------------------------------- what is waiting

    def waiting(self, fresh: bool = False) -> bool:
        """Whether anything may wait in the spool; looked at once a second at most per process, unless `fresh`.

        While something waits, new messages join the spool rather than overtake it, so a sender's
        messages are stored in the order they arrived.
        """
        now = time.monotonic()
        if not fresh and now - self._local.checked < WAITING_FOR:
            return self._local.waiting
        self._local.checked = now
        self._local.waiting = files.present(self.directory) or self._stream_length() > 0
        return self._local.waiting

    def _stream_length(self) -> int:
        if self.redis is None:
            return 0
        try:
            return int(self.redis.xlen(self.stream))
        except RedisError:
            return 0  # cannot tell; the files still count

    def depth(self) -> Depth:
        """The entries waiting to be replayed and the age of the oldest (reads this host's files)."""
        now = time.time()
        in_redis: int | None = None
        oldest: float | None = None
        unreadable = 0
        if self.redis is not None:
            try:
                in_redis = int(self.redis.xlen(self.stream))
                first = self.redis.xrange(self.stream, count=1)
                if first:
                    oldest = float(first[0][1][b"t"])
                unreadable = int(self.redis.xlen(streams.unreadable_key(self.stream)))
            except (RedisError, KeyError, ValueError):
                in_redis = None
        in_files, oldest_in_files, set_aside = files.counted(self.directory)
        if oldest_in_files is not None:
            oldest = oldest_in_files if oldest is None else min(oldest, oldest_in_files)
        return Depth(entries=(in_redis or 0) + in_files, oldest_age=None if oldest is None else max(0.0, now - oldest),
                     in_redis=in_redis, in_files=in_files, unreadable=unreadable + set_aside)

    # ------------------------------------------------------------------------------------------ reading

    @contextlib.contextmanager
    def claim_files(self) -> Iterator[list[ClaimedFile]]:
        """Take every spool file on this host that no one else holds: those of dead processes, those of
        live ones (renamed away, so their next append starts a new file) and those a dead replayer
        claimed. They stay locked until the block ends; then each keeps only what was not acknowledged.
        """
        claimed: list[ClaimedFile] = []
        try:
            for path in files.listed(self.directory):
                taken = ClaimedFile.take(path, self.keyring)
                if taken is not None:
                    claimed.append(taken)
            yield claimed
        finally:
            for taken in claimed:
                taken.finish()

    @contextlib.contextmanager
    def stream_turn(self, hold: float = 30.0) -> Iterator[tuple[StreamReader | None, bool]]:
        """The Redis stream, for one replayer at a time: (reader, False) when it is this one's turn,
        (None, True) while another replayer holds it, (None, False) when Redis does not answer (or is not
        used). The reader sees only what was spooled before the turn began."""
        if self.redis is None:
            yield None, False
            return
        with streams.turn(self.redis, self.stream, self.keyring, hold) as taken:
            yield taken

    def set_aside(self, item: Spooled) -> None:
        """Keep an entry nothing can read where no replay trips on it again, and say so in the log.

        It is not deleted: an operator who restores a removed key can still read it.
        """
        in_stream = item.source == "redis"
        where = streams.unreadable_key(self.stream) if in_stream else self.directory / files.UNREADABLE
        log.error("spooled entry %s/%s cannot be replayed (%s): set aside under %s", item.source, item.position,
                  item.problem, where)
        record = {"t": item.timestamp, "from": f"{item.source}:{item.position}", "problem": item.problem,
                  "raw": item.raw}
        if in_stream:
            self.redis.xadd(streams.unreadable_key(self.stream), {k: str(v) for k, v in record.items()})
            self.redis.xdel(self.stream, item.position)
        else:
            files.set_aside(self.directory, record)


_spools: dict[tuple, Spool] = {}


def spool_for(rt: Runtime) -> Spool:
    """The spool of this runtime's deployment: Redis only when it is a real server (and SPOOL_REDIS allows).

    Every webhook asks, so the answer is kept per settings and connection (which it holds, so their
    ids are not reused while it is kept).
    """
    settings = rt.settings
    use_redis = settings.spool_redis and not settings.embedded
    key = (settings.spool_dir, str(settings.instance_dir), settings.queue_name, settings.spool_maxlen, id(rt.redis) if use_redis else None,
           id(rt.keyring))
    found = _spools.get(key)
    if found is None:
        if len(_spools) >= 16:  # a process has one runtime; a test run builds hundreds, each with its own Redis
            _spools.clear()
        directory = Path(settings.spool_dir) if settings.spool_dir else Path(settings.instance_dir) / "spool"
        found = _spools[key] = Spool(directory, keyring=rt.keyring, redis=rt.redis if use_redis else None,
                                     stream=rt.key("spool"), maxlen=settings.spool_maxlen)
    return found
