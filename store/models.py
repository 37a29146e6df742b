"""The tables. Status columns hold the plain strings of store.states' StrEnums: officers see them."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, MetaData,
                        String, Text, UniqueConstraint, event, func, inspect, text)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from store.sealed import SealedJSON, SealedText, keyring_of
from store.states import Channel, InboundStatus, OutboundStatus

# Stable constraint names so Alembic migrations read the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def local_time(stored: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """A stored time (naive UTC, as utcnow gives) in the deployment's time zone, aware."""
    return stored.replace(tzinfo=dt.timezone.utc).astimezone(tz)


def utc_midnight(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """When a calendar day starts in the deployment's time zone, as a stored time (naive UTC): the bound a
    query by local days compares stored times with."""
    return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Unit(Base):
    """A bureau above the stations: a city (or province) bureau at the top, county bureaus under it.

    Stations are the `precincts` rows (every query already scopes by precinct); each names its county in
    `Precinct.unit_id`. store.org reads and changes the tree.
    """
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(8))  # city | county
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)


class Precinct(Base):
    """A station (派出所), the lowest level of the tree: under a county unit, or not placed yet."""
    __tablename__ = "precincts"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)


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


class InboundMessage(Base):
    """Everything that came in, stored verbatim before the webhook answers."""

    __tablename__ = "inbound_messages"
    __table_args__ = (Index("ix_inbound_review", "review_state", "review_reason"),
                      Index("ix_inbound_status_received", "status", "received_at"),
                      Index("ix_inbound_sender_received", "from_number", "received_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_sid: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(8), default=Channel.SMS)  # a states.Channel
    from_number: Mapped[str] = mapped_column(String(32))
    to_number: Mapped[str] = mapped_column(String(32), default="")
    # Sealed: a message can carry full ID numbers.
    body: Mapped[str] = mapped_column(SealedText("inbound_messages.body"), default="")
    payload: Mapped[dict[str, Any] | None] = mapped_column(SealedJSON("inbound_messages.payload"))  # voice: the call
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    # received -> processed | rejected | ignored ; received means "not yet handled by a worker" (states.InboundStatus)
    status: Mapped[str] = mapped_column(String(16), default=InboundStatus.RECEIVED)
    parse: Mapped[dict[str, Any] | None] = mapped_column(SealedJSON("inbound_messages.parse"))  # ParseResult.to_json()
    codes: Mapped[list[str] | None] = mapped_column(JSON)  # every error/pipeline code that applied
    processed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Officers' queue: open items have a reason; closing keeps the reason for history.
    review_state: Mapped[str | None] = mapped_column(String(16))  # a states.ReviewState
    review_reason: Mapped[str | None] = mapped_column(String(32))
    precinct_id: Mapped[int | None] = mapped_column(ForeignKey("precincts.id"), index=True)
    landlord_id: Mapped[int | None] = mapped_column(ForeignKey("landlords.id"), index=True)
    edited_from_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))
    # Retention (migration 0010): when `declgate purge` emptied body, parse and payload; codes and dates stay.
    purged_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # MMS (0013): `pending` while its images wait for the worker's download (drains skip it), then `fetched`.
    media_state: Mapped[str | None] = mapped_column(String(8))

    landlord: Mapped[Landlord | None] = relationship()


