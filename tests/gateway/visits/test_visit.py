"""Door-to-door entry (/visit): officers and assistants declare a person found at an address, through the
dedupe of every channel, only at properties of their precincts; the landlord is told once and is on the
follow-up list; an officer's edit of an SMS stays `sms` and names the officer.

On `people`: officer `a` works GL01 (100001 东街, 100002 西巷), `b` GL02 (200001), `chief` is a supervisor.
"""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from gateway.app import create_app
from gateway.pipeline.policy import today_for
from store import stats
from store.models import Declaration, MediaItem, Officer, OutboundMessage, Person, utcnow
from store.officers import add_officer
from store.stats.month import Month
from tests.constants import ID_A, ID_B, ID_BAD_CHECK, LANDLORD, OTHER_LANDLORD, PASSWORD
from tests.gateway.media.server import picture
from tests.support import audit_actions, drain, login, texted, token

HUKOU = "福建省莆田市荔城区黄石镇"


@pytest.fixture
def visit_app(settings, rt, people, tmp_path):
    """The app on `people` with portraits kept under tmp_path, CSRF on, and an assistant `as1` of GL01."""
    rt.settings = settings = settings.with_(media_url=str(tmp_path / "media"))
    with rt.sessions.begin() as session:
        add_officer(session, "as1", PASSWORD, "GL01", "assistant")
    return create_app(settings, rt=rt, test_config={"TESTING": True})


def logged_in(app, username: str):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def enter(client, **fields):
    data = {"csrf_token": token(client), "property": "100001", "room": "301", "name": "张三",
            "document_type": "ric", "document_number": ID_A, **fields}
    photo = data.pop("photo", None)
    if photo is not None:
        data["portrait"] = (io.BytesIO(photo), "door.jpg", "image/jpeg")
    return client.post("/visit", data=data, content_type="multipart/form-data")


def declarations(rt) -> list[Declaration]:
    with rt.sessions() as session:
        return list(session.scalars(select(Declaration).order_by(Declaration.id)))


def officer_id(rt, username: str) -> int:
    with rt.sessions() as session:
        return session.scalar(select(Officer.id).where(Officer.username == username))


def sms_to(rt, phone: str) -> list[OutboundMessage]:
    with rt.sessions() as session:
        return list(session.scalars(select(OutboundMessage).where(OutboundMessage.to_number == phone)))


class TestEntry:
    def test_the_form_finds_only_the_officers_properties(self, visit_app, people):
        a = logged_in(visit_app, "a")
        page = a.get("/visit?q=东街").get_data(as_text=True)
        assert 'value="100001"' in page and "鼓楼区东街12号" in page
        page = a.get("/visit?q=北路").get_data(as_text=True)  # GL02's 台江区北路8号: never offered
        assert "200001" not in page and "台江区北路8号" not in page

    def test_an_entry_is_an_officer_declaration_with_a_receipt(self, visit_app, people):
        a = logged_in(visit_app, "a")
        response = enter(a)
        page = response.get_data(as_text=True)
        [decl] = declarations(people)
        assert response.status_code == 200 and decl.receipt in page
        assert (decl.channel, decl.status, decl.room, decl.officer_id, decl.found_on_visit) == \
            ("officer", "active", "301", officer_id(people, "a"), True)
        assert decl.move_in == today_for(utcnow()) and decl.declarant_phone is None
        assert ID_A not in page and "3501**********1238" in page
        [notice] = sms_to(people, LANDLORD)
        assert notice.purpose == "visit_notice" and decl.receipt in notice.body and ID_A not in notice.body
        [entry] = audit_actions(people, "visit")
        assert entry.officer.username == "a" and entry.detail["receipt"] == decl.receipt

    def test_a_backlog_date_is_taken(self, visit_app, people):
        enter(logged_in(visit_app, "a"), date="2016-05-04")
        [decl] = declarations(people)
        assert str(decl.move_in) == "2016-05-04" and decl.status == "active"

    def test_a_duplicate_changes_nothing(self, visit_app, people):
        """ATTACK-ish: entering a declared tenant again (another name, a phone) says so and writes nothing."""
        texted(visit_app.test_client(), people, f"登记 张三 {ID_A} 301 @100001", LANDLORD)
        before = len(sms_to(people, LANDLORD))
        [landlords] = declarations(people)
        response = enter(logged_in(visit_app, "a"), name="张叁", phone="13700000000")
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and landlords.receipt in page
        [again] = declarations(people)
        assert (again.id, again.channel, again.found_on_visit, again.officer_id) == (landlords.id, "sms", False, None)
        with people.sessions() as session:
            person = session.get(Person, again.person_id)
            assert (person.name, person.phone) == ("张三", None)
        assert len(sms_to(people, LANDLORD)) == before
        [entry] = audit_actions(people, "visit")
        assert entry.detail["outcome"] == "already_registered"

    def test_a_person_declared_elsewhere_moves_here(self, visit_app, people):
        """The same dedupe as every channel: found living here, the registration elsewhere ends."""
        texted(visit_app.test_client(), people, f"登记 张三 {ID_A} 301 @100001", LANDLORD)
        enter(logged_in(visit_app, "a"), property="100002")
        old, new = declarations(people)
        assert (old.status, new.status, new.channel) == ("superseded", "active", "officer")

    def test_bad_fields_show_the_form_again(self, visit_app, people):
        response = enter(logged_in(visit_app, "a"), document_number=ID_BAD_CHECK, room="")
        assert response.status_code == 422 and declarations(people) == []
        page = response.get_data(as_text=True)
        assert 'role="alert"' in page and ID_BAD_CHECK not in page


