"""The verification draw: the share sampled per station, the kinds always drawn, a re-run adding nothing,
the same declarations drawn whatever the order, and the month's figures counting the items and marks.

On `people`: 100001 and 100002 are in GL01, 200001 in GL02 (tests/conftest.py).
"""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from store import declarations as decls
from store import verification
from store.models import Declaration, Officer, Precinct, Property, VerificationItem
from store.stats import Month, month_figures
from tests.constants import ID_A, ID_B

MONTH = Month(2026, 10)
DECLARED = dt.datetime(2026, 10, 15, 8, 0)
ID81 = "810000199001011230"  # valid check digit, region code missing from the table: region_unknown


def declare(rt, code: str, name: str, *, document: tuple[str, str | None] = ("none", None),
            move_in: dt.date = dt.date(2026, 10, 10), declared_at: dt.datetime = DECLARED) -> int:
    """A declaration as the pipeline stores it, declared at `declared_at`; returns its id."""
    with rt.sessions.begin() as session:
        prop = session.scalar(select(Property).where(Property.code == code))
        kind, number = document
        _, decl = decls.register(session, prop=prop, document_type=kind, document_number=number, name=name,
                                 phone=None, room="1", move_in=move_in, late=False, channel="sms", inbound_id=None,
                                 hukou_address="福建省" if kind == "none" else None)
        decl.declared_at = declared_at
        return decl.id


def clean(rt, code: str, n: int, start: int = 0) -> list[int]:
    """`n` clean declarations at `code` (documents made from a counter, check digit ignored: passports)."""
    return [declare(rt, code, f"p{start + i}", document=("passport", f"E{code}{start + i:05d}")) for i in range(n)]


def draw(rt, month: Month = MONTH, percent: float = 5, campaign_start: dt.date | None = None) -> int:
    with rt.sessions.begin() as session:
        return verification.draw(session, month, percent=percent, campaign_start=campaign_start)


def items(rt) -> dict[int, tuple[str, str]]:
    """Declaration id → (station code, reason) of every item."""
    with rt.sessions() as session:
        return {i.declaration_id: (session.get(Precinct, i.precinct_id).code, i.reason)
                for i in session.scalars(select(VerificationItem))}


class TestDraw:
    def test_the_share_is_taken_per_station_rounded_up(self, people):
        """5 % of 40 clean declarations in GL01 is 2; of 3 in GL02, 1 (rounded up)."""
        clean(people, "100001", 40)
        clean(people, "200001", 3)
        assert draw(people) == 3
        found = items(people)
        assert sorted(code for code, _ in found.values()) == ["GL01", "GL01", "GL02"]
        assert {reason for _, reason in found.values()} == {"sample"}

    def test_the_percent_setting_changes_the_share(self, people):
        clean(people, "100001", 40)
        assert draw(people, percent=25) == 10

    def test_every_region_unknown_no_document_and_backlog_is_drawn(self, people):
        ids = clean(people, "100001", 10)
        unknown = declare(people, "100001", "r", document=("ric", ID81))
        nodoc = declare(people, "100002", "n")
        backlog = declare(people, "100001", "b", document=("ric", ID_A), move_in=dt.date(2026, 1, 5))
        old = declare(people, "100001", "o", document=("ric", ID_B), move_in=dt.date(2024, 1, 5))
        assert draw(people, percent=0, campaign_start=dt.date(2026, 3, 1)) == 4
        assert items(people) == {unknown: ("GL01", "region_unknown"), nodoc: ("GL01", "no_document"),
                                 backlog: ("GL01", "backlog"), old: ("GL01", "backlog")}
        assert not set(ids) & set(items(people))

    def test_other_months_and_cancelled_declarations_are_not_drawn(self, people):
        declare(people, "100001", "sept", declared_at=dt.datetime(2026, 9, 30, 23, 0))
        cancelled = declare(people, "100001", "c")
        with people.sessions.begin() as session:
            session.get(Declaration, cancelled).status = "cancelled"
        assert draw(people) == 0

    def test_a_rerun_adds_nothing_twice(self, people):
        clean(people, "100001", 40)
        declare(people, "100002", "n")
        assert draw(people) == 3
        before = items(people)
        assert draw(people) == 0
        assert items(people) == before

    def test_the_same_declarations_are_drawn_whatever_the_order(self, people):
        """The choice depends on month, station and declaration only, so the reading order cannot change it."""
        ids = clean(people, "100001", 60)
        chosen = verification.sample(MONTH, 1, ids, 5)
        assert chosen == verification.sample(MONTH, 1, list(reversed(ids)), 5)
        assert len(chosen) == 3
        assert verification.sample(Month(2026, 11), 1, ids, 5) != chosen  # the month is part of the seed
        draw(people)
        assert {d for d, (_, reason) in items(people).items() if reason == "sample"} == set(
            verification.sample(MONTH, people_precinct(people, "GL01"), ids, 5))


def people_precinct(rt, code: str) -> int:
    with rt.sessions() as session:
        return session.scalar(select(Precinct.id).where(Precinct.code == code))


class TestMarksInTheFigures:
    def test_drawn_checked_and_errors_per_station(self, people):
        clean(people, "100001", 40)
        nodoc = declare(people, "100002", "n")
        draw(people)
        with people.sessions.begin() as session:
            officer = session.scalar(select(Officer).where(Officer.username == "a"))
            found = session.scalar(select(VerificationItem).where(VerificationItem.declaration_id == nodoc))
            verification.mark(session, officer.id, found, "not_found", "nobody there")
            other = session.scalar(select(VerificationItem).where(VerificationItem.id != found.id))
            verification.mark(session, officer.id, other, "verified", "")
        with people.sessions() as session:
            fig = {f.precinct_code: f for f in month_figures(session, MONTH)}
        assert (fig["GL01"].verification_drawn, fig["GL01"].verified, fig["GL01"].verification_errors) == (3, 2, 1)
        assert fig["GL01"].verified_share == pytest.approx(2 / 3)
        assert fig["GL01"].verification_error_rate == pytest.approx(1 / 2)
        assert (fig["GL02"].verification_drawn, fig["GL02"].verified_share) == (0, None)

    def test_a_note_is_required_except_for_verified_and_a_mark_is_made_once(self, people):
        nodoc = declare(people, "100002", "n")
        draw(people)
        with people.sessions.begin() as session:
            found = session.scalar(select(VerificationItem).where(VerificationItem.declaration_id == nodoc))
            for mark in ("corrected", "not_found"):
                with pytest.raises(verification.VerificationError, match="verify_note_required"):
                    verification.mark(session, None, found, mark, "  ")
            with pytest.raises(verification.VerificationError, match="verify_bad_mark"):
                verification.mark(session, None, found, "ended", "x")
            verification.mark(session, None, found, "verified", "")
            with pytest.raises(verification.VerificationError, match="verify_already_marked"):
                verification.mark(session, None, found, "verified", "")
