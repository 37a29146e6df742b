"""Precinct scoping follows the property: messages, landlords and claims, attacked from the other precinct.

LANDLORD_A has 100001 and 100002 in GL01; the `shared` fixture gives them 200002 in GL02 as well.
Officer `a` works GL01, `b` GL02, `c` GL03 (where LANDLORD_A has nothing); `chief` is a supervisor.
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select
from stdnum.cn import ric

from gateway.pipeline import failures, intake
from store.enrolment import Enrolment, enrol
from store.models import Declaration, InboundMessage, InboundPrecinct, Landlord, Precinct, Property
from store.officers import add_officer
from tests.constants import GATEWAY_NUMBER, LANDLORD, OTHER_LANDLORD, PASSWORD, STRANGER
from tests.support import drain, login, row, texted


def resident_id(body: str) -> str:
    """A valid Resident ID from its first 17 digits."""
    return body + ric.calc_check_digit(body + "0")


ID_1 = resident_id("35010219900101123")
ID_2 = resident_id("11010119900307447")
OTHER_STRANGER = "+8613700000001"
BROWSER = {"Accept": "text/html"}  # error pages are HTML for a browser, plain text for scripts
ID_BAD = ID_1[:-1] + ("1" if ID_1[-1] != "1" else "2")  # a wrong check digit


@pytest.fixture
def shared(people):
    """LANDLORD_A also lets 200002 (南街) in GL02; officer `c` works GL03."""
    with people.sessions.begin() as session:
        enrol(session, Enrolment(phone=LANDLORD, name="陈房东", property_code="200002", address="台江区南街5号",
                                 precinct="GL02", alias="南街"))
        add_officer(session, "c", PASSWORD, "GL03")
    return people


def as_officer(ui, username: str) -> None:
    ui.post("/logout")
    login(ui, username)


def sees(ui, username: str, item: int) -> bool:
    """Whether the officer can open the item; an open item is in their queue exactly when they can open it."""
    as_officer(ui, username)
    status = ui.get(f"/review/{item}").status_code
    assert status in (200, 404)
    if row(ui.application.extensions["declgate"], InboundMessage, item).review_state == "open":
        assert (f'name="ids" value="{item}"' in ui.get("/review").get_data(as_text=True)) == (status == 200)
    return status == 200


def precinct_of(rt, code: str) -> int:
    with rt.sessions() as session:
        return session.scalar(select(Precinct.id).where(Precinct.code == code))


def precincts_of_item(rt, item: int) -> set[int]:
    with rt.sessions() as session:
        inbound = session.get(InboundMessage, item)
        further = session.scalars(select(InboundPrecinct.precinct_id).where(InboundPrecinct.inbound_id == item))
        return ({inbound.precinct_id} if inbound.precinct_id else set()) | set(further)


class TestMessagesFollowTheProperty:
    def test_sms_about_a_property_in_another_precinct_lands_there(self, ui, shared):
        """A shared landlord's message about their GL02 property is GL02's item, not their first precinct's."""
        item = texted(ui, shared, f"登记 李四 {ID_BAD} 301 @200002", LANDLORD)
        assert sees(ui, "b", item)
        assert not sees(ui, "a", item)
        assert ui.post(f"/review/{item}/spam").status_code == 404
        assert row(shared, InboundMessage, item).review_state == "open"

    def test_message_about_two_precincts_is_seen_by_both_and_no_other(self, ui, shared):
        """Records at a GL01 and a GL02 property put the message in both queues, and in no third one."""
        item = texted(ui, shared, f"登记 李四 {ID_BAD} 301 @100001; 王五 {ID_BAD} 302 @200002", LANDLORD)
        assert precincts_of_item(shared, item) == {precinct_of(shared, "GL01"), precinct_of(shared, "GL02")}
        assert sees(ui, "a", item) and sees(ui, "b", item)
        assert not sees(ui, "c", item)

    def test_supervisor_filter_finds_the_message_under_each_precinct(self, ui, shared):
        """A supervisor narrowing the queue to GL02 finds a message whose first record is in GL01."""
        item = texted(ui, shared, f"登记 李四 {ID_BAD} 301 @100001; 王五 {ID_BAD} 302 @200002", LANDLORD)
        as_officer(ui, "chief")
        for code in ("GL01", "GL02"):
            page = ui.get(f"/review?precinct={precinct_of(shared, code)}").get_data(as_text=True)
            assert f'name="ids" value="{item}"' in page, code
        page = ui.get(f"/review?precinct={precinct_of(shared, 'GL03')}").get_data(as_text=True)
        assert f'name="ids" value="{item}"' not in page

    def test_message_naming_no_property_goes_to_every_precinct_of_the_landlord(self, ui, shared):
        """A message that resolves no property is the landlord's: both their precincts see it, GL03 does not."""
        item = texted(ui, shared, "hello", LANDLORD)
        assert sees(ui, "a", item) and sees(ui, "b", item)
        assert not sees(ui, "c", item)

    def test_list_of_one_property_belongs_to_its_precinct(self, ui, shared):
        """`LIST @200002` is about GL02: GL01's officer cannot open it."""
        item = texted(ui, shared, "名单 @200002", LANDLORD)
        assert row(shared, InboundMessage, item).precinct_id == precinct_of(shared, "GL02")
        as_officer(ui, "a")
        assert ui.get(f"/review/{item}").status_code == 404

    def test_move_out_by_room_goes_to_the_property(self, ui, shared):
        """`退租 … @200002` concerns GL02 only, even though the landlord's first property is in GL01."""
        texted(ui, shared, f"登记 李四 {ID_1} 301 @200002", LANDLORD)
        item = texted(ui, shared, "退租 301 @200002", LANDLORD)
        assert row(shared, InboundMessage, item).status == "processed"
        assert precincts_of_item(shared, item) == {precinct_of(shared, "GL02")}

    def test_move_out_without_property_goes_to_the_tenants_precinct(self, ui, shared):
        """A move-out by ID naming no property belongs to the precinct where the tenant was found."""
        texted(ui, shared, f"登记 李四 {ID_1} 301 @200002", LANDLORD)
        item = texted(ui, shared, f"退租 {ID_1}", LANDLORD)
        assert precincts_of_item(shared, item) == {precinct_of(shared, "GL02")}

    def test_receipt_answer_goes_to_the_declarations_precinct(self, ui, shared):
        """`撤销 <receipt>` of a GL02 declaration belongs to GL02."""
        texted(ui, shared, f"登记 李四 {ID_1} 301 @200002", LANDLORD)
        with shared.sessions() as session:
            receipt = session.scalar(select(Declaration.receipt))
        item = texted(ui, shared, f"撤销 {receipt}", LANDLORD)
        assert precincts_of_item(shared, item) == {precinct_of(shared, "GL02")}

    def test_flood_from_a_landlord_stays_in_their_precinct(self, ui, people):
        """A rate-limited message of a GL02 landlord is not shown to GL01 (it used to have no precinct)."""
        app_rt = ui.application.extensions["declgate"]
        app_rt.settings = app_rt.settings.with_(rate_limit_per_hour=1)
        texted(ui, people, "hello", OTHER_LANDLORD)
        flood = texted(ui, people, "hello again", OTHER_LANDLORD)
        assert row(people, InboundMessage, flood).review_reason == "rate_limited"
        assert sees(ui, "b", flood)
        assert not sees(ui, "a", flood)

    def test_failed_job_of_a_landlord_stays_in_their_precinct(self, ui, people):
        """A GL02 landlord's message whose job failed for good goes to GL02's queue, not to everyone's."""
        inbound_id, _ = intake.store_sms(people, sid="SMFAILED", from_number=OTHER_LANDLORD, to_number=GATEWAY_NUMBER,
                                         body="登记 李四 无证 301")
        failures.mark_failed(SimpleNamespace(args=(inbound_id,), retries_left=0), None, RuntimeError, None, None)
        assert row(people, InboundMessage, inbound_id).review_reason == "job_failed"
        assert sees(ui, "b", inbound_id)
        assert not sees(ui, "a", inbound_id)


