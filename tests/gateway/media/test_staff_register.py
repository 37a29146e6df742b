"""An employer's lodger declared without a document, end to end: `用工 … 无证` through the signed webhook, the
officer's accept in the review queue, the person on the no-document register and the precinct's 补采 list (with
the employer, the site and the room), the hukou address typed and the portrait uploaded, and off the list.
Another station's officer sees none of it and can do nothing to them."""
from __future__ import annotations

import io

from sqlalchemy import select

from store.models import InboundMessage, MediaItem, OutboundMessage, Person, StaffDeclaration
from tests.constants import LANDLORD, PASSWORD
from tests.gateway.employers.conftest import EMPLOYER, employer  # noqa: F401
from tests.gateway.media.helpers import MEDIA_PATH, mms
from tests.gateway.media.server import Served, picture
from tests.gateway.media.test_staff_no_document import accept, waiting
from tests.support import audit_actions, drain, login, row, sms, token

HUKOU = "福建省莆田市荔城区黄石镇"


def page(client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return response.get_data(as_text=True)


def on_followup_list(client, person_id: int) -> bool:
    return f'href="/register/{person_id}"' in page(client, "/register?followup=1")


def hired_and_accepted(client, rt) -> StaffDeclaration:
    """The employer texts a lodger with no document, no hukou and no photo; officer `a` accepts them."""
    sent = sms(client, "用工 王小明 无证 宿舍 @宿舍楼 101", EMPLOYER)
    drain(rt)
    login(client, "a", PASSWORD)
    assert accept(client, rt, sent.sid).status_code == 302
    decl = waiting(rt)
    assert (decl.status, decl.lodger, decl.room, decl.hukou_address) == ("active", True, "101", None)
    return decl


def test_the_lodger_is_collected_from_and_leaves_the_list(client, employer, media_server):  # noqa: F811
    decl = hired_and_accepted(client, employer)
    person = decl.person_id
    assert on_followup_list(client, person)
    listing = page(client, "/register?followup=1")
    assert "王小明" in listing and "闽江建设" in listing and "鼓楼区工业路3号 101" in listing
    assert "补采：缺户籍地址、照片" in listing and "留宿" in listing
    detail = page(client, f"/register/{person}")
    assert "闽江建设" in detail and "鼓楼区工业路3号 101" in detail and decl.receipt in detail
    assert "待核实" in detail and 'name="hukou"' in detail
    assert "闽江建设" in page(client, f"/people/{person}")  # the person's page lists the job, where to upload

    # the address, typed by the officer: on the staff declaration, and still listed for the portrait
    response = client.post(f"/register/{person}/hukou", data={"hukou": HUKOU, "csrf_token": token(client)})
    assert response.status_code == 302
    assert row(employer, StaffDeclaration, decl.id).hukou_address == HUKOU
    assert on_followup_list(client, person)
    assert "补采：缺照片" in page(client, f"/register/{person}")

    # the officer's photo, on the person's page: off the list, still in the register
    response = client.post(f"/people/{person}/portrait", content_type="multipart/form-data",
                           data={"portrait": (io.BytesIO(picture()), "p.jpg", "image/jpeg"),
                                 "csrf_token": token(client)})
    assert response.status_code == 302
    assert not on_followup_list(client, person)
    assert f'href="/register/{person}"' in page(client, "/register")
    with employer.sessions() as session:
        media_id = session.scalar(select(MediaItem.id).where(MediaItem.person_id == person))
    assert client.get(f"/people/media/{media_id}/thumb").status_code == 200
    assert [e.target for e in audit_actions(employer, "followup_hukou")] == [f"person:{person}"]

    # verified at the door
    assert client.post(f"/register/{person}/verify", data={"csrf_token": token(client)}).status_code == 302
    assert row(employer, Person, person).register_state == "verified"


def test_another_stations_officer_can_neither_see_nor_act_on_them(client, employer, media_server):  # noqa: F811
    """ATTACK: officer `b` (GL02) on 闽江建设's (GL01) lodger: not listed, every page and action 404."""
    decl = hired_and_accepted(client, employer)
    person = decl.person_id
    client.post(f"/people/{person}/portrait", content_type="multipart/form-data",
                data={"portrait": (io.BytesIO(picture()), "p.jpg", "image/jpeg"), "csrf_token": token(client)})
    with employer.sessions() as session:
        media_id = session.scalar(select(MediaItem.id).where(MediaItem.person_id == person))
    client.post("/logout", data={"csrf_token": token(client)})
    login(client, "b", PASSWORD)
    assert f'href="/register/{person}"' not in page(client, "/register")
    assert not on_followup_list(client, person)
    page(client, f"/register/{person}", 404)
    page(client, f"/people/{person}", 404)
    assert client.get(f"/people/media/{media_id}/thumb").status_code == 404
    for action, data in (("verify", {}), ("hukou", {"hukou": "x"}),
                         ("document", {"document_type": "ric", "document_number": "350102199001011238"})):
        response = client.post(f"/register/{person}/{action}", data={**data, "csrf_token": token(client)})
        assert response.status_code == 404, action
    response = client.post(f"/people/{person}/portrait", content_type="multipart/form-data",
                           data={"portrait": (io.BytesIO(picture()), "q.jpg", "image/jpeg"),
                                 "csrf_token": token(client)})
    assert response.status_code == 404
    found = row(employer, Person, person)
    assert (found.register_state, found.document_type) == (None, "none")
    assert row(employer, StaffDeclaration, decl.id).hukou_address is None


def portraits_of(rt, person_id: int) -> list[int]:
    with rt.sessions() as session:
        return list(session.scalars(select(MediaItem.id).where(MediaItem.person_id == person_id)))


def test_the_employers_photo_sms_does_what_the_followup_asks(client, employer, media_server):  # noqa: F811
    """The 补采 SMS tells the employer to send `照片 <receipt>` with the photo; that MMS is the portrait, and the
    lodger leaves the list once the hukou address is there too. Before, an employer's 照片 was refused as a
    landlord's command (wrong_declarant_kind)."""
    decl = hired_and_accepted(client, employer)
    person = decl.person_id
    with employer.sessions() as session:
        [notice] = session.scalars(select(OutboundMessage).where(OutboundMessage.purpose == "followup")).all()
    assert notice.to_number == EMPLOYER and f"照片 {decl.receipt}" in notice.body

    media_server.routes[MEDIA_PATH + "7"] = Served(body=picture())
    sent = mms(client, f"照片 {decl.receipt}", EMPLOYER, [(media_server.url(MEDIA_PATH + "7"), "image/jpeg")])
    drain(employer)
    assert len(portraits_of(employer, person)) == 1
    assert decl.receipt in " ".join(reply_to_all(employer, sent.sid))
    assert "补采：缺户籍地址" in page(client, f"/register/{person}") and on_followup_list(client, person)
    client.post(f"/register/{person}/hukou", data={"hukou": HUKOU, "csrf_token": token(client)})
    assert not on_followup_list(client, person)


def test_a_staff_receipt_is_no_one_elses_to_photograph(client, employer, media_server):  # noqa: F811
    """ATTACK: a landlord texts `照片 <receipt>` of an employer's lodger with someone's photo: refused as an unknown
    receipt, and the lodger gets no portrait."""
    decl = hired_and_accepted(client, employer)
    media_server.routes[MEDIA_PATH + "8"] = Served(body=picture())
    sent = mms(client, f"照片 {decl.receipt}", LANDLORD, [(media_server.url(MEDIA_PATH + "8"), "image/jpeg")])
    drain(employer)
    assert portraits_of(employer, decl.person_id) == []
    with employer.sessions() as session:
        item = session.scalar(select(InboundMessage).where(InboundMessage.provider_sid == sent.sid))
        assert "unknown_receipt" in (item.codes or [])


def reply_to_all(rt, sid: str) -> list[str]:
    with rt.sessions() as session:
        inbound_id = session.scalar(select(InboundMessage.id).where(InboundMessage.provider_sid == sid))
        return list(session.scalars(select(OutboundMessage.body).where(OutboundMessage.in_reply_to == inbound_id)))
