"""Employers (用工单位, migration 0020): staff declarations live apart from tenants', so neither dedupe disturbs the other."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models.base import Base, utcnow


class Employer(Base):
    __tablename__ = "employers"
    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)  # 统一社会信用代码, check character valid
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(400))
    precinct_id: Mapped[int] = mapped_column(ForeignKey("precincts.id"), index=True)
    precinct: Mapped[Precinct] = relationship()
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)  # migration 0023: enrolled (statistics)
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
    hukou_address: Mapped[str | None] = mapped_column(String(400))  # migration 0023: a no-document person's (§9.1)
    lodger: Mapped[bool] = mapped_column(Boolean, default=False)
    start: Mapped[dt.date] = mapped_column(Date)
    end: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))  # a states.DeclarationStatus: active | pending_review | ended
    receipt: Mapped[str] = mapped_column(String(8), unique=True)  # never one a declaration holds
    channel: Mapped[str] = mapped_column(String(8))
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))
    declarant_phone: Mapped[str] = mapped_column(String(20))
    late: Mapped[bool] = mapped_column(Boolean, default=False)  # 0022: started more than the deadline before
    declared_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow, index=True)  # 0021
    person: Mapped[Person] = relationship()
    site: Mapped[Site] = relationship()
    employer: Mapped[Employer] = relationship()  # whose: its precinct scopes the declaration (store.scope)
