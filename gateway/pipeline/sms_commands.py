"""An enrolled landlord's (or their agent's) SMS commands applied to the register: move in, move out,
cancel/confirm/dispute by receipt, list, portraits by receipt, and a landlord's grants to agents (and `注册`,
which anyone may send: gateway.pipeline.enrol_commands; an employer contact's `用工`/`离职`:
gateway.pipeline.staff_commands). Each record of a message is applied or rejected on
its own.

A phone acts at its own properties and at those landlords granted it (store.agents.Acting); what it does at
another landlord's property is recorded with it as declarant, and that landlord gets the reply copied."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from gateway.pipeline.enrol_commands import handle_enrol
from gateway.pipeline.grant_commands import handle_grant
from gateway.pipeline.outcome import Handled
from gateway.pipeline.policy import text_channel, today_for
from gateway.pipeline.staff_commands import STAFF_COMMANDS, handle_staff
from gateway.pipeline.voice_commands import claimant_phone
from parsers import Command, Outcome, OutcomeStatus, ParseResult
from parsers.commands import AGENT_COMMANDS, BY_RECEIPT
from parsers.notices import render_agent_notice
from parsers.replies import reply_language
from store import agents, claims, languages, media
from store import declarations as decls
from store.agents import Acting
from store.models import Declaration, InboundMessage, Landlord, MediaItem, Property
from store.states import Channel, DeclarationStatus


def handle_sms(session: Session, inbound: InboundMessage, result: ParseResult) -> Handled:
    """Apply every record of a parsed SMS from an enrolled landlord.

    The message goes to the precincts of the properties it is about (each record's, the receipt's);
    one that names none (rejected as a whole, `HELP`, a `LIST` of everything) to every precinct the
    landlord has a property in.
    """
    handled = Handled()
    handled.language, keep = reply_language(inbound.body or "", result,
                                            languages.remembered(session, inbound.from_number))
    if keep and inbound.channel not in (Channel.OFFICER, Channel.WEB):
        languages.remember(session, inbound.from_number, handled.language)
    if result.command == Command.ENROL:  # the one command a number nobody enrolled may send
        return handle_enrol(session, inbound, result, handled)
    acting = agents.find_acting(session, inbound.from_number)
    if result.command in STAFF_COMMANDS or acting is None:  # only then may the phone be an employer's (§9.4)
        staffing = agents.for_employers(session, inbound.from_number)  # its contact, or an agent it granted
        if staffing:
            return handle_staff(session, inbound, staffing, result, handled, today_for(inbound.received_at))
    if acting is None or (acting.landlord is None and result.command in AGENT_COMMANDS):
        return handled.reject("unknown_sender")  # an agent cannot pass a grant on
    if acting.landlord is not None:
        handled.landlord_id = acting.landlord.id
    _apply_sms(session, inbound, acting, result, handled)
    if handled.landlord_id is None and len(handled.copies) == 1:
        handled.landlord_id = next(iter(handled.copies))  # an agent's message about one landlord is theirs
    if handled.precinct_id is None:
        for prop in acting.properties:
            handled.about(prop)
    return handled

def _apply_sms(session: Session, inbound: InboundMessage, acting: Acting, result: ParseResult,
               handled: Handled) -> None:
    if result.message_errors():
        for problem in result.message_errors():
            handled.codes.append(problem.code)
        handled.outcomes.append(Outcome(status=OutcomeStatus.REJECTED, codes=tuple(dict.fromkeys(handled.codes))))
        return
    today = today_for(inbound.received_at)
    command = result.command
    if command == Command.HELP:
        pass  # the reply is the format itself
    elif command == Command.LIST:
        _list(session, acting, result, handled)
    elif command in BY_RECEIPT:
        _by_receipt(session, acting, result, handled)
    elif command == Command.PHOTO:
        _photo(session, inbound, acting, result, handled)
    elif command in AGENT_COMMANDS:
        _grants(session, inbound, acting.landlord, result, handled)
    elif command in STAFF_COMMANDS:
        handled.reject("wrong_declarant_kind")  # staff are an employer's to declare (§9.4)
    elif command not in (Command.MOVE_IN, Command.MOVE_OUT):
        handled.reject("unknown_keyword")  # a command this gateway does not take from a landlord
    else:
        images = media.of_message(session, inbound)  # the parse gave each no-document record its own (§9.2)
        for index, record in enumerate(result.records):
            named, _ = acting.resolve(record.property)
            if named is not None:  # a record rejected for its other fields still concerns its property
                handled.about(named)
            errors = [p.code for p in result.record_errors(index)]
            if errors:
                _reject_record(handled, index, record, errors)
                if named is not None:
                    _copy(handled, acting, named)
                continue
            if command == Command.MOVE_IN:
                _move_in(session, inbound, acting, result, index, handled, today, images)
            elif command == Command.MOVE_OUT:
                _move_out(session, acting, result, index, handled, today)

def _copy(handled: Handled, acting: Acting, prop: Property) -> None:
    """The outcome just added happened at `prop`: if for another landlord, they get it in their copy."""
    if acting.on_behalf(prop):
        handled.copy_to(prop.landlord_id, prop.landlord.phone, handled.outcomes[-1])

def _reject_record(handled: Handled, index: int, record, codes: list[str]) -> None:
    handled.codes.extend(codes)
    handled.outcomes.append(Outcome(status=OutcomeStatus.REJECTED, record=index, name=record.name,
                                    document_number=record.document.number if record.document else None,
                                    room=record.room, codes=tuple(dict.fromkeys(codes))))

def _move_in(session: Session, inbound: InboundMessage, acting: Acting, result: ParseResult, index: int,
             handled: Handled, today: dt.date, images: list[MediaItem]) -> None:
    record = result.records[index]
    prop, code = acting.resolve(record.property)
    if prop is None:
        return _reject_record(handled, index, record, [code or "unknown_property"])
    if not record.room and not prop.single_unit:
        _reject_record(handled, index, record, ["missing_room"])
        return _copy(handled, acting, prop)
    late = any(w.code == "late" for w in result.record_warnings(index))
    doc = record.document
    status, decl = decls.register(
        session, prop=prop, document_type=doc.type if doc else "none", document_number=doc.number if doc else None,
        name=record.name, phone=record.phone, room=record.room, move_in=record.date or today, late=late,
        channel=text_channel(inbound),
        inbound_id=inbound.id, hukou_address=record.hukou,
        declarant_phone=acting.phone if acting.on_behalf(prop) else None, officer_id=inbound.edited_by_id)
    if status == OutcomeStatus.PENDING_REVIEW:
        handled.codes.append("no_document")
    warnings = tuple(w.code for w in result.record_warnings(index) if w.code != "missing_portrait")
    if doc is None or doc.type == "none":
        image = images[record.image] if record.image is not None and record.image < len(images) else None
        warnings += _portrait(decl, record, image, handled)
    handled.outcomes.append(Outcome(status=status, record=index, name=record.name,
                                    document_number=doc.number if doc else None,
                                    receipt=decl.receipt, room=decl.room, codes=warnings))
    _copy(handled, acting, prop)

def _portrait(decl: Declaration, record, image: MediaItem | None, handled: Handled) -> tuple[str, ...]:
    """Attach the record's image as the person's portrait; the warnings the sender is told (§9.1, §9.2)."""
    told: list[str] = []
    if image is not None and image.status == media.STORED:
        media.attach(image, decl)
        return ()
    if image is not None:  # refused or not an image: the officers see why on the message
        told.append("bad_media")
    if record.hukou:
        told.append("missing_portrait")  # the reply asks for `照片 <receipt>` with a photo
    handled.codes.extend(told)
    return tuple(told)

def _photo(session: Session, inbound: InboundMessage, acting: Acting, result: ParseResult,
           handled: Handled) -> None:
    """`照片 <receipt>` + an image: the portrait of that declaration's person (receipts the sender may act on)."""
    decl = acting.by_receipt(session, result.receipt or "")
    if decl is None or decl.status not in (DeclarationStatus.ACTIVE, DeclarationStatus.PENDING_REVIEW):
        handled.reject("unknown_receipt")
        return
    handled.about(decl.property)
    stored, problem = media.sent_portrait(session, inbound)
    if stored is None:
        handled.reject(problem)
        return
    media.attach(stored, decl)
    status = OutcomeStatus.PENDING_REVIEW if decl.status == DeclarationStatus.PENDING_REVIEW \
        else OutcomeStatus.REGISTERED
    handled.outcomes.append(Outcome(status=status, name=claims.stated_name(decl),
                                    document_number=decl.person.document_number, receipt=decl.receipt,
                                    room=decl.room))
    _copy(handled, acting, decl.property)

