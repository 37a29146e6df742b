"""The spool: where a webhook keeps a message the database cannot take right now.

Twilio does not retry an SMS webhook that answers 503 (only a connection failure, and only within
15 s), so during a database outage (a failover, a restart, a full disk) the webhook writes the
signed, validated message here and answers 200 as usual; `gateway.replay` moves it into the
database, in arrival order, once the database answers again.

Two places, tried in this order:

- a Redis stream (`XADD`), when Redis is up: one round trip, shared by every process of the
  deployment, so any worker can replay it. It is capped at `SPOOL_MAXLEN` entries, but a message is
  never trimmed away: past 90 % of the cap the stream refuses new entries (an error in the log, once
  a minute) and the file takes them;
- an append-only file per process (`<pid>.jsonl`, JSON lines) under `SPOOL_DIR` on this host's
  disk, fsynced before the webhook answers. Only processes on the same host can replay it.

Only when the file cannot be written either does the webhook answer 503.

A file belongs to whoever holds its `flock`: a writer for the length of one append, a replayer from
the moment it renames the file to `*.claimed` until it has replayed it. Writers check after locking
that the path still names the file they opened, so an append never lands in a file a replayer has
taken; a process killed with entries in its file leaves the file unlocked for any replayer on the host.

Each entry is sealed with the data keys (store.keyring), like the raw messages in the database: a
Redis dump or a copied spool file shows no ID number. This module knows nothing of the database.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import errno
import fcntl
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from redis.exceptions import LockError, RedisError

if TYPE_CHECKING:
    import redis

    from gateway.runtime import Runtime
    from store.keyring import Keyring

log = logging.getLogger(__name__)

CONTEXT = "spool.entry"  # what each sealed entry is bound to (store.keyring)
FULL_AT = 0.9  # of SPOOL_MAXLEN: the stream takes nothing more, the file does
WARN_AT = 0.5  # of SPOOL_MAXLEN: the stream is filling up; an operator should look
ALERT_EVERY = 60.0  # seconds between two log lines about the same filling stream, per process
WAITING_FOR = 1.0  # seconds a process trusts its last look at whether anything waits in the spool
LOCK_WAIT = 2.0  # seconds a writer waits for its own file before answering 503
LIVE, CLAIMED = ".jsonl", ".claimed"
UNREADABLE = "unreadable"  # the subdirectory (and stream suffix) for entries no key or parser can read

# XLEN, then XADD only below the full level: one round trip, and MAXLEN never trims what was not replayed.
_ADD = """
local n = redis.call('XLEN', KEYS[1])
if n >= tonumber(ARGV[1]) then return {'', n} end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 't', ARGV[3], 'e', ARGV[4])
return {id, n + 1}
"""


class SpoolUnavailable(Exception):
    """Neither the Redis stream nor the file could take the entry: the webhook must answer 503."""


class UnreadableEntry(Exception):
    """A spooled line no key here opens or that is not an entry (a torn write, a removed key)."""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


@dataclass(frozen=True)
class Entry:
    """One webhook request as the gateway accepted it: what `gateway.intake.store_sms` needs, and when."""

    sid: str
    from_number: str
    to_number: str
    body: str
    received_at: dt.datetime = field(default_factory=utcnow)  # naive UTC, like the database's columns
    kind: str = "sms"

    @property
    def timestamp(self) -> float:
        """Seconds since the epoch: the order in which spooled entries are replayed."""
        return self.received_at.replace(tzinfo=dt.timezone.utc).timestamp()

    def seal(self, keyring: Keyring) -> str:
        values = dataclasses.asdict(self)
        values["received_at"] = self.received_at.isoformat()
        return keyring.seal(json.dumps(values, ensure_ascii=False, separators=(",", ":")), CONTEXT)

    @classmethod
    def open(cls, token: str, keyring: Keyring) -> Entry:
        """The entry in a sealed token; UnreadableEntry when it does not open or is not an entry."""
        from store.keyring import SealedDataError

        try:
            values = json.loads(keyring.open(token, CONTEXT))
            values["received_at"] = dt.datetime.fromisoformat(values["received_at"])
            return cls(**values)
        except (SealedDataError, ValueError, TypeError, KeyError) as exc:
            raise UnreadableEntry(f"{type(exc).__name__}: {exc}") from None


@dataclass
class Spooled:
    """An entry read back for replay, with where it came from (to acknowledge it once stored)."""

    timestamp: float
    entry: Entry | None  # None: unreadable, `problem` says why
    source: str  # "redis" or the claimed file's path
    position: str | int  # the stream id, or the line's index in its file
    raw: str = ""  # the line or token as stored, kept for the unreadable quarantine
    problem: str = ""


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
        self._add = redis.register_script(_ADD) if redis is not None else None  # EVALSHA, loaded on first use
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
        # The leading newline ends a line torn by a process that died mid-write, should its pid's file be reused.
        line = "\n" + json.dumps({"t": entry.timestamp, "e": token}, separators=(",", ":")) + "\n"
        try:
            self._append(line.encode())
        except OSError as exc:
            log.error("spool file %s cannot be written (%s): the webhook answers 503", self._own_file(), exc)
            raise SpoolUnavailable(str(exc)) from exc
        return "file"

    def _add_to_stream(self, timestamp: float, token: str) -> bool:
        full_at = int(self.maxlen * FULL_AT)
        try:
            added, length = self._add(keys=[self.stream], args=[full_at, self.maxlen, repr(timestamp), token])
        except RedisError as exc:
            log.warning("Redis refused the spool entry (%s); writing it to %s", exc, self._own_file())
            return False
        if isinstance(added, bytes):
            added = added.decode()
        if not added:
            self._alert(logging.ERROR, "spool stream %s holds %d entries, the limit short of SPOOL_MAXLEN=%d: "
                        "new entries go to the files under %s. Is any worker replaying?",
                        self.stream, length, self.maxlen, self.directory)
            return False
        if length >= self.maxlen * WARN_AT:
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

    def _own_file(self) -> Path:
        return self.directory / f"{os.getpid()}{LIVE}"

    def _append(self, data: bytes) -> None:
        """Append one line to this process's file under its lock, and fsync it (and a new file's directory)."""
        path = self._own_file()
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fd = os.open(path, os.O_WRONLY | os.O_APPEND)
                created = False
            except FileNotFoundError:
                self.directory.mkdir(parents=True, exist_ok=True)
                fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                created = True
            try:
                if _lock(fd, path):
                    _write_all(fd, data)
                    os.fsync(fd)
                    if created:
                        _fsync_directory(self.directory)
                    return
            finally:
                os.close(fd)  # also releases the lock
            if time.monotonic() > deadline:
                raise OSError(errno.ETIMEDOUT, f"{path} stayed locked for {LOCK_WAIT:g}s")
            time.sleep(0.001)

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
        self._local.waiting = self._files_present() or self._stream_length() > 0
        return self._local.waiting

    def _stream_length(self) -> int:
        if self.redis is None:
            return 0
        try:
            return int(self.redis.xlen(self.stream))
        except RedisError:
            return 0  # cannot tell; the files still count

    def _files_present(self) -> bool:
        try:
            with os.scandir(self.directory) as found:
                return any(item.name.endswith((LIVE, CLAIMED)) for item in found)
        except OSError:  # none yet, or unreadable: a write will say so
            return False

    def depth(self) -> Depth:
        """The entries waiting to be replayed and the age of the oldest (reads this host's files)."""
        now = time.time()
        in_redis: int | None = None
        oldest: float | None = None
        if self.redis is not None:
            try:
                in_redis = int(self.redis.xlen(self.stream))
                first = self.redis.xrange(self.stream, count=1)
                if first:
                    oldest = float(first[0][1][b"t"])
            except (RedisError, KeyError, ValueError):
                in_redis = None
        in_files = 0
        for path in self._files():
            lines = _read_lines(path)
            in_files += len(lines)
            if lines:
                with contextlib.suppress(ValueError, KeyError, TypeError):
                    first_at = float(json.loads(lines[0])["t"])
                    oldest = first_at if oldest is None else min(oldest, first_at)
        unreadable = sum(len(_read_lines(path)) for path in sorted((self.directory / UNREADABLE).glob(f"*{LIVE}")))
        if self.redis is not None:
            with contextlib.suppress(RedisError):
                unreadable += int(self.redis.xlen(self._unreadable_stream))
        return Depth(entries=(in_redis or 0) + in_files, oldest_age=None if oldest is None else max(0.0, now - oldest),
                     in_redis=in_redis, in_files=in_files, unreadable=unreadable)

    def _files(self) -> list[Path]:
        try:
            return sorted(p for p in self.directory.iterdir() if p.name.endswith((LIVE, CLAIMED)))
        except OSError:
            return []

    # ------------------------------------------------------------------------------------------ reading

    @contextlib.contextmanager
    def claim_files(self) -> Iterator[list[ClaimedFile]]:
        """Take every spool file on this host that no one else holds: those of dead processes, those of
        live ones (renamed away, so their next append starts a new file) and those a dead replayer
        claimed. They stay locked until the block ends; then each keeps only what was not acknowledged.
        """
        claimed: list[ClaimedFile] = []
        try:
            for path in self._files():
                taken = ClaimedFile.take(path, self)
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
        try:
            lock = self.redis.lock(self.stream + ":replaying", timeout=hold, blocking=False)
            held = lock.acquire()
            last = self.redis.xrevrange(self.stream, count=1) if held else []
        except RedisError as exc:
            log.info("spool stream %s not replayed this time (%s)", self.stream, exc)
            yield None, False
            return
        if not held:
            yield None, True
            return
        try:
            yield StreamReader(self, lock, last[0][0] if last else None, hold), False
        finally:
            with contextlib.suppress(RedisError, LockError):
                lock.release()

    @property
    def _unreadable_stream(self) -> str:
        return f"{self.stream}:{UNREADABLE}"

    def set_aside(self, item: Spooled) -> None:
        """Keep an entry nothing can read where no replay trips on it again, and say so in the log.

        It is not deleted: an operator who restores a removed key can still read it.
        """
        log.error("spooled entry %s/%s cannot be replayed (%s): set aside under %s", item.source, item.position,
                  item.problem, self._unreadable_stream if item.source == "redis" else self.directory / UNREADABLE)
        record = {"t": item.timestamp, "from": f"{item.source}:{item.position}", "problem": item.problem,
                  "raw": item.raw}
        if item.source == "redis":
            self.redis.xadd(self._unreadable_stream, {k: str(v) for k, v in record.items()})
            self.redis.xdel(self.stream, item.position)
            return
        folder = self.directory / UNREADABLE
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / f"{os.getpid()}{LIVE}", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            _write_all(fd, (json.dumps(record, ensure_ascii=False) + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)


class ClaimedFile:
    """A spool file one replayer holds: its entries, and how many of them from the start are acknowledged."""

    def __init__(self, path: Path, fd: int, items: list[Spooled], spool: Spool) -> None:
        self.path, self._fd, self.items, self._spool = path, fd, items, spool
        self.acknowledged: set[int] = set()  # positions of the entries stored (or set aside)

    @classmethod
    def take(cls, path: Path, spool: Spool) -> ClaimedFile | None:
        """The file, locked and (if a live process's) renamed to `*.claimed`; None if someone holds it."""
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            return None
        try:
            if not _lock(fd, path):
                os.close(fd)
                return None
            if path.name.endswith(LIVE):
                claimed = path.with_name(f"{path.name[:-len(LIVE)]}.{uuid.uuid4().hex[:8]}{CLAIMED}")
                os.rename(path, claimed)
                _fsync_directory(path.parent)
                path = claimed
            data = _read_all(fd)
        except OSError:
            os.close(fd)
            raise
        return cls(path, fd, _parse_lines(data, path, spool.keyring), spool)

    def acknowledge(self, item: Spooled) -> None:
        self.acknowledged.add(int(item.position))

    def finish(self) -> None:
        """Drop what was acknowledged: the whole file, or all but the rest (rewritten, then renamed over it)."""
        try:
            rest = [item for item in self.items if item.position not in self.acknowledged]
            if not rest:
                self.path.unlink(missing_ok=True)
            elif self.acknowledged:
                temporary = self.path.with_name(self.path.name + ".tmp")
                fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                try:
                    _write_all(fd, "".join(item.raw + "\n" for item in rest).encode())
                    os.fsync(fd)
                finally:
                    os.close(fd)
                os.replace(temporary, self.path)
            _fsync_directory(self.path.parent)
        except OSError as exc:  # what stays is replayed again next time, and found stored already
            log.warning("spool file %s not trimmed (%s); its stored entries will be skipped next time", self.path, exc)
        finally:
            os.close(self._fd)


class StreamReader:
    """The stream's entries up to the last one present when the turn began, in order, a batch at a time."""

    BATCH = 200

    def __init__(self, spool: Spool, lock, last_id: bytes | None, hold: float) -> None:
        self._spool, self._lock, self._last, self._hold = spool, lock, last_id, hold

    def __iter__(self) -> Iterator[Spooled]:
        if self._last is None:
            return
        start = "-"
        redis = self._spool.redis
        while True:
            self._lock.extend(self._hold, replace_ttl=True)  # still ours, for another `hold` seconds
            batch = redis.xrange(self._spool.stream, min=start, max=self._last, count=self.BATCH)
            for stream_id, fields in batch:
                yield _stream_item(stream_id.decode(), fields, self._spool.keyring)
            if len(batch) < self.BATCH:
                return
            start = "(" + batch[-1][0].decode()

    def acknowledge(self, item: Spooled) -> None:
        """Delete an entry whose row is committed (a failure here only means it is found stored next time)."""
        try:
            self._spool.redis.xdel(self._spool.stream, item.position)
        except RedisError as exc:
            log.warning("spool entry %s stored but not deleted from the stream (%s)", item.position, exc)


_spools: dict[tuple, Spool] = {}


def spool_for(rt: Runtime) -> Spool:
    """The spool of this runtime's deployment: Redis only when it is a real server (and SPOOL_REDIS allows).

    Every webhook asks, so the answer is kept per settings and connection (which it holds, so their
    ids are not reused while it is kept).
    """
    settings = rt.settings
    use_redis = settings.spool_redis and not settings.embedded
    key = (settings.spool_dir, settings.queue_name, settings.spool_maxlen, id(rt.redis) if use_redis else None,
           id(rt.keyring))
    found = _spools.get(key)
    if found is None:
        from gateway.settings import INSTANCE

        if len(_spools) >= 16:  # a process has one runtime; a test run builds hundreds, each with its own Redis
            _spools.clear()

        directory = Path(settings.spool_dir) if settings.spool_dir else INSTANCE / "spool"
        found = _spools[key] = Spool(directory, keyring=rt.keyring, redis=rt.redis if use_redis else None,
                                     stream=rt.key("spool"), maxlen=settings.spool_maxlen)
    return found


# ---------------------------------------------------------------------------------------------- helpers

def _lock(fd: int, path: Path) -> bool:
    """Take `fd`'s lock without waiting, and keep it only if `path` still names that file."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    try:
        current = os.stat(path)
    except FileNotFoundError:
        current = None
    opened = os.fstat(fd)
    if current is None or (current.st_dev, current.st_ino) != (opened.st_dev, opened.st_ino):
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    return True


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _read_all(fd: int) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def _read_lines(path: Path) -> list[bytes]:
    try:
        return [line for line in path.read_bytes().split(b"\n") if line.strip()]
    except FileNotFoundError:
        return []


def _fsync_directory(directory: Path) -> None:
    """Make a created, renamed or removed name in `directory` survive a crash."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _parse_lines(data: bytes, path: Path, keyring: Keyring) -> list[Spooled]:
    """A file's entries in order. A last line without its newline is a write its process died in (never
    answered 200); it is read like the others, and set aside if it does not open."""
    items = []
    for index, raw in enumerate(data.decode("utf-8", errors="replace").splitlines()):
        if not raw.strip():
            continue
        item = Spooled(timestamp=0.0, entry=None, source=str(path), position=len(items), raw=raw)
        try:
            record = json.loads(raw)
            item.timestamp = float(record["t"])
            item.entry = Entry.open(record["e"], keyring)
        except UnreadableEntry as exc:
            item.problem = str(exc)
        except (ValueError, KeyError, TypeError) as exc:
            item.problem = f"line {index + 1} is not a spool entry ({type(exc).__name__})"
        items.append(item)
    return items


def _stream_item(stream_id: str, fields: dict[bytes, bytes], keyring: Keyring) -> Spooled:
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

