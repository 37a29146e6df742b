"""Helpers shared by the officer UI tests."""
from __future__ import annotations

from sqlalchemy import select

from gateway.pipeline import intake, queue
from store.models import AuditEntry, InboundMessage
from tests.constants import GATEWAY_NUMBER
from tests.support import drain, sms


def texted(client, rt, body: str, sender: str) -> int:
    """Send an SMS through the signed webhook, run the worker, and return the stored item's id."""
    response = sms(client, body, sender)
    assert response.status_code == 200
    drain(rt)
    with rt.sessions() as session:
        return session.scalar(select(InboundMessage.id).where(InboundMessage.provider_sid == response.sid))


def stored(rt, body: str, sender: str, sid: str) -> int:
    """Store and process an SMS without the webhook (for many items at once)."""
    inbound_id, _ = intake.store_sms(rt, sid=sid, from_number=sender, to_number=GATEWAY_NUMBER, body=body)
    queue.enqueue(rt, inbound_id)
    return inbound_id


def audit_actions(rt, action: str | None = None) -> list[AuditEntry]:
    with rt.sessions() as session:
        query = select(AuditEntry).order_by(AuditEntry.id)
        if action:
            query = query.where(AuditEntry.action == action)
        entries = list(session.scalars(query))
        for entry in entries:
            entry.officer  # loaded while the session is open
        return entries


def row(rt, model, ident):
    with rt.sessions() as session:
        return session.get(model, ident)
