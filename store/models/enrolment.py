"""Self-enrolment requests (migration 0015): sealed like people, with the same blind index."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models.base import Base, utcnow
from store.models.register import _hash_document
from store.sealed import SealedText


class EnrolmentRequest(Base):
    """A landlord's own request to be enrolled with a property (SMS `注册`, the API, /my), or an employer's with
    its first site (the API, /my: `kind` employer), waiting for an officer.

    The document number is sealed like Person's, with its blind index kept in step by `_hash_document`.
    For an employer, `name` and `address` are the employer's, `alias` the site's, the document `none`; nothing of
    it is personal (a company's code and addresses), so nothing more is sealed. `property_code` is the code the
    officer gave: a site's for an employer. `address_key` is the address normalised (store.enrolment_requests.address_key) for the conflict check.
    """

    __tablename__ = "enrolment_requests"
    __table_args__ = (
        # One pending request per phone and address, in the database: two workers handling the same SMS twice
        # cannot both store it (the loser's batch retries and finds the winner's).
        Index("uq_enrolment_requests_pending", "phone", "address_key", unique=True,
              postgresql_where=text("status = 'pending'"), sqlite_where=text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="landlord")  # landlord | employer
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
    credit_code: Mapped[str | None] = mapped_column(String(18), index=True)  # employer: unified social credit code
    credit_conflict: Mapped[bool] = mapped_column(Boolean, default=False)  # the code is an employer's already
    site_address: Mapped[str | None] = mapped_column(String(400))  # employer: the first site's
    site_kind: Mapped[str | None] = mapped_column(String(16))  # store.employers.SITE_KINDS
    capacity: Mapped[int | None] = mapped_column(Integer)
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
