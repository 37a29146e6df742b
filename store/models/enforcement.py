"""What officers did about a landlord or employer on the follow-up list (治安管理处罚法 第五十七条, migration 0022)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models.base import Base, utcnow


class Art57Action(Base):
    """One action: education, a warning or a fine (amount in yuan and the decision's number, both required).

    Against a landlord or an employer, never both; `precinct_id` is the station the action counts for in the
    figures (the employer's, or the landlord's property station in the officer's scope)."""
    __tablename__ = "art57_actions"
    __table_args__ = (
        CheckConstraint("(landlord_id IS NULL) <> (employer_id IS NULL)", name="one_subject"),
        CheckConstraint("kind IN ('education', 'warning', 'fine')", name="kind"),
        CheckConstraint("kind <> 'fine' OR (amount_yuan > 0 AND decision_no IS NOT NULL)", name="fine_complete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    landlord_id: Mapped[int | None] = mapped_column(ForeignKey("landlords.id"), index=True)
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employers.id"), index=True)
    precinct_id: Mapped[int] = mapped_column(ForeignKey("precincts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # education | warning | fine
    amount_yuan: Mapped[int | None] = mapped_column(Integer)
    decision_no: Mapped[str | None] = mapped_column(String(64))  # 决定书文号
    action_date: Mapped[dt.date] = mapped_column(Date, index=True)
    note: Mapped[str | None] = mapped_column(String(1000))
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    officer: Mapped[Officer] = relationship()
