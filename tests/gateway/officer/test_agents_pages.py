"""Officers see a landlord's agents on the landlord's page, and who declared on the person's and item's pages."""
from __future__ import annotations

from sqlalchemy import select

from store import agents
from store.models import Landlord, Person, Property
from store.sealed import document_hash
from store.states import Channel
from tests.constants import ID_A, LANDLORD, STRANGER
from tests.support import login, texted


def granted(rt, code: str | None) -> int:
    with rt.sessions.begin() as session:
        landlord = session.scalar(select(Landlord).where(Landlord.phone == LANDLORD))
        prop = session.scalar(select(Property).where(Property.code == code)) if code else None
        agents.grant(session, landlord, STRANGER, prop, Channel.SMS)
        return landlord.id


def test_the_landlord_page_lists_agents_in_force(ui, people):
    landlord_id = granted(people, "100002")
    login(ui, "a")
    page = ui.get(f"/landlords/{landlord_id}").get_data(as_text=True)
    assert "代理人" in page and STRANGER in page and "100002" in page


def test_a_landlord_without_agents_says_so(ui, people):
    with people.sessions() as session:
        landlord_id = session.scalar(select(Landlord.id).where(Landlord.phone == LANDLORD))
    login(ui, "a")
    assert "该房东没有授权代理人。" in ui.get(f"/landlords/{landlord_id}").get_data(as_text=True)


def test_the_agent_shows_as_declarant_on_the_item_and_the_person(ui, people):
    granted(people, None)
    item = texted(ui, people, f"登记 张三 {ID_A} 301 @100001", STRANGER)
    with people.sessions() as session:
        person_id = session.scalar(select(Person.id).where(Person.document_hash == document_hash(session, "ric", ID_A)))
    login(ui, "a")
    for path in (f"/review/{item}", f"/people/{person_id}"):
        page = ui.get(path).get_data(as_text=True)
        assert "代理人申报" in page and STRANGER in page, path
