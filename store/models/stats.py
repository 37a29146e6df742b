"""What the statistics read besides the register: estimates and case subjects imported by officers, and the
kept figures (migrations 0004 and 0005) that store.stats.snapshots reads instead of counting again, and
forgets when a change reaches back into a month."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String,
                        Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models.base import Base, utcnow


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
    art57_actions: Mapped[int] = mapped_column(Integer, default=0)  # migration 0022, as the four below
    art57_education: Mapped[int] = mapped_column(Integer, default=0)
    art57_warnings: Mapped[int] = mapped_column(Integer, default=0)
    art57_fines: Mapped[int] = mapped_column(Integer, default=0)
    art57_fine_yuan: Mapped[int] = mapped_column(Integer, default=0)
    # Employers' figures (migration 0023): enrolled employers, staff declared in the month and in force at its
    # end, lodgers in force at its end, and the month's staff declarations made after the deadline.
    employers_enrolled: Mapped[int] = mapped_column(Integer, default=0)
    staff_declared: Mapped[int] = mapped_column(Integer, default=0)
    staff_active: Mapped[int] = mapped_column(Integer, default=0)
    lodgers_active: Mapped[int] = mapped_column(Integer, default=0)
    late_staff_declarations: Mapped[int] = mapped_column(Integer, default=0)
    verification_drawn: Mapped[int] = mapped_column(Integer, default=0)  # migration 0026 (store.verification)
    verified: Mapped[int] = mapped_column(Integer, default=0)  # drawn and checked: any mark
    verification_errors: Mapped[int] = mapped_column(Integer, default=0)  # corrected or not found there
    # Migration 0030; NULL in a snapshot taken before it, counted and written in by the first view that reads it.
    declared_properties: Mapped[int | None] = mapped_column(Integer, nullable=True)
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
