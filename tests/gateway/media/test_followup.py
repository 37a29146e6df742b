"""Accepting a person with no document: name + hukou address + portrait, or what is missing is recorded, the
person is on the precinct's 补采 list and the declarant gets one SMS saying what to send; storing what was
missing (the officer's upload, the landlord's `照片 <receipt>`, the address typed) takes them off the list."""
from __future__ import annotations

import io

from sqlalchemy import select

from store.models import Declaration, OutboundMessage
from tests.constants import LANDLORD
from tests.gateway.media.helpers import MEDIA_PATH, declarations, mms
from tests.gateway.media.server import Served, picture
from tests.support import audit_actions, drain, login, sms

HUKOU = "福建省莆田市荔城区"


def followups(rt) -> list[OutboundMessage]:
    with rt.sessions() as session:
        return list(session.scalars(select(OutboundMessage).where(OutboundMessage.purpose == "followup")))


def accept(ui, decl: Declaration, name: str = "王小明", hukou: str = ""):
    return ui.post(f"/review/declaration/{decl.id}/accept",
                   data={"name": name, "hukou": hukou, "inbound_id": decl.inbound_id}, follow_redirects=True)


def listed(ui, person_id: int) -> bool:
    page = ui.get("/register?followup=1").get_data(as_text=True)
    return f'href="/register/{person_id}"' in page


class TestAcceptWithSomethingMissing:
    def test_missing_is_recorded_listed_and_told_once_then_completed(self, ui, people, media_server):
        sms(ui, "登记 王小明 无证 302 @100001", LANDLORD)  # no hukou, no photo
        drain(people)
        [decl] = declarations(people)
        login(ui, "a")
        item = ui.get(f"/review/{decl.inbound_id}").get_data(as_text=True)
        assert 'name="hukou"' in item and "确认后仍缺" in item  # the form asks for the address, says no photo
        page = accept(ui, decl).get_data(as_text=True)
        assert "仍缺户籍地址、照片" in page
        [entry] = audit_actions(people, "accept")
        assert entry.detail["missing"] == ["hukou", "portrait"]
        [notice] = followups(people)
        receipt = declarations(people)[0].receipt
        assert notice.to_number == LANDLORD and "户籍地址" in notice.body and f"照片 {receipt}" in notice.body
        assert listed(ui, decl.person_id)
        assert "补采：缺户籍地址、照片" in ui.get(f"/register/{decl.person_id}").get_data(as_text=True)

        # the address, typed by an officer: the portrait is still missing
        ui.post(f"/register/{decl.person_id}/hukou", data={"hukou": HUKOU})
        assert declarations(people)[0].hukou_address == HUKOU and listed(ui, decl.person_id)
        assert [e.action for e in audit_actions(people, "followup_hukou")] == ["followup_hukou"]

        # the landlord's `照片 <receipt>` with the photo: off the list, and no second notice
        media_server.routes[MEDIA_PATH + "9"] = Served(body=picture())
        mms(ui, f"照片 {receipt}", LANDLORD, [(media_server.url(MEDIA_PATH + "9"), "image/jpeg")])
        drain(people)
        assert not listed(ui, decl.person_id)
        assert len(followups(people)) == 1

    def test_officer_upload_completes_it(self, ui, people, media_server):
        sms(ui, f"登记 王小明 无证 302 @100001 户籍{HUKOU}", LANDLORD)
        drain(people)
        [decl] = declarations(people)
        login(ui, "a")
        accept(ui, decl)
        [notice] = followups(people)
        assert "照片" in notice.body and "户籍地址" not in notice.body
        assert listed(ui, decl.person_id)
        ui.post(f"/people/{decl.person_id}/portrait", content_type="multipart/form-data",
                data={"portrait": (io.BytesIO(picture()), "p.jpg", "image/jpeg")})
        assert not listed(ui, decl.person_id)

    def test_the_api_portrait_completes_it(self, ui, people, media_server):
        """The landlord answers the SMS from /my (POST /api/v1/declarations/{receipt}/portrait)."""
        from tests.gateway.api.helpers import log_in

        sms(ui, f"登记 王小明 无证 302 @100001 户籍{HUKOU}", LANDLORD)
        drain(people)
        [decl] = declarations(people)
        login(ui, "a")
        accept(ui, decl)
        assert listed(ui, decl.person_id)
        headers = log_in(ui, people, LANDLORD)
        receipt = declarations(people)[0].receipt
        response = ui.post(f"/api/v1/declarations/{receipt}/portrait", headers=headers, data=picture("PNG"),
                           content_type="image/png")
        assert response.status_code == 200
        assert not listed(ui, decl.person_id)

    def test_complete_accept_sends_nothing_and_lists_nobody(self, ui, people, media_server):
        """Name, the hukou typed at the accept (prefilled from the declaration, here corrected) and the MMS photo."""
        media_server.routes[MEDIA_PATH + "1"] = Served(body=picture())
        mms(ui, "登记 王小明 无证 302 @100001", LANDLORD, [(media_server.url(MEDIA_PATH + "1"), "image/jpeg")])
        drain(people)
        [decl] = declarations(people)
        login(ui, "a")
        accept(ui, decl, hukou=HUKOU)
        assert declarations(people)[0].status == "active" and declarations(people)[0].hukou_address == HUKOU
        assert followups(people) == [] and "missing" not in (audit_actions(people, "accept")[0].detail or {})
        assert not listed(ui, decl.person_id)

    def test_the_list_is_the_precincts_own(self, ui, people, media_server):
        """ATTACK: an officer of GL02 neither sees GL01's 补采 list nor can type an address into it."""
        sms(ui, "登记 王小明 无证 302 @100001", LANDLORD)
        drain(people)
        [decl] = declarations(people)
        login(ui, "a")
        accept(ui, decl)
        ui.post("/logout")
        login(ui, "b")
        assert not listed(ui, decl.person_id)
        assert ui.post(f"/register/{decl.person_id}/hukou", data={"hukou": "x"}).status_code == 404
        assert declarations(people)[0].hukou_address is None

    def test_the_notice_goes_to_the_agent_who_declared(self, ui, people, media_server):
        agent = "+8613700001234"
        sms(ui, f"授权 {agent[3:]}", LANDLORD)
        drain(people)
        sms(ui, "登记 王小明 无证 302 @100001", agent)
        drain(people)
        [decl] = declarations(people)
        assert decl.declarant_phone == agent
        login(ui, "a")
        accept(ui, decl)
        assert [n.to_number for n in followups(people)] == [agent]


class TestNoticeText:
    def test_says_what_is_missing_and_how_in_both_languages(self):
        from parsers.notices import render_followup

        zh = render_followup(name="王小明", receipt="04073300", missing=("hukou", "portrait"), language="zh")
        assert "户籍地址、本人照片" in zh and "照片 04073300" in zh
        en = render_followup(name="Wang", receipt="04073300", missing=("portrait",), language="en")
        assert "a photo of the person" in en and "PHOTO 04073300" in en and "household" not in en

    def test_an_id_typed_as_the_name_is_masked(self):
        from parsers.notices import render_followup

        text = render_followup(name="王 350102199001011238", receipt="04073300", missing=("hukou",), language="zh")
        assert "350102199001011238" not in text
