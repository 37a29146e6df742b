"""Employers' staff and lodgers declared without a document are in the no-document register and on the 补采 list,
scoped by the employer's precinct, as tenants are: status, filters, the hukou typed later, the portrait,
duplicate candidates, the document found and merges all read their staff declarations too.

On `people` (tests/conftest.py): GL01 has properties 100001 (id 1) and 100002, GL02 has 200001. Here 闽江建设
(GL01) has the dormitory 300002 (site id 1: the same number as property 100001's id), 台江物流 (GL02) site 300009.
"""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from parsers.duplicates import PROPERTY, SITE
from store import declarations as decls
from store import followup, merges, register, staff
from store.employers import EmployerEntry, enrol
from store.models import (AuditEntry, Employer, MediaItem, Person, PersonMerge, Precinct, Property, Site,
                          StaffDeclaration)
from store.scope import Scope
from store.states import DeclarationStatus, RegisterState
from tests.constants import ID_A

DAY = dt.date(2026, 11, 2)
HUKOU = "福建省莆田市荔城区黄石镇"


@pytest.fixture
def sites(people):
    """闽江建设 in GL01 (dormitory 300002) and 台江物流 in GL02 (workplace 300009)."""
    with people.sessions.begin() as session:
        enrol(session, EmployerEntry(credit_code="91350102MA2XYM123R", name="闽江建设", address="鼓楼区工业路1号",
                                     precinct="GL01", phones=("+8613600000000",), site_code="300002",
                                     site_kind="dormitory", site_address="鼓楼区工业路3号", site_alias="宿舍楼"))
        enrol(session, EmployerEntry(credit_code="91440300MA5FQWER7A", name="台江物流", address="台江区北路20号",
                                     precinct="GL02", phones=("+8613600000009",), site_code="300009"))
    return people


def scope_of(rt, code: str) -> Scope:
    with rt.sessions() as session:
        return Scope(session.scalar(select(Precinct.id).where(Precinct.code == code)))


def hire(rt, site_code: str = "300002", name: str = "王小明", *, hukou: str | None = None, accept: bool = True,
         lodger: bool = True, start: dt.date = DAY) -> int:
    """A no-document staff member as `用工 … 无证` stores them, accepted by an officer unless told; the person's id."""
    with rt.sessions.begin() as session:
        site = session.scalar(select(Site).where(Site.code == site_code))
        employer = session.get(Employer, site.employer_id)
        _, decl = staff.declare(session, employer=employer, site=site, document_type="none", document_number=None,
                                name=name, phone=None, room="101", lodger=lodger, start=start, channel="sms",
                                inbound_id=None, declarant_phone="+8613600000000", hukou=hukou)
        if accept:
            staff.accept(session, decl, name, None)
        return decl.person_id


def rent(rt, code: str, name: str, *, hukou: str | None = HUKOU, move_in: dt.date = DAY) -> int:
    with rt.sessions.begin() as session:
        prop = session.scalar(select(Property).where(Property.code == code))
        _, decl = decls.register(session, prop=prop, document_type="none", document_number=None, name=name, phone=None,
                                 room="301", move_in=move_in, late=False, channel="sms", inbound_id=None,
                                 hukou_address=hukou)
        return decl.person_id


def listed(rt, scope: Scope, **filters) -> list[int]:
    with rt.sessions() as session:
        entries, total = register.page(session, scope, **filters)
        assert total == len(entries)
        return [e.person.id for e in entries]


def portrait(rt, person_id: int) -> None:
    with rt.sessions.begin() as session:
        session.add(MediaItem(status="stored", key="k", person_id=person_id))


def jobs_of(rt, person_id: int) -> list[tuple[int, str]]:
    with rt.sessions() as session:
        return [(d.id, d.status) for d in session.scalars(select(StaffDeclaration)
                                                          .where(StaffDeclaration.person_id == person_id)
                                                          .order_by(StaffDeclaration.id))]


