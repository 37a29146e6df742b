"""The verification draw: the share sampled per station, the kinds always drawn, a re-run adding nothing,
the same declarations drawn whatever the order, and the month's figures counting the items and marks; employers'
staff declarations drawn by the same rules under the employer's station, and marked as tenants' are.

On `people`: 100001 and 100002 are in GL01, 200001 in GL02 (tests/conftest.py). On `employers`: 闽江建设 (GL01)
has the dormitory 300002, 台江物流 (GL02) the workplace 300009 at an address in GL01's streets.
"""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from store import declarations as decls
from store import export, staff, verification
from store.employers import EmployerEntry, enrol
from store.models import (Declaration, Employer, Officer, Precinct, Property, Site, StaffDeclaration, VerificationItem,
                          utcnow)
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
    """Declaration id → (station code, reason) of every tenant's item."""
    with rt.sessions() as session:
        return {i.declaration_id: (session.get(Precinct, i.precinct_id).code, i.reason)
                for i in session.scalars(select(VerificationItem).where(VerificationItem.declaration_id.is_not(None)))}


def staff_items(rt) -> dict[int, tuple[str, str]]:
    """Staff declaration id → (station code, reason) of every staff item."""
    with rt.sessions() as session:
        return {i.staff_declaration_id: (session.get(Precinct, i.precinct_id).code, i.reason)
                for i in session.scalars(select(VerificationItem)
                                         .where(VerificationItem.staff_declaration_id.is_not(None)))}


def enrol_employers(rt) -> None:
    """闽江建设 in GL01 (dormitory 300002); 台江物流 in GL02, its workplace 300009 on GL01's 东街."""
    with rt.sessions.begin() as session:
        enrol(session, EmployerEntry(credit_code="91350102MA2XYM123R", name="闽江建设", address="鼓楼区工业路1号",
                                     precinct="GL01", phones=("+8613600000000",), site_code="300002",
                                     site_kind="dormitory", site_address="鼓楼区工业路3号"))
        enrol(session, EmployerEntry(credit_code="91440300MA5FQWER7A", name="台江物流", address="台江区北路20号",
                                     precinct="GL02", phones=("+8613600000009",), site_code="300009",
                                     site_address="鼓楼区东街14号"))


@pytest.fixture
def employers(people):
    enrol_employers(people)
    return people


def hire(rt, site_code: str, name: str, *, document: tuple[str, str | None] = ("none", None),
         start: dt.date = dt.date(2026, 10, 10), declared_at: dt.datetime = DECLARED, lodger: bool = False) -> int:
    """A staff declaration as `用工` stores it (no document: waiting for an officer), declared at `declared_at`;
    returns its id."""
    with rt.sessions.begin() as session:
        site = session.scalar(select(Site).where(Site.code == site_code))
        kind, number = document
        _, decl = staff.declare(session, employer=session.get(Employer, site.employer_id), site=site,
                                document_type=kind, document_number=number, name=name, phone=None, room="101",
                                lodger=lodger, start=start, channel="sms", inbound_id=None,
                                declarant_phone="+8613600000000")
        decl.declared_at = declared_at
        return decl.id


def clean_staff(rt, site_code: str, n: int) -> list[int]:
    """`n` clean staff declarations at `site_code` (passports from a counter, apart from the tenants')."""
    return [hire(rt, site_code, f"s{i}", document=("passport", f"S{site_code}{i:05d}")) for i in range(n)]


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


