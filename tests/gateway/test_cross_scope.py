"""Reads and changes across landlords, precincts and the unit tree, each made as the wrong principal."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from store.enrolment import Enrolment, enrol
from store.models import Declaration, OutboundMessage, Person, Precinct, Property
from store.officers import add_officer, place
from store.states import OutboundStatus
from tests.constants import ID_A, LANDLORD, OTHER_LANDLORD, PASSWORD
from tests.gateway.api.helpers import log_in
from tests.gateway.media.server import picture
from tests.gateway.pipeline.test_voice_claims import STRANGER, enrol_two, move_in_call, registered_by_landlord
from tests.gateway.pipeline.test_voice_claims import OTHER_LANDLORD as CLAIMED_LANDLORD
from tests.support import drain, login, officer_clients, sms, texted

ID_BAD = ID_A[:-1] + ("1" if ID_A[-1] != "1" else "2")


@pytest.fixture
def shared(people):
    """LANDLORD (100001, 100002 in GL01) also lets 200002 in GL02."""
    with people.sessions.begin() as session:
        enrol(session, Enrolment(phone=LANDLORD, name="陈房东", property_code="200002", address="台江区南街5号",
                                 precinct="GL02", alias="南街"))
    return people


def receipt_at(rt, code: str) -> str:
    with rt.sessions() as session:
        return session.scalar(select(Declaration.receipt).join(Property).where(Property.code == code))


class TestOfficerPrecinct:
    def test_list_reply_on_an_item_shows_no_tenant_of_another_precinct(self, ui, shared):
        """`查询` of a shared landlord is in GL01's queue too; its reply must not hand GL01 the GL02 tenants."""
        texted(ui, shared, f"登记 李四 {ID_A} 301 @200002", LANDLORD)
        receipt = receipt_at(shared, "200002")
        item = texted(ui, shared, "查询", LANDLORD)
        login(ui, "a")
        page = ui.get(f"/review/{item}")
        assert page.status_code == 200 and receipt not in page.text and "李四" not in page.text
        assert "上级民警可查看" in page.text  # the officer is told why, and who can read it
        login(ui, "chief")
        assert receipt in ui.get(f"/review/{item}").text

    def test_an_undelivered_list_reply_shows_no_tenant_of_another_precinct(self, ui, shared):
        """The same reply, undelivered, is on GL01's list of replies to follow up: its text is withheld there."""
        texted(ui, shared, f"登记 李四 {ID_A} 301 @200002", LANDLORD)
        receipt = receipt_at(shared, "200002")
        item = texted(ui, shared, "查询", LANDLORD)
        with shared.sessions.begin() as session:
            for reply in session.scalars(select(OutboundMessage).where(OutboundMessage.in_reply_to == item)):
                reply.status = OutboundStatus.UNDELIVERED
        login(ui, "a")
        page = ui.get("/deliveries").text
        assert f"#{item}" in page and receipt not in page and "李四" not in page
        login(ui, "chief")
        assert receipt in ui.get("/deliveries").text

    def test_edit_and_reprocess_cannot_cancel_another_precincts_registration(self, ui, shared):
        """GL01's officer rewrites a GL01 item of the shared landlord into `撤销 <GL02 receipt>`."""
        texted(ui, shared, f"登记 李四 {ID_A} 301 @200002", LANDLORD)
        receipt = receipt_at(shared, "200002")
        item = texted(ui, shared, f"登记 王五 {ID_BAD} 302 @100001", LANDLORD)
        login(ui, "a")
        ui.post(f"/review/{item}/edit", data={"body": f"撤销 {receipt}"})
        drain(shared)
        with shared.sessions() as session:
            assert session.scalar(select(Declaration.status).where(Declaration.receipt == receipt)) == "active"


@pytest.fixture
def tree_login(settings, rt, city):
    with rt.sessions.begin() as s:
        add_officer(s, "s21", PASSWORD, "S21")
        place(s, "helper", grants=["audit"])
    return officer_clients(settings, rt)


@pytest.mark.parametrize("viewer", ["k1chief", "helper"])
def test_audit_page_shows_only_the_viewers_part_of_the_tree(tree_login, rt, viewer):
    """A search made in S21 (county K2) is not read by K1's supervisor nor by an S11 assistant granted `audit`."""
    with rt.sessions() as s:
        searched = s.scalar(select(Person.name).join(Declaration).join(Property).join(Precinct)
                            .where(Precinct.code == "S21").order_by(Declaration.id).limit(1))
    tree_login("s21").post("/people", data={"q": searched})
    page = tree_login(viewer).get("/audit?action=search")
    assert page.status_code == 200
    assert searched not in page.get_data(as_text=True)


class TestLandlordApi:
    def test_claimed_landlord_does_not_learn_the_stored_name(self, client, rt):
        """A stranger's call claims ID_A at 200002; that landlord's API list shows the caller's words only."""
        enrol_two(rt)
        registered_by_landlord(client, rt)  # 张三 on record
        move_in_call(client, STRANGER, ID_A, "200002", "李四")
        drain(rt)
        headers = log_in(client, rt, CLAIMED_LANDLORD)
        rows = client.get("/api/v1/declarations?active=false", headers=headers).get_json()["declarations"]
        assert [r["name"] for r in rows] == ["李四"]

    def test_former_landlord_cannot_replace_the_portrait_of_someone_living_elsewhere(self, client, rt, people):
        sms(client, f"登记 张三 {ID_A} 301 @100001", LANDLORD)
        drain(rt)
        sms(client, f"登记 张三 {ID_A}", OTHER_LANDLORD)
        drain(rt)
        with rt.sessions() as session:
            old, new = session.execute(select(Declaration.receipt, Declaration.status)
                                       .order_by(Declaration.id)).all()
        assert old.status == "superseded" and new.status == "active"
        response = client.post(f"/api/v1/declarations/{old.receipt}/portrait", headers=log_in(client, rt, LANDLORD),
                               data={"portrait": (io.BytesIO(picture()), "x.jpg", "image/jpeg")},
                               content_type="multipart/form-data")
        assert response.status_code == 404