class TestItemPage:
    def test_shows_only_the_officers_part_of_a_shared_landlord(self, ui, shared):
        """On a GL02 item, GL02's officer sees the landlord's GL02 property and none of their GL01 ones."""
        item = texted(ui, shared, f"登记 李四 {ID_BAD} 301 @200002", LANDLORD)
        as_officer(ui, "b")
        page = ui.get(f"/review/{item}").get_data(as_text=True)
        assert "台江区南街5号" in page
        assert "鼓楼区东街12号" not in page and "鼓楼区西巷3号" not in page

    def test_shows_only_the_declarations_in_scope(self, ui, shared):
        """Of a two-precinct message, each officer sees (and can accept) only their own precinct's declaration."""
        item = texted(ui, shared, "登记 李四 无证 301 @100001; 王五 无证 302 @200002", LANDLORD)
        with shared.sessions() as session:
            ours, theirs = (f"/review/declaration/{ident}/accept"
                            for ident in session.scalars(select(Declaration.id).order_by(Declaration.id)))
        as_officer(ui, "a")
        page = ui.get(f"/review/{item}").get_data(as_text=True)
        assert ours in page and theirs not in page
        assert ui.post(theirs, data={"name": "王五"}).status_code == 404
        as_officer(ui, "b")
        page = ui.get(f"/review/{item}").get_data(as_text=True)
        assert theirs in page and ours not in page

    def test_copy_in_another_precinct_is_not_listed(self, ui, shared):
        """An edit that moves a message to GL02 (a supervisor's, for a landlord shared with GL02) is not listed
        (nor opened) from the GL01 original."""
        item = texted(ui, shared, f"登记 李四 {ID_BAD} 301 @100001", LANDLORD)
        as_officer(ui, "a")
        assert ui.post(f"/review/{item}/edit", data={"body": f"登记 李四 {ID_BAD} 301 @200002"}).status_code == 403
        as_officer(ui, "chief")
        response = ui.post(f"/review/{item}/edit", data={"body": f"登记 李四 {ID_BAD} 301 @200002"})
        drain(shared)
        copy = int(response.location.rsplit("/", 1)[1])
        assert precincts_of_item(shared, copy) == {precinct_of(shared, "GL02")}
        as_officer(ui, "a")
        page = ui.get(f"/review/{item}").get_data(as_text=True)
        assert f"/review/{copy}" not in page
        assert ui.get(f"/review/{copy}").status_code == 404
        assert sees(ui, "b", copy)


