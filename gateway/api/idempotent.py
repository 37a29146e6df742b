"""The Idempotency-Key header on POSTs: a retry gets the first answer again and creates nothing."""
from __future__ import annotations

import functools
from collections.abc import Callable

from flask import Response, g, json, request

from gateway import runtime
from gateway.api.problems import ApiProblem, MEDIA_TYPE, problem
from store import idempotency

HEADER = "Idempotency-Key"
MAX_KEY = 200


def client_key() -> str | None:
    """The client's key, checked; None when it sent none."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not 1 <= len(key) <= MAX_KEY:
        raise ApiProblem(problem(400, "bad_idempotency_key"))
    return key


def idempotent(scope: Callable[[], str]) -> Callable:
    """Keep a POST's answer (2xx and 4xx) under (scope, key, path); `scope` names who is asking."""
    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            key = client_key()
            if key is None:
                return view(*args, **kwargs)
            rt = runtime.current()
            who, slot = scope(), idempotency.digest(key, request.path)
            print_ = idempotency.fingerprint(request.get_json(silent=True))
            with rt.sessions() as session:
                kept = idempotency.recall(session, who, slot, print_)
            if kept is not None:
                if kept.conflict:
                    return problem(422, "idempotency_key_reused")
                return _replay(kept.status, kept.body)
            g.idempotency_key = key
            response = view(*args, **kwargs)
            status = response.status_code if isinstance(response, Response) else 200
            if status < 500 and isinstance(response, Response) and response.is_json:
                with rt.sessions.begin() as session:
                    idempotency.keep(session, who, slot, print_, status, response.get_json())
            return response
        return wrapper
    return decorate


def _replay(status: int, body: dict) -> Response:
    mimetype = MEDIA_TYPE if "type" in body and "status" in body else "application/json"
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=mimetype)
    response.headers["Idempotent-Replayed"] = "true"
    if body.get("status_url"):
        response.headers["Location"] = body["status_url"]
    return response