class TestTheList:
    def test_an_accepted_staff_member_is_in_their_employers_precinct_only(self, sites):
        """GL01 sees 闽江建设's lodger, with the site and the employer; GL02 neither lists nor opens them."""
        person = hire(sites, hukou=HUKOU)
        gl01, gl02 = scope_of(sites, "GL01"), scope_of(sites, "GL02")
        assert listed(sites, gl01) == [person] and listed(sites, gl02) == []
        with sites.sessions() as session:
            entry = register.entry(session, gl01, person)
            assert register.entry(session, gl02, person) is None
            where = entry.lives_at
            assert isinstance(where, StaffDeclaration)
            assert (where.site.address, where.room, where.employer.name) == ("鼓楼区工业路3号", "101", "闽江建设")
            assert (entry.status, entry.hukou, entry.declarations) == (RegisterState.PENDING, HUKOU, ())

    def test_another_precincts_employer_is_not_this_precincts(self, sites):
        person = hire(sites, "300009")
        assert listed(sites, scope_of(sites, "GL01")) == []
        assert listed(sites, scope_of(sites, "GL02")) == [person]
        assert listed(sites, Scope.everything()) == [person]

    def test_filters_read_staff_declarations(self, sites):
        """The hukou filter reads a staff declaration's address; the code filter takes a site's code."""
        person = hire(sites, hukou=HUKOU)
        tenant = rent(sites, "100001", "李四", hukou="湖南省长沙市岳麓区")
        gl01 = scope_of(sites, "GL01")
        assert listed(sites, gl01, query="黄石镇") == [person]
        assert listed(sites, gl01, property_code="300002") == [person]
        assert listed(sites, gl01, property_code="100001") == [tenant]

    def test_a_person_with_a_document_is_not_in_it(self, sites):
        with sites.sessions.begin() as session:
            site = session.scalar(select(Site).where(Site.code == "300002"))
            staff.declare(session, employer=session.get(Employer, site.employer_id), site=site, document_type="ric",
                          document_number=ID_A, name="张三", phone=None, room=None, lodger=False, start=DAY,
                          channel="sms", inbound_id=None, declarant_phone="+8613600000000")
        assert listed(sites, scope_of(sites, "GL01")) == []


class TestStatus:
    @pytest.mark.parametrize("ending", ["end", "cancel"])
    def test_a_staff_member_who_left_or_was_withdrawn_has_left(self, sites, ending):
        person = hire(sites)
        gl01 = scope_of(sites, "GL01")
        assert listed(sites, gl01, status=RegisterState.PENDING) == [person]
        with sites.sessions.begin() as session:
            decl = session.scalar(select(StaffDeclaration).where(StaffDeclaration.person_id == person))
            staff.end([decl], DAY) if ending == "end" else staff.cancel(decl)
        assert listed(sites, gl01, status=RegisterState.LEFT) == [person]
        assert listed(sites, gl01, status=RegisterState.PENDING) == []
        with sites.sessions() as session:
            assert register.entry(session, gl01, person).status == RegisterState.LEFT

    def test_one_waiting_for_an_officer_is_current(self, sites):
        """As a tenant's: pending review is current (in the register, pending), but not on the 补采 list."""
        person = hire(sites, accept=False)
        gl01 = scope_of(sites, "GL01")
        assert listed(sites, gl01, status=RegisterState.PENDING) == [person]
        assert listed(sites, gl01, followup_only=True) == []

    def test_verify_and_the_document_found(self, sites):
        person = hire(sites)
        gl01 = scope_of(sites, "GL01")
        with sites.sessions.begin() as session:
            register.verify(session, 1, session.get(Person, person))
        assert listed(sites, gl01, status=RegisterState.VERIFIED) == [person]
        with sites.sessions.begin() as session:
            found = register.document_found(session, 1, session.get(Person, person), "ric", ID_A, DAY, gl01)
            assert found.id == person and found.document_hash
        assert listed(sites, gl01, status=RegisterState.DOCUMENT_FOUND) == [person]

    def test_a_document_someone_holds_moves_the_staff_declaration_to_them(self, sites):
        """张三 rents at 100002 with ID_A; the lodger's document is ID_A: the job is his now (a merge)."""
        with sites.sessions.begin() as session:
            prop = session.scalar(select(Property).where(Property.code == "100002"))
            _, known = decls.register(session, prop=prop, document_type="ric", document_number=ID_A, name="张三",
                                      phone=None, room="1", move_in=DAY, late=False, channel="sms", inbound_id=None)
            holder = known.person_id
        lodger = hire(sites)
        [(job, _)] = jobs_of(sites, lodger)
        gl01 = scope_of(sites, "GL01")
        with sites.sessions.begin() as session:
            found = register.document_found(session, 1, session.get(Person, lodger), "ric", ID_A, DAY, gl01)
            assert found.id == holder
        assert jobs_of(sites, holder) == [(job, DeclarationStatus.ACTIVE)] and jobs_of(sites, lodger) == []


