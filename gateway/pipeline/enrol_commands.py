"""`注册 …` / `ENROL …`: a landlord asks to be enrolled with a property (or, enrolled already, to add one).

Nothing is enrolled here: the request waits for an officer (store.enrolment_requests), and the reply says
so. The decision comes later as one SMS of its own (gateway.officer.enrolment_actions).
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from gateway.pipeline.outcome import Handled
from parsers import Outcome, OutcomeStatus, ParseResult
from store import declarations as decls
from store import enrolment_requests as requests
from store.models import InboundMessage
from store.states import Channel

PENDING_CODE = "enrolment_pending"
CONFLICT_CODE = "address_conflict"  # the request is marked for officers; the reply says it will be checked


def handle_enrol(session: Session, inbound: InboundMessage, result: ParseResult, handled: Handled) -> Handled:
    """Turn each well-formed enrol record into a request (the same one again while it is pending)."""
    landlord = decls.find_landlord(session, inbound.from_number)
    if landlord is not None:
        handled.landlord_id = landlord.id
        for prop in landlord.properties:
            handled.about(prop)
    if result.message_errors():
        codes = tuple(dict.fromkeys(p.code for p in result.message_errors()))
        handled.codes.extend(codes)
        handled.outcomes.append(Outcome(status=OutcomeStatus.REJECTED, codes=codes))
        return handled
    for index, record in enumerate(result.records):
        number = record.document.number if record.document else None
        errors = [p.code for p in result.record_errors(index)]
        if not errors and not (record.address or "").strip():
            errors = ["missing_address"]
        if errors:
            handled.codes.extend(errors)
            handled.outcomes.append(Outcome(status=OutcomeStatus.REJECTED, record=index, name=record.name,
                                            document_number=number, codes=tuple(dict.fromkeys(errors))))
            continue
        submitted = requests.submit(session, requests.Wish(
            phone=inbound.from_number, name=record.name or "", document_type=record.document.type,
            document_number=number, address=record.address, alias=record.property,
            single_unit=record.single_unit, language=handled.language or result.language),
            channel=Channel.SMS, inbound_id=inbound.id)
        if landlord is None and submitted.request.suggested_precinct_id is not None \
                and handled.precinct_id is None:
            handled.precinct_id = submitted.request.suggested_precinct_id
        codes = (PENDING_CODE, CONFLICT_CODE) if submitted.request.address_conflict else (PENDING_CODE,)
        handled.outcomes.append(Outcome(status=OutcomeStatus.PENDING_REVIEW, record=index, name=record.name,
                                        document_number=number, codes=codes))
    return handled