class TestNoDocument:
    def test_name_hukou_and_photo(self, visit_app, people):
        a = logged_in(visit_app, "a")
        response = enter(a, document_type="none", document_number="", name="王小明", hukou=HUKOU,
                         photo=picture("JPEG", (640, 480), gps=True))
        assert response.status_code == 200
        [decl] = declarations(people)
        assert (decl.channel, decl.status, decl.hukou_address, decl.found_on_visit) == \
            ("officer", "pending_review", HUKOU, True)
        with people.sessions() as session:
            [item] = session.scalars(select(MediaItem)).all()
        assert (item.person_id, item.declaration_id, item.officer_id) == \
            (decl.person_id, decl.id, officer_id(people, "a"))
        assert a.get(f"/register/{decl.person_id}").status_code == 200
        assert a.get(f"/people/media/{item.id}/thumb").mimetype == "image/jpeg"

    def test_without_photo_or_hukou_nothing_is_stored(self, visit_app, people):
        a = logged_in(visit_app, "a")
        for fields in ({"hukou": HUKOU}, {"photo": picture()}, {"hukou": HUKOU, "photo": b"not an image"}):
            response = enter(a, document_type="none", document_number="", name="王小明", **fields)
            assert response.status_code == 422
        assert declarations(people) == []
        with people.sessions() as session:
            assert session.scalars(select(MediaItem)).all() == []


class TestScope:
    def test_another_stations_property_is_refused(self, visit_app, people):
        """ATTACK: officer `a` of GL01 posts GL02's property code: nothing is declared, nobody is texted."""
        a = logged_in(visit_app, "a")
        response = enter(a, property="200001", room="")
        assert response.status_code == 422 and declarations(people) == []
        assert sms_to(people, OTHER_LANDLORD) == [] and audit_actions(people, "visit") == []
        assert "台江区北路8号" not in response.get_data(as_text=True)

    def test_an_assistant_enters_and_sees_masked_ids_only(self, visit_app, people):
        """ATTACK: an assistant (no reveal grant) enters a person and reads no full number anywhere."""
        assistant = logged_in(visit_app, "as1")
        page = enter(assistant, document_number=ID_B).get_data(as_text=True)
        [decl] = declarations(people)
        assert decl.officer_id == officer_id(people, "as1") and decl.channel == "officer"
        assert ID_B not in page and ID_B not in assistant.get(f"/people/{decl.person_id}").get_data(as_text=True)
        assert assistant.post(f"/people/{decl.person_id}/full-id",
                              data={"csrf_token": token(assistant)}).status_code == 403

    def test_no_login_no_csrf_no_entry(self, visit_app, people):
        anonymous = visit_app.test_client()
        assert anonymous.post("/visit", data={"property": "100001"}).status_code in (302, 400)
        a = logged_in(visit_app, "a")
        assert a.post("/visit", data={"property": "100001", "room": "301", "name": "x",
                                      "document_number": ID_A}).status_code == 400
        assert declarations(people) == []


class TestFiguresAndFollowUps:
    def test_follow_up_lists_the_landlord_found_undeclared(self, visit_app, people):
        enter(logged_in(visit_app, "a"))
        month = Month.of(today_for(utcnow()))
        with people.sessions() as session:
            [line] = stats.follow_up(session, month, tz=people.tz)
        [decl] = declarations(people)
        assert line.phone == LANDLORD and [e.receipt for e in line.undeclared] == [decl.receipt]
        page = logged_in(visit_app, "a").get(f"/stats/follow-up?month={month}").get_data(as_text=True)
        assert "上门走访发现未申报" in page and decl.receipt in page

    def test_an_edited_sms_stays_sms_and_a_visit_counts_as_officer(self, visit_app, people):
        """The fix: an officer correcting a landlord's SMS does not make it the officer's channel, but the
        declaration names the officer; a door-to-door entry is the `officer` column of the month's bulletin."""
        client = visit_app.test_client()
        item = texted(client, people, f"登记 李四 {ID_BAD_CHECK} 301 @100001", LANDLORD)
        a = logged_in(visit_app, "a")
        assert a.post(f"/review/{item}/edit", data={"body": f"登记 李四 {ID_A} 301 @100001",
                                                   "csrf_token": token(a)}).status_code == 302
        drain(people)
        enter(a, property="100002", document_number=ID_B, name="王五")
        edited, visited = declarations(people)
        assert (edited.channel, edited.officer_id, edited.found_on_visit) == ("sms", officer_id(people, "a"), False)
        assert (visited.channel, visited.found_on_visit) == ("officer", True)
        person_page = a.get(f"/people/{edited.person_id}").get_data(as_text=True)
        assert "经办民警 a" in person_page and "走访发现" not in person_page
        assert "走访发现" in a.get(f"/people/{visited.person_id}").get_data(as_text=True)
        month = Month.of(today_for(utcnow()))
        csv_text = logged_in(visit_app, "chief").get(f"/stats/bulletin.csv?month={month}").get_data(as_text=True)
        rows = {r["precinct_code"]: r for r in csv.DictReader(csv_text.lstrip("\ufeff").splitlines())}
        assert [rows["GL01"][f"declarations_{c}"] for c in ("sms", "voice", "officer", "web")] == ["1", "0", "1", "0"]