class TestSharedReject:
    def test_officer_cannot_cancel_another_precincts_pending_declaration(self, ui, shared):
        """Rejecting a message with a waiting GL02 declaration is refused to GL01's officer, with the reason."""
        item = texted(ui, shared, "登记 李四 无证 301 @100001; 王五 无证 302 @200002", LANDLORD)
        as_officer(ui, "a")
        response = ui.post(f"/review/{item}/reject", data={"reason": "noise"}, headers=BROWSER)
        assert response.status_code == 403
        assert "主管" in response.get_data(as_text=True)
        assert row(shared, InboundMessage, item).review_state == "open"
        with shared.sessions() as session:
            assert {d.status for d in session.scalars(select(Declaration))} == {"pending_review"}
        as_officer(ui, "a")
        ui.post("/review/bulk/reject", data={"ids": [str(item)], "reason": "noise"})
        assert row(shared, InboundMessage, item).review_state == "open"

    def test_supervisor_rejects_it(self, ui, shared):
        """A supervisor's reject closes the shared message and cancels both declarations."""
        item = texted(ui, shared, "登记 李四 无证 301 @100001; 王五 无证 302 @200002", LANDLORD)
        as_officer(ui, "chief")
        assert ui.post(f"/review/{item}/reject", data={"reason": "noise"}).status_code == 302
        with shared.sessions() as session:
            assert {d.status for d in session.scalars(select(Declaration))} == {"cancelled"}


def landlord_id(rt, phone: str) -> int:
    with rt.sessions() as session:
        return session.scalar(select(Landlord.id).where(Landlord.phone == phone))


