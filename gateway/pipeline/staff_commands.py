"""An employer contact's SMS (§9.4): `用工` declares staff at one of the employer's sites, `离职` ends them.

The same reply, receipts and per-record outcomes as a landlord's `登记`/`退租` (gateway.pipeline.sms_commands
routes here); what is stored is a staff declaration (store.staff), which never touches a tenancy. `撤销 <receipt>`
withdraws one of the employer's own. An employer's phone that sends any other landlord's command gets
`wrong_declarant_kind`: nothing of it is stored.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from gateway.pipeline.outcome import Handled
from parsers import Command, Outcome, OutcomeStatus, ParseResult
from store import employers, staff
from store.models import Employer, InboundMessage
from store.states import Channel

STAFF_COMMANDS = (Command.STAFF, Command.STAFF_END)


def handle_staff(session: Session, inbound: InboundMessage, employer: Employer, result: ParseResult,
                 handled: Handled, today: dt.date) -> Handled:
    """Apply every record of an employer contact's message; each is applied or rejected on its own."""
    handled.precinct_id = employer.precinct_id
    if result.message_errors():
        handled.codes.extend(problem.code for problem in result.message_errors())
        handled.outcomes.append(Outcome(status=OutcomeStatus.REJECTED, codes=tuple(dict.fromkeys(handled.codes))))
        return handled
    if result.command == Command.HELP:
        return handled
    if result.command == Command.CANCEL:  # `撤销 <receipt>`: a 用工 sent by mistake
        return _cancel(session, employer, result, handled)
    if result.command not in STAFF_COMMANDS:
        return reject_message(handled, "wrong_declarant_kind")  # §9.4: tenants are a landlord's to declare
    for index, record in enumerate(result.records):
        errors = [p.code for p in result.record_errors(index)]
        if errors:
            _reject_record(handled, index, record, errors)
        elif result.command == Command.STAFF:
            _hire(session, inbound, employer, result, index, handled, today)
        else:
            _leave(session, employer, result, index, handled, today)
    return handled


def _cancel(session: Session, employer: Employer, result: ParseResult, handled: Handled) -> Handled:
    decl = staff.by_receipt(session, employer.id, result.receipt or "")
    if decl is None:
        return reject_message(handled, "unknown_receipt")  # another employer's (or a tenant's) is as good as unknown
    staff.cancel(decl)
    handled.outcomes.append(Outcome(status=OutcomeStatus.CANCELLED, name=decl.person.name,
                                    document_number=decl.person.document_number, receipt=decl.receipt,
                                    room=decl.room))
    return handled


def reject_message(handled: Handled, code: str) -> Handled:
    handled.codes.append(code)
    handled.outcomes.append(Outcome(status=OutcomeStatus.REJECTED, codes=(code,)))
    return handled


def _reject_record(handled: Handled, index: int, record, codes: list[str]) -> None:
    handled.codes.extend(codes)
    handled.outcomes.append(Outcome(status=OutcomeStatus.REJECTED, record=index, name=record.name,
                                    document_number=record.document.number if record.document else None,
                                    room=record.room, codes=tuple(dict.fromkeys(codes))))


def _hire(session: Session, inbound: InboundMessage, employer: Employer, result: ParseResult, index: int,
          handled: Handled, today: dt.date) -> None:
    record = result.records[index]
    site, code = employers.resolve_site(employer, record.property)
    if site is None:
        return _reject_record(handled, index, record, [code or "unknown_property"])
    doc = record.document
    status, decl = staff.declare(
        session, employer=employer, site=site, document_type=doc.type if doc else "none",
        document_number=doc.number if doc else None, name=record.name, phone=record.phone, room=record.room,
        lodger=record.lodger, start=record.date or today,
        channel=inbound.channel if inbound.channel in (Channel.OFFICER, Channel.WEB) else Channel.SMS,
        inbound_id=inbound.id,
        declarant_phone=inbound.from_number)
    if status == OutcomeStatus.PENDING_REVIEW:
        handled.codes.append("no_document")
    warnings = tuple(w.code for w in result.record_warnings(index) if w.code not in ("late", "missing_portrait"))
    handled.outcomes.append(Outcome(status=status, record=index, name=record.name,
                                    document_number=doc.number if doc else None, receipt=decl.receipt,
                                    room=decl.room, codes=warnings))


def _leave(session: Session, employer: Employer, result: ParseResult, index: int, handled: Handled,
           today: dt.date) -> None:
    record = result.records[index]
    sites = None
    if record.property:
        site, code = employers.resolve_site(employer, record.property)
        if site is None:
            return _reject_record(handled, index, record, [code or "unknown_property"])
        sites = [site]
    doc = record.document
    found, code = staff.to_end(session, employer.id, sites, document_type=doc.type if doc else None,
                               document_number=doc.number if doc else None, id_suffix=record.id_suffix,
                               room=record.room)
    if code:
        return _reject_record(handled, index, record, [code])
    staff.end(found, record.date or today)
    session.flush()  # a later record of the same message must not find them still active
    for decl in found:
        handled.outcomes.append(Outcome(status=OutcomeStatus.LEFT, record=index, name=decl.person.name,
                                        document_number=decl.person.document_number, receipt=decl.receipt,
                                        room=decl.room))
