"""Verification (核实): each month a sample of declarations and staff declarations per station, and every one
that needs a look, is put on a list for officers to check on the doorstep (store.verification)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models.base import Base, utcnow
from store.models.employers import StaffDeclaration
from store.models.org import Officer
from store.models.register import Declaration


class VerificationItem(Base):
    """One declaration or staff declaration drawn for checking (exactly one of the two, migration 0029): each is
    drawn once (the unique keys make a re-run of the draw add nothing twice), in the month it was declared, under
    its station then (a property's precinct; a staff declaration's employer's, as store.scope decides)."""

    __tablename__ = "verification_items"
    __table_args__ = (Index("ix_verification_items_month_precinct", "month", "precinct_id"),
                      CheckConstraint("(declaration_id IS NULL) <> (staff_declaration_id IS NULL)",
                                      name="one_declaration"))

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int | None] = mapped_column(ForeignKey("declarations.id"), unique=True)
    staff_declaration_id: Mapped[int | None] = mapped_column(ForeignKey("staff_declarations.id"), unique=True)
    precinct_id: Mapped[int] = mapped_column(ForeignKey("precincts.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM: the month the declaration was made
    reason: Mapped[str] = mapped_column(String(16))  # a states.VerificationReason: why it was drawn
    drawn_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    mark: Mapped[str | None] = mapped_column(String(16))  # a states.VerificationMark; None while open
    note: Mapped[str | None] = mapped_column(Text)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    marked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    declaration: Mapped[Declaration | None] = relationship()
    staff_declaration: Mapped[StaffDeclaration | None] = relationship()
    officer: Mapped[Officer | None] = relationship()

    @property
    def subject(self) -> Declaration | StaffDeclaration:
        """What was drawn: the tenant's declaration or the staff declaration, whichever the item names."""
        return self.declaration if self.declaration is not None else self.staff_declaration

    @property
    def staff(self) -> bool:
        """A staff declaration's item (its page shows the employer and the site, not a property)."""
        return self.staff_declaration_id is not None


class VerificationDraw(Base):
    """A month whose draw ran: the workers' refresh draws the month that ended last only once."""

    __tablename__ = "verification_draws"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    drawn_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
