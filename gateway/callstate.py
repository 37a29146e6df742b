"""Per-call state in Redis keyed by CallSid, so any web process can serve any step of any call."""
from __future__ import annotations

import json
from contextlib import contextmanager
from typing import Any, Iterator

import redis

CALL_TTL_SECONDS = 3600


class CallBusy(Exception):
    """Another request for the same call is being handled (a Twilio retry racing the original)."""


class CallStore:
    def __init__(self, conn: redis.Redis, prefix: str, ttl: int = CALL_TTL_SECONDS) -> None:
        self._redis = conn
        self._prefix = prefix
        self._ttl = ttl

    def get(self, call_sid: str) -> dict[str, Any] | None:
        raw = self._redis.get(self._prefix + call_sid)
        return json.loads(raw) if raw else None

    def put(self, call_sid: str, state: dict[str, Any]) -> None:
        self._redis.set(self._prefix + call_sid, json.dumps(state, ensure_ascii=False), ex=self._ttl)

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
