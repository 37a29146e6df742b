"""`GET /healthz`: what a load balancer or an operator checks first."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from gateway.pipeline.replay import depth

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
