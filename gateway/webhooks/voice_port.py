"""The voice flows' port over the database: look-ups, status SMS and the hand-over of a declaration.

A confirmed call becomes an InboundMessage (channel `voice`, one per call and
kind) processed by the same job as an SMS, where it becomes a claim (store.claims).
The receipt is chosen here, before the job runs, because the caller hears it
straight away. Status look-ups and status SMS are counted per calling number and
per person (gateway.webhooks.quotas): the status line must not become a way to test ID
numbers or to flood a tenant's phone.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select

from gateway.pipeline import delivery, queue
from gateway.pipeline.voice_commands import STAFF_KINDS
from gateway.webhooks import quotas
from gateway.runtime import Runtime
from ivr_flows import PropertyView, StatusView, VoiceDeclaration
from store import agents, claims
from store import declarations as decls
from store.models import Declaration, Employer, InboundMessage, Person, Property, Site
from store.states import Channel, DeclarationStatus


HOUR, DAY = 3600, 86400



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

    def declarant_properties(self, caller: str) -> tuple[PropertyView, ...]:
        """A landlord's own properties and those granted to the number as an agent: such a number hears menu 4
        and 5 and may declare for these only."""
        with self.rt.sessions() as session:
            acting = agents.find_acting(session, caller)
            if acting is None:
                return ()
            return tuple(PropertyView(code=p.code, address=p.address, single_unit=p.single_unit)
                         for p in sorted(acting.properties, key=lambda p: p.code))

    def employer_sites(self, caller: str) -> tuple[PropertyView, ...]:
        """The sites this number declares staff at — every site of the employer it is a contact of, and those an
        employer granted it as an agent: such a number hears menu 4 and 5 for staff and may declare at these
        only. A room is optional for staff, so each is offered as `single_unit`."""
        with self.rt.sessions() as session:
            sites = {s.code: s for fe in agents.for_employers(session, caller) for s in fe.sites}
            return tuple(PropertyView(code=s.code, address=s.address, single_unit=True)
                         for _code, s in sorted(sites.items()))

    def _latest(self, session, document_number: str) -> tuple[Person | None, Declaration | None]:
        person = decls.find_person(session, "ric", document_number)
        if person is None:
            return None, None
        decl = session.scalar(select(Declaration).where(Declaration.person_id == person.id,
                                                        Declaration.status == DeclarationStatus.ACTIVE)
                              .order_by(Declaration.declared_at.desc()).limit(1))
        return person, decl

    def registration_status(self, document_number: str, caller: str) -> StatusView:
        """The registration, or nothing at all once this number has used up its hourly look-ups."""
        settings = self.rt.settings
        if not quotas.take(self.rt, self._caller_key(caller), settings.status_lookups_per_hour, HOUR):
            return StatusView(active=False, declared_on=None, receipt=None, phone_on_record=None)
        with self.rt.sessions() as session:
            person, decl = self._latest(session, document_number)
            return StatusView(active=decl is not None,
                              declared_on=decl.declared_at.date() if decl else None,
                              receipt=decl.receipt if decl else None,
                              phone_on_record=person.phone if person else None)

    def send_status_sms(self, document_number: str, caller: str) -> bool:
        """Text the status to the phone on record, within the caller's and the person's allowances."""
        from parsers.notices import render_status_sms

        settings = self.rt.settings
        if quotas.exhausted(self.rt, self._caller_key(caller), settings.status_lookups_per_hour):
            return False
        with self.rt.sessions.begin() as session:
            person, decl = self._latest(session, document_number)
            if person is None or not person.phone:
                return False
            # Keyed by the person, never the ID number: Redis keys show up in monitoring.
            if not quotas.take(self.rt, self.rt.key("status-sms", str(person.id)), settings.status_sms_per_day, DAY):
                return False
            body = render_status_sms(active=decl is not None, receipt=decl.receipt if decl else None,
                                     declared_on=decl.declared_at.date() if decl else None,
                                     language=self.language)
            msg = delivery.queue_sms(session, person.phone, body, in_reply_to=None, purpose="status")
            msg_id = msg.id
        delivery.enqueue_delivery(self.rt, msg_id)
        return True

    def _caller_key(self, caller: str) -> str:
        return self.rt.key("status-lookups", "".join(ch for ch in caller if ch.isdigit()) or "withheld")

    def submit(self, call_sid: str, declaration: VoiceDeclaration) -> str:
        """Store the confirmed call once per (call, kind) and queue it; returns the receipt the caller hears."""
        sid = f"{call_sid}:{declaration.kind}"
        with self.rt.sessions.begin() as session:
            existing = session.scalar(select(InboundMessage).where(InboundMessage.provider_sid == sid))
            if existing is not None:
                return (existing.payload or {}).get("receipt") or ""
            if declaration.kind in STAFF_KINDS:  # the code is a site's; the staff's precinct is the employer's
                prop = None
                precinct_id = session.scalar(select(Employer.precinct_id).join(Site, Site.employer_id == Employer.id)
                                             .where(Site.code == declaration.property_code))
            else:
                prop = session.scalar(select(Property).where(Property.code == declaration.property_code))
                precinct_id = prop.precinct_id if prop else None
            receipt = self._receipt_for(session, declaration, prop)
            payload = {k: (v.isoformat() if isinstance(v, dt.date) else v)
                       for k, v in dataclasses.asdict(declaration).items()}
            payload["receipt"] = receipt
            row = InboundMessage(provider_sid=sid, channel=Channel.VOICE, from_number=declaration.caller,
                                 to_number=self.to_number, body=_summary(declaration), payload=payload,
                                 precinct_id=precinct_id)
            session.add(row)
            session.flush()
            inbound_id = row.id
        queue.wake(self.rt)
        return receipt or ""

    def _receipt_for(self, session, declaration: VoiceDeclaration, prop: Property | None) -> str | None:
        """The receipt to read out: a move-in's fresh one, or the caller's own waiting claim's when they call again.

        Never a standing registration's: a caller who typed someone's ID would hear that person's receipt.
        A move-out claim has none to read (the caller is only told the request was received).
        """
        if declaration.kind in ("move_out", "tenant_move_out", "staff_end"):
            return None
        if declaration.kind in ("tenant_move_in", "staff_start"):
            return decls.new_receipt(session)  # the declarant's own declaration: no claim to find again
        if declaration.document_number and prop is not None:
            person = decls.find_person(session, declaration.document_type, declaration.document_number)
            if person is not None:
                own = claims.own_open_claim(session, person, prop, declaration.caller)
                if own is not None:
                    return own.receipt
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
