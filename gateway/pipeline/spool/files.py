"""The spool's files: one append-only file of JSON lines per process, on this host's disk.

A file belongs to whoever holds its `flock`: a writer for the length of one append, a replayer from
the moment it renames the file to `*.claimed` until it has replayed it. Writers check after locking
that the path still names the file they opened, so an append never lands in a file a replayer has
taken; a process killed with entries in its file leaves the file unlocked for any replayer on the host.
"""
from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from gateway.pipeline.spool.entry import Entry, Spooled, UnreadableEntry

if TYPE_CHECKING:
    from store.keyring import Keyring

log = logging.getLogger(__name__)

LIVE, CLAIMED = ".jsonl", ".claimed"
UNREADABLE = "unreadable"  # the subdirectory for entries no key or parser can read
LOCK_WAIT = 2.0  # seconds a writer waits for its own file before giving up (the webhook answers 503)


def own_file(directory: Path) -> Path:
    """This process's file."""
    return directory / f"{os.getpid()}{LIVE}"


def append(directory: Path, entry: Entry, token: str) -> None:
    """Append one sealed entry to this process's file under its lock, and fsync it (and a new file's
    directory). OSError when the disk does not take it."""
    # The leading newline ends a line torn by a process that died mid-write, should its pid's file be reused.
    data = ("\n" + json.dumps({"t": entry.timestamp, "e": token}, separators=(",", ":")) + "\n").encode()
    path = own_file(directory)
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND)
            created = False
        except FileNotFoundError:
            directory.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            created = True
        try:
            if _lock(fd, path):
                _write_all(fd, data)
                os.fsync(fd)
                if created:
                    _fsync_directory(directory)
                return
        finally:
            os.close(fd)  # also releases the lock
        if time.monotonic() > deadline:
            raise OSError(errno.ETIMEDOUT, f"{path} stayed locked for {LOCK_WAIT:g}s")
        time.sleep(0.001)


def present(directory: Path) -> bool:
    """Whether any spool file (live or claimed) is in `directory`."""
    try:
        with os.scandir(directory) as found:
            return any(item.name.endswith((LIVE, CLAIMED)) for item in found)
    except OSError:  # none yet, or unreadable: a write will say so
        return False


def listed(directory: Path) -> list[Path]:
    """The spool files in `directory`, live and claimed."""
    try:
        return sorted(p for p in directory.iterdir() if p.name.endswith((LIVE, CLAIMED)))
    except OSError:
        return []


def counted(directory: Path) -> tuple[int, float | None, int]:
    """(entries, the first entry's arrival time of all files, entries set aside) in `directory`."""
    entries, oldest = 0, None
    for path in listed(directory):
        lines = read_lines(path)
        entries += len(lines)
        if lines:
            try:
                first = float(json.loads(lines[0])["t"])
            except (ValueError, KeyError, TypeError):
                continue
            oldest = first if oldest is None else min(oldest, first)
    unreadable = sum(len(read_lines(path)) for path in sorted((directory / UNREADABLE).glob(f"*{LIVE}")))
    return entries, oldest, unreadable


def set_aside(directory: Path, record: dict) -> None:
    """Append a record of an unreadable entry under `UNREADABLE/`, fsynced."""
    folder = directory / UNREADABLE
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(own_file(folder), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        _write_all(fd, (json.dumps(record, ensure_ascii=False) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


class ClaimedFile:
    """A spool file one replayer holds: its entries, and which of them are acknowledged."""

    def __init__(self, path: Path, fd: int, items: list[Spooled]) -> None:
        self.path, self._fd, self.items = path, fd, items
        self.acknowledged: set[int] = set()  # positions of the entries stored (or set aside)

    @classmethod
    def take(cls, path: Path, keyring: Keyring) -> ClaimedFile | None:
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
        return cls(path, fd, _parse_lines(data, path, keyring))

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


def read_lines(path: Path) -> list[bytes]:
    try:
        return [line for line in path.read_bytes().split(b"\n") if line.strip()]
    except FileNotFoundError:
        return []


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