class TestSharedLandlord:
    def test_each_precinct_sees_only_its_properties(self, ui, shared):
        """The landlord's page and the list show each officer only the properties in their precinct."""
        ident = landlord_id(shared, LANDLORD)
        as_officer(ui, "b")
        for path in (f"/landlords/{ident}", "/landlords"):
            page = ui.get(path).get_data(as_text=True)
            assert "台江区南街5号" in page and "鼓楼区东街12号" not in page and "100001" not in page, path
        as_officer(ui, "a")
        page = ui.get(f"/landlords/{ident}").get_data(as_text=True)
        assert "鼓楼区东街12号" in page and "台江区南街5号" not in page and "200002" not in page

    def test_other_precincts_property_and_people_stay_hidden(self, ui, shared):
        """GL01's officer cannot open, edit or print the GL02 property, nor find the tenant declared there."""
        texted(ui, shared, f"登记 李四 {ID_1} 301 @200002", LANDLORD)
        as_officer(ui, "a")
        assert ui.get("/landlords/property/200002/notice").status_code == 404
        assert ui.post("/landlords/property/200002/edit", data={"address": "x"}).status_code == 404
        with shared.sessions() as session:
            person_id = session.scalar(select(Declaration.person_id))
        assert f"/people/{person_id}" not in ui.post("/people", data={"q": "李四"}).get_data(as_text=True)
        assert ui.get(f"/people/{person_id}").status_code == 404
        as_officer(ui, "b")
        assert f"/people/{person_id}" in ui.post("/people", data={"q": "李四"}).get_data(as_text=True)

    def test_search_does_not_match_addresses_in_another_precinct(self, ui, shared):
        """A GL01 tenant who used to live at the GL02 property is not found by that address or code in GL01."""
        texted(ui, shared, f"登记 李四 {ID_1} 301 @200002", LANDLORD)
        texted(ui, shared, f"登记 李四 {ID_1} 302 @100001", LANDLORD)  # moves to GL01
        with shared.sessions() as session:
            person_id = session.scalar(select(Declaration.person_id))
        as_officer(ui, "a")
        assert f"/people/{person_id}" in ui.post("/people", data={"q": "东街12号"}).get_data(as_text=True)
        for query in ("南街5号", "200002"):
            assert f"/people/{person_id}" not in ui.post("/people", data={"q": query}).get_data(as_text=True)
        as_officer(ui, "b")
        assert f"/people/{person_id}" in ui.post("/people", data={"q": "南街5号"}).get_data(as_text=True)

    def test_officer_cannot_rename_a_shared_landlord(self, ui, shared):
        """Renaming a landlord with properties in two precincts is refused to either precinct's officer."""
        ident = landlord_id(shared, LANDLORD)
        for user in ("a", "b"):
            as_officer(ui, user)
            page = ui.get(f"/landlords/{ident}").get_data(as_text=True)
            assert 'name="name"' not in page and 'id="landlord-shared"' in page
            response = ui.post(f"/landlords/{ident}", data={"name": "冒名"}, headers=BROWSER)
            assert response.status_code == 403 and "须由主管操作" in response.get_data(as_text=True)
        assert row(shared, Landlord, ident).name == "陈房东"

    def test_supervisor_renames_a_shared_landlord(self, ui, shared):
        """A supervisor may rename it."""
        ident = landlord_id(shared, LANDLORD)
        as_officer(ui, "chief")
        ui.post(f"/landlords/{ident}", data={"name": "陈先生"})
        assert row(shared, Landlord, ident).name == "陈先生"

    def test_officer_cannot_attach_a_property_to_a_shared_landlord(self, ui, shared):
        """Adding a property to a landlord shared with GL02 is refused to GL01's officer, in English too."""
        as_officer(ui, "a")
        ui.post("/lang/en", data={"next": "/landlords"})
        response = ui.post("/landlords/new", data={"phone": LANDLORD, "name": "陈房东", "property_code": "100009",
                                                   "address": "鼓楼区北街1号"})
        assert response.status_code == 403
        assert "a supervisor must change the landlord" in response.get_data(as_text=True)
        with shared.sessions() as session:
            assert session.scalar(select(Property).where(Property.code == "100009")) is None


