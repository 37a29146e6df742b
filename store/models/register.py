"""The register itself: landlords, their properties, people, declarations and what hangs off them."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String,
                        UniqueConstraint, event, func, inspect, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models.base import Base, utcnow
from store.sealed import SealedText, keyring_of
from store.states import Channel


class Landlord(Base):
    __tablename__ = "landlords"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)  # E.164
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    properties: Mapped[list[Property]] = relationship(back_populates="landlord", order_by="Property.code")


class Property(Base):
    __tablename__ = "properties"
    __table_args__ = (UniqueConstraint("landlord_id", "alias", name="uq_properties_landlord_alias"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)  # numeric, printed on the tenant notice
    landlord_id: Mapped[int] = mapped_column(ForeignKey("landlords.id"), index=True)
    precinct_id: Mapped[int] = mapped_column(ForeignKey("precincts.id"), index=True)
    alias: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(400))
    single_unit: Mapped[bool] = mapped_column(Boolean, default=False)

    landlord: Mapped[Landlord] = relationship(back_populates="properties")
    precinct: Mapped[Precinct] = relationship()


class Person(Base):
    """Someone declared. One row per identity document; people without one get a row each.

    The number is sealed (store.sealed); dedupe and look-ups go through `document_hash`, its blind
    index, which `_hash_document` keeps in step with the number on every insert and update.
    """

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("document_type", "document_hash", name="uq_people_document"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_type: Mapped[str] = mapped_column(String(16))
    document_number: Mapped[str | None] = mapped_column(SealedText("people.document_number"))
    document_hash: Mapped[str | None] = mapped_column(String(64))  # HMAC-SHA256(BLIND_INDEX_KEY), hex
    name: Mapped[str | None] = mapped_column(String(200), index=True)
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # The no-document register (0014): an officer's `verified` or `document_found`; None for everyone else.
    register_state: Mapped[str | None] = mapped_column(String(16))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow, index=True)  # 0021


class PersonMerge(Base):
    """Two records of one person made one (store.merges): `merged`'s declarations moved to `kept`. `moved` is
    what the undo needs: each declaration moved, with the status and end it had if the merge changed them."""

    __tablename__ = "person_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    kept_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    merged_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    moved: Mapped[dict[str, Any]] = mapped_column(JSON)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    undone_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


@event.listens_for(Person, "before_insert")
@event.listens_for(Person, "before_update")
def _hash_document(_mapper, connection, person: Person | EnrolmentRequest) -> None:
    """Set the blind index from the number as the row is written, so no code path can store one without
    the other (the unique constraint that dedupes people is on the hash)."""
    state = inspect(person)
    if state.persistent and not (state.attrs.document_number.history.has_changes()
                                 or state.attrs.document_type.history.has_changes()):
        return
    number = person.document_number
    person.document_hash = (keyring_of(connection.dialect).document_hash(person.document_type, number)
                            if number else None)


class Declaration(Base):
    __tablename__ = "declarations"
    __table_args__ = (
        # Dedupe in the database: one active declaration per person and property.
        Index("uq_declarations_active", "person_id", "property_id", unique=True,
              postgresql_where=text("status = 'active'"), sqlite_where=text("status = 'active'")),
        Index("ix_declarations_property_status", "property_id", "status"),
        Index("ix_declarations_person_status", "person_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    room: Mapped[str | None] = mapped_column(String(32))
    move_in: Mapped[dt.date] = mapped_column(Date)
    move_out: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), index=True)  # a states.DeclarationStatus
    receipt: Mapped[str] = mapped_column(String(8), unique=True)
    channel: Mapped[str] = mapped_column(String(8))  # a states.Channel
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"), index=True)
    declared_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # A tenant's self-declaration waits for the landlord (None) until a states.LandlordResponse
    landlord_response: Mapped[str | None] = mapped_column(String(16))
    # A caller's claim that this tenant moved out: the call that made it (see store.claims).
    move_out_claim_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"), index=True)
    name_recording_url: Mapped[str | None] = mapped_column(String(500))
    address_recording_url: Mapped[str | None] = mapped_column(String(500))
    hukou_address: Mapped[str | None] = mapped_column(String(400))  # self-reported, for a person without a document
    # Who declared, when not the responsible landlord: an agent's phone, E.164 (migration 0013_agents).
    declarant_phone: Mapped[str | None] = mapped_column(String(20))
    # An officer's entry (0025_visit): who typed it in at the door, or whose edit of a message made it.
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    # A person an officer found living there whom the landlord had not declared (the follow-up list shows it).
    found_on_visit: Mapped[bool] = mapped_column(Boolean, default=False)
    # Any change (0021_export): what `declgate export --since` reads; Core UPDATEs set it too (a column onupdate).
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow, index=True)

    person: Mapped[Person] = relationship()
    property: Mapped[Property] = relationship()
    officer: Mapped[Officer | None] = relationship()
    inbound: Mapped[InboundMessage | None] = relationship(foreign_keys=[inbound_id])
    move_out_claim: Mapped[InboundMessage | None] = relationship(foreign_keys=[move_out_claim_id])


class MediaItem(Base):
    """One image: an MMS attachment as downloaded (or why not), or an officer's upload; a portrait once it has a
    person. The bytes live in the media store (gateway.media.storage) under `key`, stripped of metadata."""

    __tablename__ = "media"

    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"), index=True)
    position: Mapped[int | None] = mapped_column(Integer)  # its MediaUrl{N}
    status: Mapped[str] = mapped_column(String(16))  # stored | bad_media | refused
    problem: Mapped[str | None] = mapped_column(String(32))  # why not stored: not_image, too_large, host_not_allowed …
    key: Mapped[str | None] = mapped_column(String(200))  # the re-encoded image; its thumbnail is key + THUMB
    content_type: Mapped[str | None] = mapped_column(String(64))  # what Twilio said it was
    size: Mapped[int | None] = mapped_column(Integer)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    declaration_id: Mapped[int | None] = mapped_column(ForeignKey("declarations.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))  # an upload's officer
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    person: Mapped[Person | None] = relationship()
    declaration: Mapped[Declaration | None] = relationship()


class Agent(Base):
    """A landlord's grant: this phone may declare for one property, or (property NULL) for all of them, the
    ones enrolled later included. A revoked grant is kept (revoked_at) so officers see who could act when.
    Or an employer's (0024): landlord NULL, employer set, and a site (NULL: all of the employer's sites)."""

    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    landlord_id: Mapped[int | None] = mapped_column(ForeignKey("landlords.id"), index=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)  # E.164
    property_id: Mapped[int | None] = mapped_column(ForeignKey("properties.id"))
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employers.id"), index=True)  # 0024
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))  # 0024
    channel: Mapped[str] = mapped_column(String(8))  # a states.Channel: how the landlord granted it
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    landlord: Mapped[Landlord | None] = relationship()
    property: Mapped[Property | None] = relationship()
    employer: Mapped[Employer | None] = relationship()
    site: Mapped[Site | None] = relationship()


# Indexes for the monthly statistics (migration 0002_stats): declarations by property and date, move-outs by date.
Index("ix_declarations_property_declared", Declaration.property_id, Declaration.declared_at)
Index("ix_declarations_move_out", Declaration.move_out)
Index("ix_declarations_residency", Declaration.property_id, Declaration.move_in,
      postgresql_include=["move_out", "declared_at", "status", "late", "channel"])  # migration 0003
# One grant in force per landlord, phone and property (NULL: all of them, coalesced so it is unique too): 0013.
Index("uq_agents_active", Agent.landlord_id, Agent.phone, func.coalesce(Agent.property_id, 0), unique=True,
      postgresql_where=text("revoked_at IS NULL"), sqlite_where=text("revoked_at IS NULL"))
# The same for an employer's grants (0024): one in force per employer, phone and site (NULL: all of them).
Index("uq_agents_employer_active", Agent.employer_id, Agent.phone, func.coalesce(Agent.site_id, 0), unique=True,
      postgresql_where=text("revoked_at IS NULL"), sqlite_where=text("revoked_at IS NULL"))