class InboundPrecinct(Base):
    """A further precinct an inbound message is about, beyond its primary `precinct_id`.

    Most messages concern one precinct and have no row here; a landlord's message whose records name
    properties in two precincts has its first precinct as `precinct_id` (what statistics count it under)
    and one row here for each other one. store.scope.Scope.inbound reads both.
    """

    __tablename__ = "inbound_precincts"

    inbound_id: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id"), primary_key=True)
    precinct_id: Mapped[int] = mapped_column(ForeignKey("precincts.id"), primary_key=True)


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
    # Any change (0021_export): what `declgate export --since` reads; Core UPDATEs set it too (a column onupdate).
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow, index=True)

    person: Mapped[Person] = relationship()
    property: Mapped[Property] = relationship()
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
    ones enrolled later included. A revoked grant is kept (revoked_at) so officers see who could act when."""

    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    landlord_id: Mapped[int] = mapped_column(ForeignKey("landlords.id"), index=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)  # E.164
    property_id: Mapped[int | None] = mapped_column(ForeignKey("properties.id"))
    channel: Mapped[str] = mapped_column(String(8))  # a states.Channel: how the landlord granted it
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    landlord: Mapped[Landlord] = relationship()
    property: Mapped[Property | None] = relationship()


class OutboundMessage(Base):
    """Every SMS we send or would send. (in_reply_to, purpose) is unique: a retried job cannot reply twice."""

    __tablename__ = "outbound_messages"
    __table_args__ = (UniqueConstraint("in_reply_to", "purpose", name="uq_outbound_reply"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_number: Mapped[str] = mapped_column(String(32), index=True)
    body: Mapped[str] = mapped_column(Text)
    in_reply_to: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))
    purpose: Mapped[str] = mapped_column(String(32), default="reply")
    # pending -> sending -> queued -> sent -> delivered | undelivered | failed (Twilio, moved by its receipts);
    # outbox (local); suppressed (opted out): states.OutboundStatus. The latest attempt's state.
    status: Mapped[str] = mapped_column(String(16), default=OutboundStatus.PENDING, index=True)
    provider_sid: Mapped[str | None] = mapped_column(String(64))  # the latest attempt's
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Receipts (0010): Twilio's ErrorCode, when it last told us, provider calls made, when a transient failure may retry.
    error_code: Mapped[str | None] = mapped_column(String(16))
    status_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    retry_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class DeliveryAttempt(Base):
    """One provider call for an outbound message. A retry is a new Twilio message with a new SID: each keeps its
    own state, so a late or repeated receipt for an earlier attempt can neither move the message nor retry it."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbound_id: Mapped[int] = mapped_column(ForeignKey("outbound_messages.id"), index=True)
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)  # None: the REST call failed
    status: Mapped[str] = mapped_column(String(16))  # a states.OutboundStatus from `queued` on
    error_code: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class OptOut(Base):
    """A number that texted STOP; nothing is sent to it until START."""

    __tablename__ = "opt_outs"

    phone: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class GatewayFact(Base):
    """A fact about this installation that settings do not hold, e.g. `created_on` (the campaign's default start)."""

    __tablename__ = "gateway_facts"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class ContactLanguage(Base):
    """The language a number last wrote (or was last prompted) in: a bare `Y 12345671` carries none of its own."""

    __tablename__ = "contact_languages"

    phone: Mapped[str] = mapped_column(String(32), primary_key=True)
    language: Mapped[str] = mapped_column(String(8))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Officer(Base):
    __tablename__ = "officers"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), default="officer")  # store.officers.ROLES
    # Where the officer works: a station, or (supervisors, county staff) a unit; store.scope reads both.
    precinct_id: Mapped[int | None] = mapped_column(ForeignKey("precincts.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    grants: Mapped[str] = mapped_column(String(64), default="")  # space-separated: store.officers.GRANTS
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    precinct: Mapped[Precinct | None] = relationship()
    unit: Mapped[Unit | None] = relationship()


class OfficerSession(Base):
    """One login: the browser's cookie holds a random token, this row only its SHA-256.

    Checked on every request, so logging out, a password change or `declgate officer revoke`
    ends a session at once, and a copy of the cookie (or of this table) outlives none of them.
    """

    __tablename__ = "officer_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    officer: Mapped[Officer] = relationship()


class LoginThrottle(Base):
    """Failed logins counted for one key (an account, or an account from one address), and the back-off.

    The key is a SHA-256 of the username (and address), known account or not, so the table neither
    holds addresses in clear nor answers differently for names that do not exist.
    """

    __tablename__ = "login_throttles"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    blocked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)


class AuditEntry(Base):
    """Who looked at or changed what: searches, full-ID views, edits, decisions."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict[str, Any] | None] = mapped_column(SealedJSON("audit_log.detail"))  # a search may be an ID
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)

    officer: Mapped[Officer | None] = relationship()


class SurveyEstimate(Base):
    """A survey's estimate for one precinct and month: the denominator of the coverage rates."""

    __tablename__ = "survey_estimates"
    __table_args__ = (UniqueConstraint("precinct_id", "month", name="uq_survey_estimates_precinct_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    precinct_id: Mapped[int] = mapped_column(ForeignKey("precincts.id"))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM: sorts and compares the same on every backend
    floating_population: Mapped[int] = mapped_column(Integer)
    rental_units: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    precinct: Mapped[Precinct] = relationship()


class CaseSubject(Base):
    """A person from a case system's export, kept as a keyed hash of the document and the outcome only.

    The document number itself is never stored: it is matched against `people` at import and
    replaced by HMAC-SHA256(SECRET_KEY); the hash lets a re-import update the same row.
    """

    __tablename__ = "case_subjects"
    __table_args__ = (
        UniqueConstraint("document_type", "document_hash", "case_date", name="uq_case_subjects_subject"),
        Index("ix_case_subjects_precinct_date", "precinct_id", "case_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    precinct_id: Mapped[int] = mapped_column(ForeignKey("precincts.id"))
    document_type: Mapped[str] = mapped_column(String(16))
    document_hash: Mapped[str] = mapped_column(String(64))
    case_date: Mapped[dt.date] = mapped_column(Date)
    declared_before: Mapped[bool] = mapped_column(Boolean)
    # The person's newest declaration (any date, any status) for the follow-up; None: never declared.
    last_declaration_id: Mapped[int | None] = mapped_column(ForeignKey("declarations.id"))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    precinct: Mapped[Precinct] = relationship()
    last_declaration: Mapped[Declaration | None] = relationship()


# The internet channel (migration 0012_api_tokens): landlords log in with a code sent by SMS and hold a token.

class ApiLoginCode(Base):
    """A one-time log-in code sent by SMS, kept only as a salted hash; every request is a row, so the
    per-phone and per-address limits are counts over the last hour."""

    __tablename__ = "api_login_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))  # sha256(salt + code), hex; a never-sent code for a stranger
    salt: Mapped[str] = mapped_column(String(32))
    tries: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class ApiToken(Base):
    """A bearer token of the JSON API; the SHA-256 of the token is stored, never the token."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # None for an agent that is no landlord (0013): `phone` is who holds it, and what it may reach is read per request.
    landlord_id: Mapped[int | None] = mapped_column(ForeignKey("landlords.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    landlord: Mapped[Landlord | None] = relationship()


class ExportToken(Base):  # a machine client's pull of one unit's rows (store.export_tokens); SHA-256 kept only
    __tablename__ = "export_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    unmasked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    unit: Mapped[Unit] = relationship()


class IdempotentRequest(Base):
    """A POST's answer kept under its Idempotency-Key: a retry is answered the same and does nothing again."""

    __tablename__ = "api_idempotency"
    __table_args__ = (UniqueConstraint("scope", "key", name="uq_api_idempotency_scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(64))  # `landlord:<id>`, or `phone:<E.164>` before log-in
    key: Mapped[str] = mapped_column(String(64))  # sha256 of the client's key and the path, hex
    fingerprint: Mapped[str] = mapped_column(String(64))  # sha256 of the body: the same key with another body is refused
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)  # what was answered (IDs in it are masked)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)


class EnrolmentRequest(Base):
    """A landlord's own request to be enrolled with a property (SMS `注册`, the API, /my), waiting for an officer.

    The document number is sealed like Person's, with its blind index kept in step by `_hash_document`.
    `address_key` is the address normalised (store.enrolment_requests.address_key) for the conflict check.
    """

    __tablename__ = "enrolment_requests"
    __table_args__ = (
        # One pending request per phone and address, in the database: two workers handling the same SMS twice
        # cannot both store it (the loser's batch retries and finds the winner's).
        Index("uq_enrolment_requests_pending", "phone", "address_key", unique=True,
              postgresql_where=text("status = 'pending'"), sqlite_where=text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20))  # E.164
    name: Mapped[str] = mapped_column(String(200))
    document_type: Mapped[str] = mapped_column(String(16))
    document_number: Mapped[str | None] = mapped_column(SealedText("enrolment_requests.document_number"))
    document_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(400))
    address_key: Mapped[str] = mapped_column(String(400), index=True)
    alias: Mapped[str | None] = mapped_column(String(64))
    single_unit: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(8), default="zh")  # of the decision SMS
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)  # pending | approved | rejected
    address_conflict: Mapped[bool] = mapped_column(Boolean, default=False)
    suggested_precinct_id: Mapped[int | None] = mapped_column(ForeignKey("precincts.id"), index=True)
    precinct_id: Mapped[int | None] = mapped_column(ForeignKey("precincts.id"))  # decided
    property_code: Mapped[str | None] = mapped_column(String(16))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))  # None: the CLI
    reason: Mapped[str | None] = mapped_column(String(400))
    channel: Mapped[str] = mapped_column(String(8))  # sms | web (the API and /my)
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))
    client_address: Mapped[str | None] = mapped_column(String(64), index=True)  # the API's per-address limit
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    suggested_precinct: Mapped[Precinct | None] = relationship(foreign_keys=[suggested_precinct_id])
    precinct: Mapped[Precinct | None] = relationship(foreign_keys=[precinct_id])
    decided_by: Mapped[Officer | None] = relationship()


