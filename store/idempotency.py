"""Idempotency-Key on the API's POSTs: the first answer is kept, and a retry gets it again, doing nothing.

The key is scoped to who sent it (a landlord, or a phone before log-in) and to the path, so two clients'
keys never meet. A key sent again with another body is refused rather than silently answered for the first.
A declaration is also deduplicated by the database itself: its inbound row's SID is derived from the same
key (gateway.api.declarations), so two retries racing each other still store one message.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.models import IdempotentRequest


@dataclass(frozen=True)
class Kept:
    """An earlier answer under the same key: `conflict` when it was for another body."""

    status: int
    body: dict[str, Any]
    conflict: bool = False


def digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def fingerprint(body: Any) -> str:
    return digest(json.dumps(body, sort_keys=True, ensure_ascii=False, default=str))


def recall(session: Session, scope: str, key: str, print_: str) -> Kept | None:
    row = session.scalar(select(IdempotentRequest).where(IdempotentRequest.scope == scope,
                                                         IdempotentRequest.key == key))
    if row is None:
        return None
    return Kept(status=row.status, body=row.body, conflict=row.fingerprint != print_)


def keep(session: Session, scope: str, key: str, print_: str, status: int, body: dict[str, Any]) -> None:
    """Keep an answer; a retry that raced this one and kept its own first wins (the answers are the same)."""
    try:
        with session.begin_nested():
            session.add(IdempotentRequest(scope=scope, key=key, fingerprint=print_, status=status, body=body))
    except IntegrityError:
        pass
