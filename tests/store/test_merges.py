"""A merge and its undo, on any mix of declarations (tenants' and staff ones): the undo puts back exactly what was
there."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from store import merges
from store.declarations import new_receipt
from store.employers import EmployerEntry, enrol
from store.models import Declaration, Person, Property, Site, StaffDeclaration
from store.scope import Scope
from store.states import DeclarationStatus, RegisterState
from tests.budget import examples

CODES = ("100001", "100002", "200001", "300001", "300009")  # properties, then two employers' sites
# Active twice as often as any other status: both records active at one property is the case the merge changes.
STATUSES = st.sampled_from([DeclarationStatus.ACTIVE, *DeclarationStatus])
DECLARATIONS = st.lists(st.tuples(st.sampled_from(CODES), STATUSES), max_size=4)
BOTH_ACTIVE = [("100001", DeclarationStatus.ACTIVE), ("300001", DeclarationStatus.ACTIVE)]
PEOPLE = st.tuples(st.sampled_from([None, "王小明"]), st.sampled_from([None, "+8613700000009"]),
                   st.sampled_from([None, RegisterState.VERIFIED]))


@pytest.fixture
def employers(people):
    """Two employers with one site each: 300001 (GL01) and 300009 (GL02)."""
    with people.sessions.begin() as session:
        for credit, code, precinct in (("91350102MA2XYM123R", "300001", "GL01"),
                                       ("91440300MA5FQWER7A", "300009", "GL02")):
            enrol(session, EmployerEntry(credit_code=credit, name=f"单位{code}", address="鼓楼区工业路1号",
                                         precinct=precinct, phones=(f"+86136000{code[-4:]}0",), site_code=code))
    return people


def _person(session, facts, declared, kind="none", number=None) -> Person:
    name, phone, state = facts
    person = Person(document_type=kind, document_number=number, name=name, phone=phone, register_state=state)
    session.add(person)
    active = set()
    for code, status in declared:
        if status == DeclarationStatus.ACTIVE:
            if code in active:
                continue  # one active declaration per person and property
            active.add(code)
        prop = session.scalar(select(Property).where(Property.code == code))
        ended = dt.datetime(2026, 5, 1, 8, 30) if status != DeclarationStatus.ACTIVE else None
        if prop is None:  # a site: a staff declaration, one active per person and employer (one site each here)
            site = session.scalar(select(Site).where(Site.code == code))
            session.add(StaffDeclaration(person=person, employer_id=site.employer_id, site=site, room="1",
                                         start=dt.date(2026, 1, 1), status=status, receipt=new_receipt(session),
                                         channel="sms", declarant_phone="+8613600000000", ended_at=ended))
        else:
            session.add(Declaration(person=person, property=prop, room="1", move_in=dt.date(2026, 1, 1),
                                    status=status, receipt=new_receipt(session), channel="sms", ended_at=ended))
        session.flush()
    session.flush()
    return person


def _state(session, ids: tuple[int, int]) -> dict:
    people = {p.id: (p.name, p.phone, p.register_state) for p in session.scalars(select(Person).where(Person.id.in_(ids)))}
    decls = sorted((d.id, d.person_id, d.status, d.ended_at, d.move_out)
                   for d in session.scalars(select(Declaration).where(Declaration.person_id.in_(ids))))
    staff = sorted((d.id, d.person_id, d.status, d.ended_at, d.end)
                   for d in session.scalars(select(StaffDeclaration).where(StaffDeclaration.person_id.in_(ids))))
    return {"people": people, "declarations": decls, "staff": staff}


@given(kept=PEOPLE, kept_declared=DECLARATIONS, merged=PEOPLE,
       merged_declared=DECLARATIONS.filter(bool), documented=st.booleans())
@example(kept=(None, None, None), kept_declared=BOTH_ACTIVE, merged=("王小明", None, RegisterState.VERIFIED),
         merged_declared=BOTH_ACTIVE + [("100002", DeclarationStatus.ENDED)], documented=False)
@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_undo_restores_exactly(employers, kept, kept_declared, merged, merged_declared, documented):
    """Whatever the two records held (active, ended, cancelled, pending, several at one property or employer), a
    merge leaves every declaration, tenants' and staff, with `kept`, at most one active per property and per
    employer, and its undo returns all as it was."""
    with employers.sessions.begin() as session:
        number = f"E{session.scalar(select(Person.id).order_by(Person.id.desc()).limit(1)) or 0:07d}"
        a = _person(session, kept, kept_declared, *(("passport", number) if documented else ()))
        b = _person(session, merged, merged_declared)
        ids = (a.id, b.id)
        before = _state(session, ids)
        row = merges.merge(session, None, kept=a, merged=b, scope=Scope.everything(), document_found=documented)
        after = _state(session, ids)
        assert {person for _, person, *_ in after["declarations"] + after["staff"]} == {a.id}
        actives = [(d.property_id) for d in session.scalars(select(Declaration).where(
            Declaration.person_id == a.id, Declaration.status == DeclarationStatus.ACTIVE))]
        assert len(actives) == len(set(actives))
        employed = [(d.employer_id) for d in session.scalars(select(StaffDeclaration).where(
            StaffDeclaration.person_id == a.id, StaffDeclaration.status == DeclarationStatus.ACTIVE))]
        assert len(employed) == len(set(employed))
        merges.undo(session, None, row, Scope.everything())
        assert _state(session, ids) == before
