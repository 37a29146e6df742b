"""GET /api/v1/export: the integrated police platform's pull of one unit's rows, as JSON lines.

Only an export token opens it (store.export_tokens): a landlord's API token is refused like no token at all,
since it is checked against the export tokens' table only. Each pull is an audit entry naming the token, the
unit, `since`, the row count and the client's address, written before the first row leaves.
"""
from __future__ import annotations

import datetime as dt
import json

from flask import Response, request, stream_with_context

from gateway import runtime
from gateway.api.access import bearer
from gateway.api.blueprint import bp
from gateway.api.problems import problem
from gateway.officer.auth import client_address
from store import audit, export, export_tokens, org
from store.models import utcnow

# The next pull's `since` is this much before this pull started: a row written by a transaction that began
# before the pull and committed after it carries an earlier time. Rows are keyed by receipt: a repeat replaces.
OVERLAP = dt.timedelta(minutes=5)


@bp.get("/export")
def export_rows():
    """The unit's rows changed at or after `since` (all without it), one JSON object a line."""
    rt = runtime.current()
    token = bearer()
    started = utcnow()
    with rt.sessions.begin() as session:
        row = export_tokens.in_force(session, token) if token else None
        if row is None:
            return problem(401, "unauthorized", headers={"WWW-Authenticate": "Bearer"})
        try:
            since = export.parse_since(request.args["since"], rt.tz) if request.args.get("since") else None
        except ValueError:
            return problem(422, "invalid_request", codes=[{"code": "invalid_request", "field": "since",
                                                           "text": "an ISO date or timestamp"}])
        stations = org.stations_under(session, row.unit_id)
        token_id, unmasked = row.id, row.unmasked
        total = export.count(session, since=since, stations=stations)
        audit.record(session, None, "export_pull", f"export_token:{token_id}", unit=row.unit.code,
                     since=export.stamp(since), rows=total, unmasked=unmasked, address=client_address())

    def lines():
        with rt.sessions() as session:
            for item in export.rows(session, since=since, unmasked=unmasked, stations=stations):
                yield json.dumps(item, ensure_ascii=False) + "\n"

    return Response(stream_with_context(lines()), mimetype="application/x-ndjson",
                    headers={"X-Export-Rows": str(total), "Cache-Control": "no-store",
                             "X-Export-Next-Since": export.stamp(started - OVERLAP) or ""})