# The same blind index as Person's, so a request's document can be looked up without opening it.
event.listen(EnrolmentRequest, "before_insert", _hash_document)
event.listen(EnrolmentRequest, "before_update", _hash_document)


# Employers (用工单位, migration 0020): staff declarations live apart from tenants', so neither dedupe disturbs the other.

class Employer(Base):
    __tablename__ = "employers"
    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)  # 统一社会信用代码, check character valid
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(400))
    precinct_id: Mapped[int] = mapped_column(ForeignKey("precincts.id"), index=True)
    precinct: Mapped[Precinct] = relationship()
    sites: Mapped[list[Site]] = relationship(order_by="Site.code")


class EmployerContact(Base):  # a phone declaring for its employer: one employer a phone, so never a guess
    __tablename__ = "employer_contacts"
    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)  # E.164


class Site(Base):  # a workplace, dormitory or building site; its code is in the properties' code space
    __tablename__ = "sites"
    __table_args__ = (UniqueConstraint("employer_id", "alias", name="uq_sites_employer_alias"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # workplace | dormitory | building_site
    alias: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(400))
    capacity: Mapped[int | None] = mapped_column(Integer)


class StaffDeclaration(Base):  # someone working for an employer; a lodger also lives at the site
    __tablename__ = "staff_declarations"
    __table_args__ = (Index("uq_staff_declarations_active", "person_id", "employer_id", unique=True,
                            postgresql_where=text("status = 'active'"), sqlite_where=text("status = 'active'")),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    room: Mapped[str | None] = mapped_column(String(32))
    lodger: Mapped[bool] = mapped_column(Boolean, default=False)
    start: Mapped[dt.date] = mapped_column(Date)
    end: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))  # a states.DeclarationStatus: active | pending_review | ended
    receipt: Mapped[str] = mapped_column(String(8), unique=True)  # never one a declaration holds
    channel: Mapped[str] = mapped_column(String(8))
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))
    declarant_phone: Mapped[str] = mapped_column(String(20))
    declared_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow, index=True)  # 0021
    person: Mapped[Person] = relationship()
    site: Mapped[Site] = relationship()