class TestAttachAndRenameAcrossPrecincts:
    def test_officer_cannot_attach_a_property_to_another_precincts_landlord(self, ui, people):
        """GL02's officer typing a GL01 landlord's phone cannot give them a GL02 property (and so see them)."""
        as_officer(ui, "b")
        response = ui.post("/landlords/new", data={"phone": LANDLORD, "name": "陈房东", "property_code": "200009",
                                                   "address": "台江区中路2号"})
        assert response.status_code == 403
        with people.sessions() as session:
            assert session.scalar(select(Property).where(Property.code == "200009")) is None
        assert ui.get(f"/landlords/{landlord_id(people, LANDLORD)}").status_code == 404

    def test_officer_renaming_another_precincts_landlord_gets_404(self, ui, people):
        """A GL01 landlord's page does not exist for GL02's officer, and their name stays."""
        ident = landlord_id(people, LANDLORD)
        as_officer(ui, "b")
        assert ui.post(f"/landlords/{ident}", data={"name": "冒名"}).status_code == 404
        assert row(people, Landlord, ident).name == "陈房东"

    def test_officer_extends_their_own_landlord(self, ui, people):
        """A landlord whose properties are all in the officer's precinct can get another one there."""
        as_officer(ui, "a")
        response = ui.post("/landlords/new", data={"phone": LANDLORD, "name": "陈房东", "property_code": "100003",
                                                   "address": "鼓楼区北街1号"})
        assert response.status_code == 302
        with people.sessions() as session:
            assert session.scalar(select(Property).where(Property.code == "100003")).landlord.phone == LANDLORD

    def test_supervisor_attaches_across_precincts(self, ui, people):
        """A supervisor may give a GL01 landlord a GL02 property."""
        as_officer(ui, "chief")
        response = ui.post("/landlords/new", data={"phone": LANDLORD, "name": "陈房东", "property_code": "200009",
                                                   "address": "台江区中路2号", "precinct": "GL02"})
        assert response.status_code == 302
        with people.sessions() as session:
            assert session.scalar(select(Property).where(Property.code == "200009")).precinct.code == "GL02"


class TestClaim:
    def test_linking_the_sender_claims_the_original_and_its_copy(self, ui, people):
        """Once GL01 enrols an unknown sender from an item, GL02 no longer sees the item or its reprocessed copy."""
        item = texted(ui, people, f"登记 王五 {ID_1} 302", STRANGER)
        assert sees(ui, "b", item)
        as_officer(ui, "a")
        response = ui.post(f"/review/{item}/link", data={"name": "王房东", "property_code": "300001",
                                                         "address": "鼓楼区南路1号"})
        drain(people)
        copy = int(response.location.rsplit("/", 1)[1])
        gl01 = precinct_of(people, "GL01")
        assert row(people, InboundMessage, item).precinct_id == gl01
        assert row(people, InboundMessage, copy).precinct_id == gl01
        as_officer(ui, "b")
        assert ui.get(f"/review/{item}").status_code == 404
        assert ui.get(f"/review/{copy}").status_code == 404

    def test_enrolling_on_the_landlords_page_claims_open_items_and_copies(self, ui, people):
        """An unknown sender's item and an officer's copy of it leave GL02 when GL01 enrols the number."""
        item = texted(ui, people, "hello", STRANGER)
        other = texted(ui, people, "hello", OTHER_STRANGER)
        as_officer(ui, "b")
        response = ui.post(f"/review/{item}/edit", data={"body": "hello again"})
        drain(people)
        copy = int(response.location.rsplit("/", 1)[1])
        assert row(people, InboundMessage, copy).review_reason == "unknown_sender"
        assert sees(ui, "b", copy)
        as_officer(ui, "a")
        ui.post("/landlords/new", data={"phone": STRANGER, "name": "王房东", "property_code": "300001",
                                        "address": "鼓楼区南路1号"})
        for claimed in (item, copy):
            assert not sees(ui, "b", claimed)
            assert sees(ui, "a", claimed)
        assert sees(ui, "b", other)  # another unknown number's item is still everyone's

    def test_unknown_sender_stays_visible_to_all_until_enrolled(self, ui, people):
        """Before anyone enrols the number, both precincts see the item (someone has to claim it)."""
        item = texted(ui, people, "hello", STRANGER)
        assert sees(ui, "a", item) and sees(ui, "b", item)
        assert row(people, InboundMessage, item).precinct_id is None
