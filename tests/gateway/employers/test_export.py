"""Staff and lodgers in `declgate export`: the `kind` column says tenant, staff or lodger; an employer's
row names its site, station and the employer as declarant; a staff member leaving is a change `--since` sees."""
from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select, update

from store import staff
from store.declarations import new_receipt
from store.models import Declaration, Employer, Person, Property, Site, StaffDeclaration
from tests.constants import ID_A, ID_B, ID_C
from tests.gateway.employers.conftest import EMPLOYER


def _hire(rt, number: str, site_code: str, lodger: bool) -> str:
    with rt.sessions.begin() as s:
        employer = s.scalar(select(Employer))
        site = s.scalar(select(Site).where(Site.code == site_code))
        _, decl = staff.declare(s, employer=employer, site=site, document_type="ric", document_number=number,
                                name="工人", phone=None, room="A1" if lodger else None, lodger=lodger,
                                start=dt.date(2026, 3, 1), channel="sms", inbound_id=None, declarant_phone=EMPLOYER)
        return decl.receipt


def test_staff_and_lodgers_have_their_kind_and_a_leaver_is_changed_since(run, employer):
    with employer.sessions.begin() as s:
        s.add(Declaration(person=Person(document_type="ric", document_number=ID_A, name="张三"), room="301",
                          property=s.scalar(select(Property).where(Property.code == "100001")), status="active",
                          move_in=dt.date(2026, 3, 1), receipt=new_receipt(s), channel="sms"))
    worker, lodger = _hire(employer, ID_B, "300001", False), _hire(employer, ID_C, "300002", True)
    result = run("export", "--format", "json")
    rows = {r["receipt"]: r for r in map(json.loads, result.stdout.splitlines())}
    assert sorted(r["kind"] for r in rows.values()) == ["lodger", "staff", "tenant"]
    assert rows[worker]["declarant_kind"] == "employer" and rows[worker]["station"] == "GL01"
    assert (rows[lodger]["property_code"], rows[lodger]["address"], rows[lodger]["room"]) == ("300002", "鼓楼区工业路3号", "A1")
    assert rows[lodger]["document_number"] == "4403**********0027"
    with employer.sessions.begin() as s:
        s.execute(update(StaffDeclaration).values(updated_at=dt.datetime(2026, 3, 1)))
        s.execute(update(Person).values(updated_at=dt.datetime(2026, 3, 1)))
        s.execute(update(Declaration).values(updated_at=dt.datetime(2026, 3, 1)))
    with employer.sessions.begin() as s:
        staff.end([staff.by_receipt(s, s.scalar(select(Employer.id)), worker)], dt.date(2026, 3, 20))
    since = run("export", "--format", "json", "--since", "2026-03-02T00:00:00Z")
    [row] = [json.loads(line) for line in since.stdout.splitlines()]
    assert (row["receipt"], row["kind"], row["status"], row["move_out"]) == (worker, "staff", "ended", "2026-03-20")
