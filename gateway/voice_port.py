"""The voice flows' port over the database: look-ups, status SMS and the hand-over of a declaration.

A confirmed call becomes an InboundMessage (channel `voice`, one per call and
kind) processed by the same job and dedupe as an SMS. The receipt is chosen
here, before the job runs, because the caller hears it straight away.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

import phonenumbers
from sqlalchemy import select

from gateway import intake
from gateway.runtime import Runtime
from ivr_flows import PropertyView, StatusView, VoiceDeclaration
from store import declarations as decls
from store.models import Declaration, InboundMessage, Person, Property


def is_mobile(number: str, region: str = "CN") -> bool:
    """Whether an SMS copy can reach this caller."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(parsed) in (phonenumbers.PhoneNumberType.MOBILE,
                                                 phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


class DatabasePort:
    def __init__(self, rt: Runtime, *, to_number: str = "", language: str = "zh") -> None:
        self.rt = rt
        self.to_number = to_number
        self.language = language  # the call's language, for the status SMS

    def find_property(self, code: str) -> PropertyView | None:
        with self.rt.sessions() as session:
            prop = session.scalar(select(Property).where(Property.code == code))
            if prop is None:
                return None
            return PropertyView(code=prop.code, address=prop.address, single_unit=prop.single_unit)

    def _latest(self, session, document_number: str) -> tuple[Person | None, Declaration | None]:
        person = decls.find_person(session, "ric", document_number)
        if person is None:
            return None, None
        decl = session.scalar(select(Declaration).where(Declaration.person_id == person.id,
                                                        Declaration.status == "active")
                              .order_by(Declaration.declared_at.desc()).limit(1))
        return person, decl

    def registration_status(self, document_number: str) -> StatusView:
        with self.rt.sessions() as session:
            person, decl = self._latest(session, document_number)
            return StatusView(active=decl is not None,
                              declared_on=decl.declared_at.date() if decl else None,
                              receipt=decl.receipt if decl else None,
                              phone_on_record=person.phone if person else None)

    def send_status_sms(self, document_number: str) -> bool:
        from gateway import jobs
        from parsers.notices import render_status_sms

        with self.rt.sessions.begin() as session:
            person, decl = self._latest(session, document_number)
            if person is None or not person.phone:
                return False
            body = render_status_sms(active=decl is not None, receipt=decl.receipt if decl else None,
                                     declared_on=decl.declared_at.date() if decl else None,
                                     language=self.language)
            msg = jobs.queue_sms(session, person.phone, body, in_reply_to=None, purpose="status")
            msg_id = msg.id
        jobs.enqueue_delivery(self.rt, msg_id)
        return True

    def submit(self, call_sid: str, declaration: VoiceDeclaration) -> str:
        """Store the confirmed call once per (call, kind) and queue it; returns the receipt the caller hears."""
        sid = f"{call_sid}:{declaration.kind}"
        with self.rt.sessions.begin() as session:
            existing = session.scalar(select(InboundMessage).where(InboundMessage.provider_sid == sid))
            if existing is not None:
                return (existing.payload or {}).get("receipt", "")
            prop = session.scalar(select(Property).where(Property.code == declaration.property_code))
            receipt = self._receipt_for(session, declaration, prop)
            payload = {k: (v.isoformat() if isinstance(v, dt.date) else v)
                       for k, v in dataclasses.asdict(declaration).items()}
            payload["receipt"] = receipt
            row = InboundMessage(provider_sid=sid, channel="voice", from_number=declaration.caller,
                                 to_number=self.to_number, body=_summary(declaration), payload=payload,
                                 precinct_id=prop.precinct_id if prop else None)
            session.add(row)
            session.flush()
            inbound_id = row.id
        intake.enqueue(self.rt, inbound_id)
        return receipt

    def _receipt_for(self, session, declaration: VoiceDeclaration, prop: Property | None) -> str:
        """The receipt to read out: the standing one when this changes nothing new, else a fresh one."""
        if declaration.document_number and prop is not None:
            person = decls.find_person(session, declaration.document_type, declaration.document_number)
            if person is not None:
                standing = session.scalar(select(Declaration).where(
                    Declaration.person_id == person.id, Declaration.property_id == prop.id,
                    Declaration.status == "active"))
                if standing is not None:
                    return standing.receipt
        return decls.new_receipt(session)


def _summary(d: VoiceDeclaration) -> str:
    """A one-line, ID-free description of the call for the officers' queue (the payload has the rest)."""
    from parsers import mask_id

    parts = [d.kind, f"@{d.property_code}"]
    if d.document_number:
        parts.append(mask_id(d.document_number))
    if d.room:
        parts.append(d.room)
    if d.name:
        parts.append(d.name)
    parts.append(d.date.isoformat())
    return " ".join(parts)