def _move_out(session: Session, acting: Acting, result: ParseResult, index: int, handled: Handled,
              today: dt.date) -> None:
    record = result.records[index]
    if record.property:
        prop, code = acting.resolve(record.property)
        if prop is None:
            return _reject_record(handled, index, record, [code or "unknown_property"])
        props = [prop]
    else:
        props = list(acting.properties)
    doc = record.document
    found, code = decls.tenants_to_move_out(session, props, document_type=doc.type if doc else None,
                                            document_number=doc.number if doc else None,
                                            id_suffix=record.id_suffix, room=record.room)
    if code:
        return _reject_record(handled, index, record, [code])
    claims.end_by_landlord(session, found, record.date or today)
    session.flush()  # a later record of the same message must not find these tenants still active
    by_id = {prop.id: prop for prop in props}
    for decl in found:
        handled.about(by_id[decl.property_id])  # a move-out naming no property concerns the tenants' ones
        handled.outcomes.append(Outcome(status=OutcomeStatus.MOVED_OUT, record=index, name=decl.person.name,
                                        document_number=decl.person.document_number, receipt=decl.receipt,
                                        room=decl.room))
        _copy(handled, acting, by_id[decl.property_id])

def _by_receipt(session: Session, acting: Acting, result: ParseResult, handled: Handled) -> None:
    decl = acting.by_receipt(session, result.receipt or "")
    if decl is None:
        handled.reject("unknown_receipt")
        return
    handled.about(decl.property)
    if result.command == Command.CANCEL:
        status = decls.cancel(decl)
    elif result.command == Command.CONFIRM:
        status = claims.confirm(session, decl, phone=claimant_phone(decl))
    else:
        status = claims.dispute(decl)
    handled.outcomes.append(Outcome(status=status, name=claims.stated_name(decl),
                                    document_number=decl.person.document_number, receipt=decl.receipt,
                                    room=decl.room))
    _copy(handled, acting, decl.property)

def _list(session: Session, acting: Acting, result: ParseResult, handled: Handled) -> None:
    if result.property:
        prop, code = acting.resolve(result.property)
        if prop is None:
            handled.reject(code or "unknown_property")
            return
        handled.about(prop)
        props = [prop]
    else:
        props = list(acting.properties)
    tenants = decls.active_at(session, props)
    for decl in tenants:
        handled.outcomes.append(Outcome(status=OutcomeStatus.LISTED, name=decl.person.name,
                                        document_number=decl.person.document_number,
                                        receipt=decl.receipt, room=decl.room))
        _copy(handled, acting, decl.property)

def _grants(session: Session, inbound: InboundMessage, landlord: Landlord, result: ParseResult,
            handled: Handled) -> Handled:
    """`授权` / `取消授权` from a landlord, about their own properties only (no agent's: an agent cannot pass it on)."""
    def own(code: str):
        prop, error = decls.resolve_property(landlord, code)
        if prop is not None:
            handled.about(prop)
        return prop, error

    return handle_grant(session, inbound, landlord, result, handled, resolve=own, notice=render_agent_notice)
