"""Workers say they are alive: each sweep stamps its worker's name in one Redis sorted set.

/readyz and `declgate doctor` read the newest stamp. RQ's own worker heartbeat is refreshed only about every
seven minutes while a worker waits for work, far too seldom to tell a dead worker from an idle one.
"""
from __future__ import annotations

import os
import socket
import time

import redis

FORGET_AFTER = 86400.0  # stamps older than a day are dropped (workers renamed by a restart, hosts gone)


def name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def key(queue_name: str) -> str:
    """The sorted set, in the deployment's namespace (gateway.runtime.Runtime.key)."""
    return f"{queue_name}:workers"


def beat(conn: redis.Redis, queue_name: str, worker: str | None = None, now: float | None = None) -> None:
    """Stamp this worker as alive now (the sweep calls it every pass)."""
    now = time.time() if now is None else now
    with conn.pipeline(transaction=False) as pipe:
        pipe.zadd(key(queue_name), {worker or name(): now})
        pipe.zremrangebyscore(key(queue_name), "-inf", now - FORGET_AFTER)
        pipe.execute()


def seen(conn: redis.Redis, queue_name: str) -> dict[str, float]:
    """Every worker stamped within the last day, with its stamp (seconds since the epoch)."""
    return {member.decode() if isinstance(member, bytes) else member: score
            for member, score in conn.zrange(key(queue_name), 0, -1, withscores=True)}


def last_seen_age(conn: redis.Redis, queue_name: str, now: float | None = None) -> float | None:
    """Seconds since the most recent stamp of any worker; None when no worker was ever seen."""
    newest = conn.zrange(key(queue_name), -1, -1, withscores=True)
    if not newest:
        return None
    return max((time.time() if now is None else now) - newest[0][1], 0.0)
