"""Rules every inbound SMS meets before its command: the landlord's day, opt-out words, the hourly allowance.

The allowance protects officers and landlords alike: a flood (an auto-responder, a script) is
not answered and goes to the officers' queue once, instead of a reply storm.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session, object_session

from gateway import runtime
from parsers import ParseResult, parse_sms
from store import declarations as decls
from store import item_precincts, lookups, media
from store.models import InboundMessage, OptOut, local_time
from store.states import Channel

RATE_WINDOW = dt.timedelta(hours=1)  # the per-sender allowance is counted over the last hour


def today_for(received_at: dt.datetime) -> dt.date:
    """The landlord's calendar day when the message arrived (stored times are UTC)."""
    rt = runtime.current()
    return local_time(received_at, rt.tz).date()

def over_rate_limit(session: Session, inbound: InboundMessage) -> bool:
    """More than the hourly allowance from this number (counting this one), or a message from ourselves.

    Officers' reprocessed copies are neither limited nor counted: enrolling a landlord and
    reprocessing their forty waiting messages is work, not a flood.
    """
    if inbound.edited_from_id is not None:
        return False
    if inbound.from_number == inbound.to_number:
        return True
    limit = runtime.current().settings.rate_limit_per_hour
    batch = lookups.current(session)
    if batch is not None and inbound.id in batch.earlier:
        earlier = batch.earlier[inbound.id]
    else:  # a message the batch did not count: the same count, for it alone
        earlier = lookups.count_earlier(session, [(inbound.id, inbound.from_number, inbound.received_at)],
                                        window=RATE_WINDOW, cap=limit)[inbound.id]
    return earlier >= limit

def to_senders_precincts(session: Session, inbound: InboundMessage) -> None:
    """A message no record of which was applied belongs to every precinct its (enrolled) sender has a property in."""
    landlord = decls.find_landlord(session, inbound.from_number)
    if landlord is not None:
        item_precincts.assign(session, inbound, item_precincts.of_landlord(landlord))

def text_channel(inbound: InboundMessage) -> Channel:
    """The channel a declaration read from a message's text counts under: an officer's or the API's when one of
    them stored the message (an officer's edited copy, a request to /api/v1), the SMS's otherwise."""
    return Channel(inbound.channel) if inbound.channel in (Channel.OFFICER, Channel.WEB) else Channel.SMS


def parse_text(rt: runtime.Runtime, body: str, today: dt.date, images: int = 0,
               session: Session | None = None) -> ParseResult:
    """The one way the gateway parses a text: with this deployment's deadline, region and campaign start,
    and the number of pictures the message carried (they are its no-document people's portraits). A caller
    inside a transaction passes its session (Runtime.campaign_start may have to look the start up)."""
    return parse_sms(body, today=today, deadline_days=rt.settings.deadline_days, region=rt.settings.default_region,
                     campaign_start=rt.campaign_start(today, session), images=images)


def parse_inbound(inbound: InboundMessage) -> ParseResult:
    return parse_text(runtime.current(), inbound.body, today_for(inbound.received_at), images=images_of(inbound),
                      session=object_session(inbound))


def shown_parse(inbound: InboundMessage) -> dict[str, Any]:
    """The parse an officer is shown: the one the worker kept, or the same made now for a text no worker has
    parsed (still waiting, or stopped before its parse: an opt-out word, a sender over the hourly allowance).
    A call or an API request keeps what it was stored with; a purged message shows none."""
    if inbound.parse is not None or inbound.channel in (Channel.VOICE, Channel.WEB) or not inbound.body:
        return inbound.parse or {}
    return parse_inbound(inbound).to_json()


def images_of(inbound: InboundMessage) -> int:
    """How many pictures a message carried; an officer's edited copy carries its original's."""
    if inbound.media_state or inbound.edited_from_id is None:
        return len((inbound.payload or {}).get("media") or [])
    session = object_session(inbound)
    return len(media.of_message(session, inbound)) if session is not None else 0

def record_optout(session: Session, phone: str, word: str) -> None:
    batch = lookups.current(session)
    if batch is not None:  # this batch's later replies to this phone follow the word
        batch.opted_out[phone] = word == "stop"
    existing = session.get(OptOut, phone)
    if word == "stop" and existing is None:
        session.add(OptOut(phone=phone))
    elif word == "start" and existing is not None:
        session.delete(existing)
