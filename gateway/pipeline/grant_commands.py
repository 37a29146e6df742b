"""`授权 <phone> [@place]` / `取消授权 <phone> [@place]`: a landlord, or an employer's contact, lets an agent
declare for them, or stops it (sms-format.md §9.3). One rule for both kinds of grantor: only the grantor's
own properties or sites can be named, a new grant texts the agent once, and revoking what was never granted
is `unknown_agent`."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from gateway.pipeline.outcome import Handled
from gateway.pipeline.policy import text_channel
from parsers import Command, Outcome, OutcomeStatus, ParseResult
from store import agents
from store.agents import Grantor, Place
from store.models import Agent, InboundMessage
# The grantor's own place for what the SMS named: (place, None), or (None, the error code).
Resolve = Callable[[str], tuple[Place | None, str | None]]
Notice = Callable[..., str]  # (grantor's name, places as labels, language=…) -> the agent's SMS


def label(place: Place) -> str:
    """A property or site as its owner names it in an SMS: `@alias`, else `@code`."""
    return f"@{place.alias or place.code}"


def agent_notice(notice: Notice, grantor: Grantor, grant: Agent, *, language: str) -> str:
    """The one SMS a new agent gets, whether the grant came by SMS or the API: from whom, and every place it
    reaches as `@labels` (all of them for a grant of all), so the agent knows what to name in its messages."""
    return notice(grantor.name, " ".join(label(p) for p in agents.granted_places(grant)), language=language)


def handle_grant(session: Session, inbound: InboundMessage, grantor: Grantor, result: ParseResult,
                 handled: Handled, *, resolve: Resolve, notice: Notice) -> Handled:
    """Grant or revoke the agent the message names, at the place it names or at all of the grantor's."""
    record = result.records[0] if result.records else None
    errors = [p.code for p in result.record_errors(0)] if record is not None else []
    if record is None or not record.phone or errors:
        return handled.reject((errors or ["unknown_agent"])[0])
    place = None
    if record.property:
        place, code = resolve(record.property)
        if place is None:
            return handled.reject(code or "unknown_property")
    if result.command == Command.AGENT:
        grant, new = agents.grant(session, grantor, record.phone, place, text_channel(inbound))
        reached = agents.granted_places(grant)
        if new:
            handled.extra_sms.append(("agent_notice", record.phone,
                                      agent_notice(notice, grantor, grant,
                                                   language=handled.language or result.language)))
        status = OutcomeStatus.AGENT_GRANTED
    else:
        ended = agents.revoke(session, grantor, record.phone, place)
        if not ended:
            return handled.reject("unknown_agent")
        reached = [p for grant in ended for p in agents.granted_places(grant)]
        status = OutcomeStatus.AGENT_REVOKED
    shown = " ".join(dict.fromkeys(label(p) for p in reached))
    handled.outcomes.append(Outcome(status=status, name=f"{record.phone} {shown}".strip()))
    return handled
