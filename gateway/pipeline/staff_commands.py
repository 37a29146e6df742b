"""An employer contact's SMS (§9.4): `用工` declares staff at one of the employer's sites, `离职` ends them.

The same reply, receipts and per-record outcomes as a landlord's `登记`/`退租` (gateway.pipeline.sms_commands
routes here); what is stored is a staff declaration (store.staff), which never touches a tenancy. `撤销 <receipt>`
withdraws one of the employer's own. `授权 <phone> [@site]` / `取消授权` let another phone act as the employer's
agent (store.agents): its `用工`/`离职` are the employer's, at the granted sites, with the agent as declarant and
a copy of the reply to each of the employer's contacts, one SMS per message. An employer's phone that sends any other
landlord's command gets `wrong_declarant_kind`: nothing of it is stored. A contact's call (voice menu 4 and 5 for
staff) is applied here too (`handle_voice_staff`), by the same store.staff code and answered with the same reply.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from gateway import runtime
from gateway.pipeline.grant_commands import handle_grant
from gateway.pipeline.outcome import Handled
from gateway.pipeline.policy import text_channel, today_for
from parsers import Command, Outcome, OutcomeStatus, ParseResult
from parsers.commands import AGENT_COMMANDS
from parsers.dates import check_move_in_date
from parsers.notices import render_staff_agent_notice
from store import agents, employers, media, staff
from store.agents import ForEmployer
from store.models import Employer, InboundMessage, Site
from store.states import Channel, DeclarationStatus

STAFF_COMMANDS = (Command.STAFF, Command.STAFF_END)


def handle_staff(session: Session, inbound: InboundMessage, staffing: list[ForEmployer], result: ParseResult,
                 handled: Handled, today: dt.date) -> Handled:
    """Apply every record of an employer contact's (or an employer's agent's) message; each is applied or
    rejected on its own."""
    for fe in staffing:
        about(handled, fe.employer)
    if result.message_errors():
        handled.codes.extend(problem.code for problem in result.message_errors())
        handled.outcomes.append(Outcome(status=OutcomeStatus.REJECTED, codes=tuple(dict.fromkeys(handled.codes))))
        return handled
    if result.command == Command.HELP:
        return handled
    if result.command == Command.CANCEL:  # `撤销 <receipt>`: a 用工 sent by mistake
        return _cancel(session, staffing, result, handled)
    if result.command == Command.PHOTO:  # `照片 <receipt>` + an image: what the 补采 SMS asks an employer for
        return _photo(session, inbound, staffing, result, handled)
    if result.command in AGENT_COMMANDS:
        own = next((fe.employer for fe in staffing if not fe.as_agent), None)
        if own is None:
            return handled.reject("unknown_sender")  # an agent cannot pass a grant on
        return _grants(session, inbound, own, result, handled)
    if result.command not in STAFF_COMMANDS:
        return handled.reject("wrong_declarant_kind")  # §9.4: tenants are a landlord's to declare
    for index, record in enumerate(result.records):
        errors = [p.code for p in result.record_errors(index)]
        if errors:
            _reject_record(handled, index, record, errors)
        elif result.command == Command.STAFF:
            _hire(session, inbound, staffing, result, index, handled, today)
        else:
            _leave(session, staffing, result, index, handled, today)
    return handled


def about(handled: Handled, employer: Employer) -> None:
    """The message concerns this employer: its precinct is one of the message's."""
    if handled.precinct_id is None:
        handled.precinct_id = employer.precinct_id
    elif employer.precinct_id not in (handled.precinct_id, *handled.other_precinct_ids):
        handled.other_precinct_ids.append(employer.precinct_id)


def copy_to_employer(session: Session, handled: Handled, fe: ForEmployer) -> None:
    """An agent's outcome just added goes into the employer's copy: one SMS a message to each of its contacts.

    Every contact declares for the employer alike (the owner, the HR clerk, the site manager), so each is told
    what an agent did in the employer's name, not only whichever phone sorts first.
    """
    if fe.as_agent:
        for n, contact in enumerate(employers.contacts(session, fe.employer.id)):
            handled.copy_to(f"e{fe.employer.id}:{n}", contact, handled.outcomes[-1])


