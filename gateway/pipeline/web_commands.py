"""Applying a request of the JSON API (channel `web`): the SMS rules, then a result the client reads.

The API reads a request into the ParseResult an SMS would give (parsers.structured) and stores it as an
inbound row; here the worker applies it with the SMS code (`sms_commands.handle_sms`): the same dedupe,
property and receipt checks, the same outcomes and codes. Instead of a reply SMS, the result — the
outcomes with IDs masked, the codes and the reply text the SMS would have been — is kept on the row's
sealed payload for `GET /api/v1/requests/<id>`.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from gateway.pipeline.outcome import Handled
from gateway.pipeline.policy import today_for
from gateway.pipeline.sms_commands import handle_sms
from gateway.pipeline.staff_commands import about, copy_to_employer
from parsers import Command, Outcome, OutcomeStatus, ParseResult, mask_id, render_reply
from parsers.replies import CATALOGS
from parsers.result import Document, Problem, Record
from store import agents, claims, staff
from store.models import InboundMessage
from store.states import DeclarationStatus

MOVE_OUT_BY_RECEIPT = "move_out"  # the API's move-out names a declaration; the SMS one a person or room
LEAVE_BY_RECEIPT = "staff_leave"  # and its 离职 a staff declaration


def handle_web(session: Session, inbound: InboundMessage) -> tuple[Handled, ParseResult]:
    """Apply one API request; no SMS is sent (the client polls its status URL)."""
    payload = inbound.payload or {}
    result = parse_from_json(inbound.parse or {})
    if payload.get("kind") == MOVE_OUT_BY_RECEIPT:
        handled = _move_out(session, inbound, result, payload)
    elif payload.get("kind") == LEAVE_BY_RECEIPT:
        handled = _leave(session, inbound, payload)
    else:
        handled = handle_sms(session, inbound, result)
    handled.reply = False
    handled.language = result.language
    return handled, result


def _move_out(session: Session, inbound: InboundMessage, result: ParseResult, payload: dict) -> Handled:
    handled = Handled()
    acting = agents.find_acting(session, inbound.from_number)  # a landlord, or an agent at granted properties
    decl = acting.by_receipt(session, payload.get("receipt") or "") if acting is not None else None
    if acting is not None and acting.landlord is not None:
        handled.landlord_id = acting.landlord.id
    if decl is None or decl.status != "active":
        code = "unknown_receipt" if decl is None else "no_matching_tenant"
        handled.codes.append(code)
        handled.outcomes.append(Outcome(status=OutcomeStatus.REJECTED, codes=(code,)))
        return handled
    handled.about(decl.property)
    claims.end_by_landlord(session, [decl], dt.date.fromisoformat(payload.get("date") or
                                                                  today_for(inbound.received_at).isoformat()))
    handled.outcomes.append(Outcome(status=OutcomeStatus.MOVED_OUT, name=decl.person.name,
                                    document_number=decl.person.document_number, receipt=decl.receipt,
                                    room=decl.room))
    if acting.on_behalf(decl.property):
        handled.landlord_id = decl.property.landlord_id
        handled.copy_to(decl.property.landlord_id, decl.property.landlord.phone, handled.outcomes[-1])
    return handled


def _leave(session: Session, inbound: InboundMessage, payload: dict) -> Handled:
    """End one staff declaration of the phone's employer, named by its receipt."""
    handled = Handled()
    fe, decl = agents.staff_by_receipt(session, agents.for_employers(session, inbound.from_number),
                                       payload.get("receipt") or "")
    if fe is None or decl is None or decl.status != DeclarationStatus.ACTIVE:
        code = "unknown_receipt" if decl is None else "no_matching_tenant"
        handled.codes.append(code)
        handled.outcomes.append(Outcome(status=OutcomeStatus.REJECTED, codes=(code,)))
        return handled
    about(handled, fe.employer)
    staff.end([decl], dt.date.fromisoformat(payload.get("date") or today_for(inbound.received_at).isoformat()))
    handled.outcomes.append(Outcome(status=OutcomeStatus.LEFT, name=decl.person.name,
                                    document_number=decl.person.document_number, receipt=decl.receipt,
                                    room=decl.room))
    copy_to_employer(session, handled, fe)
    return handled


def result_of(result: ParseResult, handled: Handled, language: str) -> dict[str, Any]:
    """What the client reads once its request is handled: never a full ID number."""
    shown = handled.outcomes if handled.told is None else handled.told
    codes = list(dict.fromkeys([*handled.codes, *(c for o in shown for c in o.codes)]))
    catalog = CATALOGS.get(language, CATALOGS["zh"])
    return {
        "outcomes": [{"status": str(o.status), "receipt": o.receipt, "name": o.name, "room": o.room,
                      "document": mask_id(o.document_number) if o.document_number else None,
                      "codes": list(o.codes)} for o in shown],
        "codes": [{"code": code, "text": catalog.CODES.get(code, code).replace("{token}", "").strip()}
                  for code in codes],
        "reply": render_reply(result, shown, language=language),
    }


def parse_from_json(parse: dict[str, Any]) -> ParseResult:
    """The ParseResult the API stored on the row (ParseResult.to_json), read back."""
    def problem(p: dict) -> Problem:
        return Problem(p["code"], p.get("record"), p.get("start", 0), p.get("end", 0), p.get("text", ""))

    records = []
    for r in parse.get("records", ()):
        doc = r.get("document")
        records.append(Record(name=r.get("name"), room=r.get("room"), phone=r.get("phone"),
                              property=r.get("property", r.get("site")), hukou=r.get("hukou"),
                              lodger=bool(r.get("lodger", False)), id_suffix=r.get("id_suffix"),
                              document=Document(doc["type"], doc.get("number")) if doc else None,
                              date=dt.date.fromisoformat(r["date"]) if r.get("date") else None))
    command = parse.get("command")
    return ParseResult(Command(command) if command else None, parse.get("language", "zh"), records=tuple(records),
                       receipt=parse.get("receipt"), errors=tuple(map(problem, parse.get("errors", ()))),
                       warnings=tuple(map(problem, parse.get("warnings", ()))))
