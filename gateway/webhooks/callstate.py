"""Per-call state in Redis keyed by CallSid, so any web process can serve any step of any call.

The state holds what the caller keyed in, full ID number included, for up to an hour: it is sealed
with the data keys like the database's columns (store.keyring), so a Redis dump or a replica
reveals no ID number either.
"""
from __future__ import annotations

import json
import logging
from contextlib import contextmanager
from typing import Any, Iterator

import redis

from store.keyring import Keyring, SealedDataError

CALL_TTL_SECONDS = 3600
CONTEXT = "redis.call_state"  # what the sealed state is bound to
log = logging.getLogger(__name__)


class CallBusy(Exception):
    """Another request for the same call is being handled (a Twilio retry racing the original)."""


class CallStore:
    def __init__(self, conn: redis.Redis, prefix: str, keyring: Keyring, ttl: int = CALL_TTL_SECONDS) -> None:
        self._redis = conn
        self._prefix = prefix
        self._keyring = keyring
        self._ttl = ttl

    def get(self, call_sid: str) -> dict[str, Any] | None:
        """The call's state; None when there is none, or none these keys open (the caller hears goodbye)."""
        raw = self._redis.get(self._prefix + call_sid)
        if not raw:
            return None
        try:
            return json.loads(self._keyring.open(raw.decode(), CONTEXT))
        except (SealedDataError, UnicodeDecodeError) as exc:
            log.warning("call state unreadable, the call is ended: %s", exc)
            return None

    def put(self, call_sid: str, state: dict[str, Any]) -> None:
        sealed = self._keyring.seal(json.dumps(state, ensure_ascii=False), CONTEXT)
        self._redis.set(self._prefix + call_sid, sealed, ex=self._ttl)

    @contextmanager
    def locked(self, call_sid: str, wait: float = 5.0) -> Iterator[None]:
        """Serialise the steps of one call across processes: a retry waits, then sees the advanced state."""
        lock = self._redis.lock(self._prefix + call_sid + ":lock", timeout=30, blocking_timeout=wait)
        if not lock.acquire():
            raise CallBusy(call_sid)
        try:
            yield
        finally:
            try:
                lock.release()
            except redis.exceptions.LockError:
                pass  # expired while we worked; the state write already happened