def _cancel(session: Session, staffing: list[ForEmployer], result: ParseResult, handled: Handled) -> Handled:
    fe, decl = agents.staff_by_receipt(session, staffing, result.receipt or "")
    if fe is None or decl is None:
        return handled.reject("unknown_receipt")  # another employer's (or a tenant's) is as good as unknown
    staff.cancel(decl)
    handled.outcomes.append(Outcome(status=OutcomeStatus.CANCELLED, name=decl.person.name,
                                    document_number=decl.person.document_number, receipt=decl.receipt,
                                    room=decl.room))
    copy_to_employer(session, handled, fe)
    return handled


def _photo(session: Session, inbound: InboundMessage, staffing: list[ForEmployer], result: ParseResult,
           handled: Handled) -> Handled:
    """The portrait of a staff declaration's person, as a landlord's `照片 <receipt>` gives a tenant's: an
    accepted no-document staff member missing one leaves the 补采 list with it (store.followup)."""
    fe, decl = agents.staff_by_receipt(session, staffing, result.receipt or "")
    if fe is None or decl is None:
        return handled.reject("unknown_receipt")  # another employer's (or a tenant's) is as good as unknown
    stored, problem = media.sent_portrait(session, inbound)
    if stored is None:
        return handled.reject(problem)
    stored.person = decl.person  # the person's portrait (it names no tenant's declaration)
    status = OutcomeStatus.PENDING_REVIEW if decl.status == DeclarationStatus.PENDING_REVIEW \
        else OutcomeStatus.REGISTERED
    handled.outcomes.append(Outcome(status=status, name=decl.person.name, document_number=decl.person.document_number,
                                    receipt=decl.receipt, room=decl.room))
    copy_to_employer(session, handled, fe)
    return handled


def _grants(session: Session, inbound: InboundMessage, employer: Employer, result: ParseResult,
            handled: Handled) -> Handled:
    """`授权` / `取消授权` from an employer's contact, about the employer's own sites."""
    return handle_grant(session, inbound, employer, result, handled,
                        resolve=lambda code: employers.resolve_site(employer.sites, code),
                        notice=render_staff_agent_notice)


def _reject_record(handled: Handled, index: int, record, codes: list[str]) -> None:
    handled.codes.extend(codes)
    handled.outcomes.append(Outcome(status=OutcomeStatus.REJECTED, record=index, name=record.name,
                                    document_number=record.document.number if record.document else None,
                                    room=record.room, codes=tuple(dict.fromkeys(codes))))


def _hire(session: Session, inbound: InboundMessage, staffing: list[ForEmployer], result: ParseResult, index: int,
          handled: Handled, today: dt.date) -> None:
    record = result.records[index]
    fe, site, code = agents.resolve_site(staffing, record.property)
    if fe is None or site is None:
        return _reject_record(handled, index, record, [code or "unknown_property"])
    doc = record.document
    status, decl = staff.declare(
        session, employer=fe.employer, site=site, document_type=doc.type if doc else "none",
        document_number=doc.number if doc else None, name=record.name, phone=record.phone, room=record.room,
        lodger=record.lodger, start=record.date or today,
        channel=text_channel(inbound),
        inbound_id=inbound.id, declarant_phone=inbound.from_number, hukou=record.hukou,
        late=any(w.code == "late" for w in result.record_warnings(index)))
    if status == OutcomeStatus.PENDING_REVIEW:
        handled.codes.append("no_document")
        images = media.of_message(session, inbound)  # the parse gave each no-document record its own (§9.2)
        image = images[record.image] if record.image is not None and record.image < len(images) else None
        if image is not None and image.status == media.STORED:
            image.person = decl.person  # the person's portrait (it names no tenant's declaration)
    warnings = tuple(w.code for w in result.record_warnings(index) if w.code not in ("late", "missing_portrait"))
    handled.outcomes.append(Outcome(status=status, record=index, name=record.name,
                                    document_number=doc.number if doc else None, receipt=decl.receipt,
                                    room=decl.room, codes=warnings))
    copy_to_employer(session, handled, fe)


