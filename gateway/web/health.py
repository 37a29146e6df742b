"""`GET /healthz` (is this process alive and are its servers there) and `GET /readyz` (may it take traffic)."""
from __future__ import annotations

import functools

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from gateway.pipeline.replay import depth
from gateway.telemetry import heartbeat
from store import migrate

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Report whether the database and Redis answer; 503 when either does not."""
    rt = current_app.extensions["declgate"]
    checks: dict[str, str] = {}
    try:
        with rt.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any failure means unhealthy; the reason is reported, not raised
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        rt.redis.ping()
        checks["redis"] = "ok"
    except Exception as exc:
        checks["redis"] = f"error: {type(exc).__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return jsonify(status="ok" if healthy else "unavailable", **checks, spool=_spool(rt)), 200 if healthy else 503


def _spool(rt) -> dict:
    """What waits in the spool (gateway.pipeline.spool): shown, never a reason for 503, since it is how an outage is
    survived; an operator alerts on its age."""
    try:
        found = depth(rt)
    except Exception as exc:  # noqa: BLE001 - reported like the checks above
        return {"error": type(exc).__name__}
    age = None if found.oldest_age is None else round(found.oldest_age, 1)
    return {"entries": found.entries, "oldest_age_seconds": age, "in_redis": found.in_redis,
            "in_files": found.in_files, "unreadable": found.unreadable}


@functools.cache
def _code_heads() -> frozenset[str]:
    return frozenset(migrate.heads())  # read from the migration files once per process


@bp.get("/readyz")
def readyz():
    """Ready when the database answers and is migrated to this code's head, Redis answers, and a worker's
    sweep stamped its heartbeat within DECLGATE_READY_WORKER_SECONDS; 503 with what is missing otherwise."""
    rt = current_app.extensions["declgate"]
    checks: dict[str, dict] = {}
    try:
        with rt.engine.connect() as conn:
            at = migrate.current(conn)
        behind = at != _code_heads()
        checks["database"] = {"ok": not behind, "revision": sorted(at), "head": sorted(_code_heads())}
        if behind:
            checks["database"]["error"] = "migrations behind: run `declgate db upgrade`"
    except Exception as exc:  # noqa: BLE001 - reported, never raised
        checks["database"] = {"ok": False, "error": type(exc).__name__}
    try:
        rt.redis.ping()
        checks["redis"] = {"ok": True}
        age = heartbeat.last_seen_age(rt.redis, rt.settings.queue_name)
        fresh = age is not None and age <= rt.settings.ready_worker_seconds
        checks["worker"] = {"ok": fresh, "last_seen_seconds": None if age is None else round(age, 1),
                            "within_seconds": rt.settings.ready_worker_seconds}
    except Exception as exc:  # noqa: BLE001
        checks["redis"] = {"ok": False, "error": type(exc).__name__}
        checks["worker"] = {"ok": False, "error": "unknown while Redis does not answer"}
    ready = all(check["ok"] for check in checks.values())
    return jsonify(status="ready" if ready else "not ready", checks=checks), 200 if ready else 503
