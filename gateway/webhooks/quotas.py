"""Fixed-window allowances counted in Redis, so every web process counts against the same number."""
from __future__ import annotations

from redis.exceptions import RedisError

from gateway.runtime import Runtime


def take(rt: Runtime, key: str, limit: int, window_seconds: int) -> bool:
    """Count one use of `key`; whether it was still within `limit` uses for the window.

    The window starts with the first use (SET NX EX, then INCR, in one transaction). When Redis
    cannot answer, the use is refused: what these allowances guard (a look-up, an SMS) can wait.
    """
    try:
        with rt.redis.pipeline() as pipe:
            pipe.set(key, 0, ex=window_seconds, nx=True)
            pipe.incr(key)
            _, used = pipe.execute()
    except RedisError:
        return False
    return int(used) <= limit


def exhausted(rt: Runtime, key: str, limit: int) -> bool:
    """Whether `key` has been used more than `limit` times in its window (a refused use counts too)."""
    try:
        return int(rt.redis.get(key) or 0) > limit
    except RedisError:
        return True
