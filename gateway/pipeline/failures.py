"""What happens to a message whose job failed for good: it goes to the officers' queue, never lost."""
from __future__ import annotations

from gateway import runtime
from gateway.pipeline.policy import to_senders_precincts
from store.models import InboundMessage
from store.states import Channel, InboundStatus, ReviewState


def mark_failed(job, connection, exc_type, exc_value, traceback) -> None:
    """RQ failure callback: a message whose job failed for good goes to the officers' queue."""
    inbound_id = job.args[0] if job.args else None
    if inbound_id is None:
        return
    rt = runtime.current()
    with rt.sessions.begin() as session:
        inbound = session.get(InboundMessage, inbound_id)
        if inbound is not None and inbound.status == InboundStatus.RECEIVED and job.retries_left in (0, None):
            if inbound.precinct_id is None and inbound.channel != Channel.VOICE:
                to_senders_precincts(session, inbound)
            inbound.review_state, inbound.review_reason = ReviewState.OPEN, "job_failed"
            inbound.codes = (inbound.codes or []) + [f"job_failed:{exc_type.__name__}"]