class TestStaffDraw:
    def test_every_region_unknown_no_document_and_backlog_staff_declaration_is_drawn(self, employers):
        """A staff member's start counts as a tenant's move-in: more than a year back, or before the campaign."""
        ids = clean_staff(employers, "300002", 10)
        unknown = hire(employers, "300002", "r", document=("ric", ID81))
        nodoc = hire(employers, "300002", "n")
        before = hire(employers, "300002", "b", document=("ric", ID_A), start=dt.date(2026, 1, 5))
        old = hire(employers, "300002", "o", document=("ric", ID_B), start=dt.date(2024, 1, 5), lodger=True)
        assert draw(employers, percent=0, campaign_start=dt.date(2026, 3, 1)) == 4
        assert staff_items(employers) == {unknown: ("GL01", "region_unknown"), nodoc: ("GL01", "no_document"),
                                          before: ("GL01", "backlog"), old: ("GL01", "backlog")}
        assert not set(ids) & set(staff_items(employers)) and items(employers) == {}

    def test_the_station_is_the_employers_wherever_the_site_is(self, employers):
        """台江物流 is GL02's: its site on GL01's 东街 does not move its staff to GL01 (as store.scope.Scope.staff)."""
        nodoc = hire(employers, "300009", "n")
        draw(employers)
        assert staff_items(employers) == {nodoc: ("GL02", "no_document")}

    def test_staff_are_sampled_per_station_apart_from_the_tenants(self, employers):
        """5 % of 40 clean tenants in GL01 is 2; of 20 clean staff there, 1; of 3 clean staff in GL02, 1."""
        tenants = clean(employers, "100001", 40)
        gl01 = clean_staff(employers, "300002", 20)
        gl02 = clean_staff(employers, "300009", 3)
        assert draw(employers) == 4
        station = people_precinct(employers, "GL01")
        assert set(items(employers)) == set(verification.sample(MONTH, station, tenants, 5))
        assert {d: code for d, (code, _) in staff_items(employers).items()} == {
            **{d: "GL01" for d in verification.sample(MONTH, station, gl01, 5, verification.STAFF)},
            **{d: "GL02" for d in verification.sample(MONTH, people_precinct(employers, "GL02"), gl02, 5,
                                                      verification.STAFF)}}
        assert {reason for _, reason in staff_items(employers).values()} == {"sample"}

    def test_the_staff_sample_is_the_same_whatever_the_order_and_apart_from_the_tenants_ranks(self, employers):
        ids = clean_staff(employers, "300002", 60)
        chosen = verification.sample(MONTH, 1, ids, 5, verification.STAFF)
        assert chosen == verification.sample(MONTH, 1, list(reversed(ids)), 5, verification.STAFF)
        assert len(chosen) == 3
        # A staff declaration and a tenant's with the same id are ranked apart: neither decides the other's draw.
        assert verification.rank(MONTH, 1, ids[0], verification.STAFF) != verification.rank(MONTH, 1, ids[0])
        assert verification.rank(MONTH, 1, ids[0]) == verification.rank(MONTH, 1, ids[0], verification.TENANT)

    def test_a_rerun_adds_no_staff_item_twice(self, employers):
        clean(employers, "100001", 40)
        clean_staff(employers, "300002", 20)
        hire(employers, "300009", "n")
        assert draw(employers) == 4
        before = (items(employers), staff_items(employers))
        assert draw(employers) == 0
        assert draw(employers, percent=0) == 0
        assert (items(employers), staff_items(employers)) == before

    def test_other_months_and_cancelled_staff_declarations_are_not_drawn(self, employers):
        hire(employers, "300002", "sept", declared_at=dt.datetime(2026, 9, 30, 23, 0))
        cancelled = hire(employers, "300002", "c")
        with employers.sessions.begin() as session:
            staff.cancel(session.get(StaffDeclaration, cancelled))
        assert draw(employers) == 0

    def test_the_progress_counts_tenants_and_staff(self, employers):
        clean(employers, "100001", 2)
        clean_staff(employers, "300002", 3)
        heard = []
        with employers.sessions.begin() as session:
            verification.draw(session, MONTH, progress=lambda done, total: heard.append((done, total)))
        assert heard == [(5, 5)]


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

    def test_staff_items_are_counted_under_the_employers_station(self, employers):
        clean(employers, "100001", 20)
        first = hire(employers, "300002", "n1")
        hire(employers, "300002", "n2")
        hire(employers, "300009", "n3")
        assert draw(employers) == 4
        with employers.sessions.begin() as session:
            found = session.scalar(select(VerificationItem).where(VerificationItem.staff_declaration_id == first))
            verification.mark(session, None, found, "not_found", "已离职")
        with employers.sessions() as session:
            fig = {f.precinct_code: f for f in month_figures(session, MONTH)}
        assert (fig["GL01"].verification_drawn, fig["GL01"].verified, fig["GL01"].verification_errors) == (3, 1, 1)
        assert (fig["GL02"].verification_drawn, fig["GL02"].verified) == (1, 0)

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


class TestStaffMarks:
    def item(self, rt, staff_id: int) -> int:
        with rt.sessions() as session:
            return session.scalar(select(VerificationItem.id).where(VerificationItem.staff_declaration_id == staff_id))

    def test_corrected_changes_the_staff_members_name_and_room(self, employers):
        decl_id = hire(employers, "300002", "王小明", document=("ric", ID81))
        draw(employers)
        item_id = self.item(employers, decl_id)
        with employers.sessions.begin() as session:
            verification.mark(session, None, session.get(VerificationItem, item_id), "corrected", "住 102",
                              name="王晓明", room="102")
        with employers.sessions() as session:
            decl = session.get(StaffDeclaration, decl_id)
            assert (decl.person.name, decl.room, decl.status) == ("王晓明", "102", "active")

    def test_not_found_ends_the_staff_declaration_only_when_asked(self, employers):
        kept = hire(employers, "300002", "留", document=("ric", ID81))
        ended = hire(employers, "300002", "走", document=("ric", ID_B), start=dt.date(2024, 1, 5))
        pending = hire(employers, "300002", "等")
        draw(employers)
        day = dt.date(2026, 11, 3)
        kept_item, ended_item, pending_item = (self.item(employers, d) for d in (kept, ended, pending))
        with employers.sessions.begin() as session:
            verification.mark(session, None, session.get(VerificationItem, kept_item), "not_found", "不在",
                              end_it=False, today=day)
            verification.mark(session, None, session.get(VerificationItem, ended_item), "not_found", "已离职",
                              end_it=True, today=day)
            with pytest.raises(verification.VerificationError, match="verify_not_active"):
                verification.mark(session, None, session.get(VerificationItem, pending_item), "not_found", "不在",
                                  end_it=True, today=day)
        with employers.sessions() as session:
            assert session.get(StaffDeclaration, kept).status == "active"
            gone = session.get(StaffDeclaration, ended)
            assert (gone.status, gone.end) == ("ended", day) and gone.ended_at is not None
            assert session.get(StaffDeclaration, pending).status == "pending_review"

    def test_the_export_carries_a_staff_items_mark_and_a_pull_since_sees_it(self, employers):
        marked = hire(employers, "300002", "查", document=("ric", ID81), lodger=True)
        hire(employers, "300002", "未查")
        draw(employers)
        since, item_id = utcnow(), self.item(employers, marked)
        with employers.sessions.begin() as session:
            verification.mark(session, None, session.get(VerificationItem, item_id), "verified", "")
            receipt = session.get(StaffDeclaration, marked).receipt
        with employers.sessions() as session:
            rows = {r["name"]: r for r in export.rows(session)}
            assert (rows["查"]["kind"], rows["查"]["receipt"], rows["查"]["verification"]) == ("lodger", receipt,
                                                                                             "verified")
            assert rows["未查"]["verification"] is None
            assert [r["name"] for r in export.rows(session, since=since)] == ["查"]