# The statistics' kept figures (migrations 0004 and 0005): what store.stats.snapshots reads instead of
# counting again, and forgets when a change reaches back into a month.

class MonthSnapshot(Base):
    """A closed month's figures for one precinct, exactly as `store.stats.figures.month_figures` computed them.

    Estimates and case subjects are not kept: they are imported after the month and always read live. A
    change to a declaration, message, property or landlord that reaches back into a closed month deletes
    that month's snapshots and every later one, so the next view recomputes them.
    """

    __tablename__ = "stats_month_snapshots"
    __table_args__ = (UniqueConstraint("month", "time_zone", "precinct_id", name="uq_stats_month_snapshots_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    time_zone: Mapped[str] = mapped_column(String(64))  # months start at local midnight
    precinct_id: Mapped[int] = mapped_column(ForeignKey("precincts.id"))
    new_declarations: Mapped[int] = mapped_column(Integer)
    move_outs: Mapped[int] = mapped_column(Integer)
    active_residents: Mapped[int] = mapped_column(Integer)
    enrolled_landlords: Mapped[int] = mapped_column(Integer)
    enrolled_properties: Mapped[int] = mapped_column(Integer)
    landlords_declaring: Mapped[int] = mapped_column(Integer)
    late_declarations: Mapped[int] = mapped_column(Integer)
    sms: Mapped[int] = mapped_column(Integer)
    voice: Mapped[int] = mapped_column(Integer)
    officer: Mapped[int] = mapped_column(Integer)
    web: Mapped[int] = mapped_column(Integer, default=0)
    declared_by_agents: Mapped[int] = mapped_column(Integer, default=0)  # migration 0018
    inbound_messages: Mapped[int] = mapped_column(Integer)
    rejected_messages: Mapped[int] = mapped_column(Integer)
    rejections: Mapped[list] = mapped_column(JSON)  # [[code, messages], ...] most frequent first
    median_seconds_to_receipt: Mapped[float | None] = mapped_column(Float)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class LiveFigures(Base):
    """The month under way's figures per precinct, counted at `computed_at` (one row per month and zone)."""

    __tablename__ = "stats_live_figures"
    __table_args__ = (UniqueConstraint("month", "time_zone", name="uq_stats_live_figures_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    time_zone: Mapped[str] = mapped_column(String(64))
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    figures: Mapped[dict] = mapped_column(JSON)  # {precinct id: the counts a snapshot row holds}


class StoredChart(Base):
    """A drawn chart (SVG), found by the digest of its drawing function and figures."""

    __tablename__ = "stats_charts"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    month: Mapped[str] = mapped_column(String(7), index=True)  # the latest month the chart shows
    svg: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # set for a month under way


# Indexes for the monthly statistics (migration 0002_stats): declarations by property and date,
# move-outs by date, inbound messages by precinct and date.
Index("ix_declarations_property_declared", Declaration.property_id, Declaration.declared_at)
Index("ix_declarations_move_out", Declaration.move_out)
Index("ix_inbound_precinct_received", InboundMessage.precinct_id, InboundMessage.received_at)
Index("ix_declarations_residency", Declaration.property_id, Declaration.move_in,
      postgresql_include=["move_out", "declared_at", "status", "late", "channel"])  # migration 0003
# One grant in force per landlord, phone and property (NULL: all of them, coalesced so it is unique too): 0013.
Index("uq_agents_active", Agent.landlord_id, Agent.phone, func.coalesce(Agent.property_id, 0), unique=True,
      postgresql_where=text("revoked_at IS NULL"), sqlite_where=text("revoked_at IS NULL"))