def _leave(session: Session, staffing: list[ForEmployer], result: ParseResult, index: int, handled: Handled,
           today: dt.date) -> None:
    record = result.records[index]
    candidates: list[tuple[ForEmployer, list[Site] | None]]
    if record.property:
        fe, site, code = agents.resolve_site(staffing, record.property)
        if fe is None or site is None:
            return _reject_record(handled, index, record, [code or "unknown_property"])
        candidates = [(fe, [site])]
    else:  # a contact: every site of its employer; an agent: the sites it was granted
        candidates = [(fe, fe.sites if fe.as_agent else None) for fe in staffing]
    doc = record.document
    matches, codes = [], []
    for fe, sites in candidates:
        found, code = staff.to_end(session, fe.employer.id, sites, document_type=doc.type if doc else None,
                                   document_number=doc.number if doc else None, id_suffix=record.id_suffix,
                                   room=record.room)
        if code:
            codes.append(code)
        else:
            matches.append((fe, found))
    if len(matches) != 1:  # none found, or the same words find staff of two employers an agent works for
        return _reject_record(handled, index, record, [codes[0] if not matches else "ambiguous_tenant"])
    fe, found = matches[0]
    staff.end(found, record.date or today)
    session.flush()  # a later record of the same message must not find them still active
    for decl in found:
        handled.outcomes.append(Outcome(status=OutcomeStatus.LEFT, record=index, name=decl.person.name,
                                        document_number=decl.person.document_number, receipt=decl.receipt,
                                        room=decl.room))
        copy_to_employer(session, handled, fe)


def handle_voice_staff(session: Session, inbound: InboundMessage, handled: Handled) -> Handled:
    """An employer contact's (or an employer's agent's) confirmed call: `staff_start` declares a member of staff
    at one of the sites the caller may reach, `staff_end` ends one; the caller is the declarant, and an agent's
    employer gets the copy, as for `用工`. The flow offered those sites only; checked again here, since the
    phone, a grant or the site may have changed hands between the call and this job."""
    payload = inbound.payload or {}
    fe = site = None
    code = payload.get("property_code")
    if code:
        fe, site = next(((fe, s) for fe in agents.for_employers(session, inbound.from_number) for s in fe.sites
                         if s.code == code), (None, None))
    if fe is None or site is None:
        return handled.reject("not_your_property")
    employer = fe.employer
    handled.precinct_id = employer.precinct_id
    date, number = dt.date.fromisoformat(payload["date"]), payload.get("document_number")
    if payload.get("kind") == "staff_end":
        found, code = staff.to_end(session, employer.id, [site], document_type="ric" if number else None,
                                   document_number=number, id_suffix=payload.get("id_suffix"), room=None)
        if code:
            handled.codes.append(code)
            handled.outcomes.append(Outcome(status=OutcomeStatus.REJECTED, codes=(code,), document_number=number))
            return handled
        staff.end(found, date)
        for decl in found:
            handled.outcomes.append(Outcome(status=OutcomeStatus.LEFT, name=decl.person.name,
                                            document_number=decl.person.document_number, receipt=decl.receipt,
                                            room=decl.room))
            copy_to_employer(session, handled, fe)
        return handled
    rt, today = runtime.current(), today_for(inbound.received_at)
    check = check_move_in_date(date, today, rt.settings.deadline_days, campaign_start=rt.campaign_start(today, session))
    # With no document (`0`) the name and household address are recordings (kept, with the recogniser's drafts,
    # in the call's payload): the staff declaration waits for an officer as a no-document `用工` does.
    status, decl = staff.declare(
        session, employer=employer, site=site, document_type=payload.get("document_type") or "none",
        document_number=number, name=payload.get("name"), phone=None, room=payload.get("room"),
        lodger=bool(payload.get("lodger")), start=date, channel=Channel.VOICE, inbound_id=inbound.id,
        declarant_phone=inbound.from_number, receipt=payload.get("receipt"), late=check.late)
    if status == OutcomeStatus.PENDING_REVIEW:
        handled.codes.append("no_document")
    handled.outcomes.append(Outcome(status=status, name=decl.person.name, document_number=number,
                                    receipt=decl.receipt, room=decl.room,
                                    codes=("backlog",) if check.backlog else ()))
    copy_to_employer(session, handled, fe)
    return handled
