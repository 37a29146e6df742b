"""Verification (核实): each month a sample of declarations per station, and every one that needs a look,
is put on a list for officers to check on the doorstep (store.verification)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models.base import Base, utcnow
from store.models.org import Officer
from store.models.register import Declaration


class VerificationItem(Base):
    """One declaration drawn for checking: a declaration is drawn once (the unique key makes a re-run
    of the draw add nothing twice), in the month it was declared, under its property's station then."""

    __tablename__ = "verification_items"
    __table_args__ = (Index("ix_verification_items_month_precinct", "month", "precinct_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"), unique=True)
    precinct_id: Mapped[int] = mapped_column(ForeignKey("precincts.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM: the month the declaration was made
    reason: Mapped[str] = mapped_column(String(16))  # a states.VerificationReason: why it was drawn
    drawn_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    mark: Mapped[str | None] = mapped_column(String(16))  # a states.VerificationMark; None while open
    note: Mapped[str | None] = mapped_column(Text)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    marked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    declaration: Mapped[Declaration] = relationship()
    officer: Mapped[Officer | None] = relationship()


class VerificationDraw(Base):
    """A month whose draw ran: the workers' refresh draws the month that ended last only once."""

    __tablename__ = "verification_draws"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    drawn_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