class TestFollowup:
    def test_missing_hukou_and_portrait_then_typed_and_uploaded(self, sites):
        """On the list while anything is missing; the officer's address fills the staff declaration (audited),
        the portrait takes them off."""
        person = hire(sites)
        gl01 = scope_of(sites, "GL01")
        assert listed(sites, gl01, followup_only=True) == [person]
        with sites.sessions.begin() as session:
            assert followup.set_hukou(session, scope_of(sites, "GL02"), 1, session.get(Person, person), HUKOU) == 0
        with sites.sessions.begin() as session:
            assert followup.set_hukou(session, gl01, 1, session.get(Person, person), HUKOU) == 1
        with sites.sessions() as session:
            decl = session.scalar(select(StaffDeclaration).where(StaffDeclaration.person_id == person))
            assert decl.hukou_address == HUKOU
            detail = session.scalar(select(AuditEntry.detail).where(AuditEntry.action == "followup_hukou"))
            assert detail["staff"] == 1
        assert listed(sites, gl01, followup_only=True) == [person]  # the portrait is still missing
        portrait(sites, person)
        assert listed(sites, gl01, followup_only=True) == []

    def test_the_list_is_the_employers_precincts(self, sites):
        person = hire(sites, "300009")
        assert listed(sites, scope_of(sites, "GL01"), followup_only=True) == []
        assert listed(sites, scope_of(sites, "GL02"), followup_only=True) == [person]

    def test_an_address_on_a_staff_declaration_counts(self, sites):
        person = hire(sites, hukou=HUKOU)
        portrait(sites, person)
        assert listed(sites, scope_of(sites, "GL01"), followup_only=True) == []


class TestCandidates:
    def test_a_tenant_and_a_staff_member_alike_are_candidates_and_a_site_is_not_a_property(self, sites):
        """王小明 rents at 100001 (property id 1) while 王晓明 lodges at site id 1: suggested, and their stays are
        two places at once (0.5), never the same place (1.0)."""
        tenant = rent(sites, "100001", "王小明")
        lodger = hire(sites, name="王晓明", hukou=HUKOU)
        gl01 = scope_of(sites, "GL01")
        with sites.sessions() as session:
            prop = session.scalar(select(Property).where(Property.code == "100001"))
            site = session.scalar(select(Site).where(Site.code == "300002"))
            assert prop.id == site.id  # the case a shared key would confuse
            mine = register.entry(session, gl01, lodger)
            assert [(s.kind, s.place) for s in mine.declared().stays] == [(SITE, site.id)]
            [found] = register.candidates(session, gl01, mine)
            assert found.entry.person.id == tenant and found.likeness.stay == 0.5
            assert [s.kind for s in found.entry.declared().stays] == [PROPERTY]


class TestMerge:
    def test_a_tenant_record_merged_into_a_staff_one_and_undone(self, sites):
        """The tenant's declaration moves to the staff member's record; the undo puts it back."""
        lodger = hire(sites, name="王晓明", hukou=HUKOU)
        tenant = rent(sites, "100001", "王小明")
        gl01 = scope_of(sites, "GL01")
        with sites.sessions.begin() as session:
            row_id = merges.merge(session, None, kept=session.get(Person, lodger),
                                  merged=session.get(Person, tenant), scope=gl01).id
        with sites.sessions() as session:
            entry = register.entry(session, gl01, lodger)
            assert len(entry.declarations) == 1 and len(entry.staff) == 1
            assert register.entry(session, gl01, tenant) is None
        with sites.sessions.begin() as session:
            merges.undo(session, None, session.get(PersonMerge, row_id), gl01)
        with sites.sessions() as session:
            assert len(register.entry(session, gl01, lodger).declarations) == 0
            assert len(register.entry(session, gl01, tenant).declarations) == 1

    def test_another_precincts_staff_declaration_needs_a_supervisor(self, sites):
        from store.scope import NeedsSupervisor

        mine = rent(sites, "100001", "王小明")
        theirs = hire(sites, "300009", name="王小明")
        gl01 = scope_of(sites, "GL01")
        with sites.sessions.begin() as session, pytest.raises(NeedsSupervisor):
            merges.merge(session, None, kept=session.get(Person, mine), merged=session.get(Person, theirs), scope=gl01)
        assert jobs_of(sites, theirs) and jobs_of(sites, mine) == []

    def test_the_same_employers_duplicate_is_cancelled_and_restored(self, sites):
        """Both records are active staff of 闽江建设 (one active per person and employer): the merged one's is
        cancelled as the duplicate, and the undo makes it active again."""
        kept = hire(sites, name="王小明")
        merged = hire(sites, name="王晓明")
        [(job, _)] = jobs_of(sites, merged)
        with sites.sessions.begin() as session:
            row_id = merges.merge(session, None, kept=session.get(Person, kept), merged=session.get(Person, merged),
                                  scope=Scope.everything()).id
        assert (job, DeclarationStatus.CANCELLED) in jobs_of(sites, kept) and jobs_of(sites, merged) == []
        with sites.sessions.begin() as session:
            merges.undo(session, None, session.get(PersonMerge, row_id), Scope.everything())
        assert jobs_of(sites, merged) == [(job, DeclarationStatus.ACTIVE)]
        assert [status for _, status in jobs_of(sites, kept)] == [DeclarationStatus.ACTIVE]
