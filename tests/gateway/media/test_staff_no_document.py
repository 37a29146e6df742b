"""An employer's staff member with no ID document (§8.3, §9.1): `用工` with name, hukou address and an MMS portrait
waits for an officer, who accepts it in the review queue as a tenant's; with something missing, the person is
accepted even so and the employer's contact is asked for it (补采). Another station's officer cannot accept it."""
from __future__ import annotations

from sqlalchemy import select

from store.models import AuditEntry, InboundMessage, MediaItem, OutboundMessage, StaffDeclaration
from tests.constants import PASSWORD
from tests.gateway.employers.conftest import EMPLOYER, employer  # noqa: F401
from tests.gateway.media.helpers import MEDIA_PATH, mms
from tests.gateway.media.server import Served, picture
from tests.support import drain, inbound, login, sms, token

HUKOU = "户籍福建省莆田市荔城区"


def waiting(rt) -> StaffDeclaration:
    with rt.sessions() as session:
        [decl] = session.scalars(select(StaffDeclaration)).all()
        decl.person  # noqa: B018  (loaded for the caller)
        return decl


def accept(client, rt, sid: str, name: str = "王小明", hukou: str = ""):
    item = inbound(rt, sid)
    page = client.get(f"/review/{item.id}").get_data(as_text=True)
    decl = waiting(rt)
    assert f'action="/review/staff/{decl.id}/accept' in page and decl.receipt in page
    return client.post(f"/review/staff/{decl.id}/accept", data={"name": name, "hukou": hukou, "inbound_id": item.id,
                                                                "csrf_token": token(client)})


def test_with_hukou_and_portrait_the_officer_accepts_it_and_nothing_is_missing(  # noqa: F811
        client, employer, media_server):
    media_server.routes[MEDIA_PATH + "1"] = Served(body=picture())
    sent = mms(client, f"用工 王小明 无证 宿舍 @宿舍楼 {HUKOU}", EMPLOYER,
               [(media_server.url(MEDIA_PATH + "1"), "image/jpeg")])
    drain(employer)
    decl = waiting(employer)
    assert (decl.status, decl.lodger, decl.hukou_address, decl.person.document_type) == (
        "pending_review", True, "福建省莆田市荔城区", "none")
    with employer.sessions() as session:
        [image] = session.scalars(select(MediaItem)).all()
        assert (image.status, image.person_id) == ("stored", decl.person_id)
    assert inbound(employer, sent.sid).review_state == "open"
    login(client, "a", PASSWORD)
    assert accept(client, employer, sent.sid).status_code == 302
    assert waiting(employer).status == "active"
    assert inbound(employer, sent.sid).review_state == "resolved"
    with employer.sessions() as session:
        detail = session.scalar(select(AuditEntry.detail).where(AuditEntry.action == "accept"))
        assert "missing" not in detail and detail["staff"] == decl.id
        assert session.scalar(select(OutboundMessage.id).where(OutboundMessage.purpose == "followup")) is None


def test_without_a_portrait_it_is_accepted_and_the_employer_is_asked_for_one(client, employer):  # noqa: F811
    sent = sms(client, f"用工 王小明 无证 @工地 {HUKOU}", EMPLOYER)
    drain(employer)
    login(client, "a", PASSWORD)
    response = accept(client, employer, sent.sid, name="王晓明")
    assert response.status_code == 302
    decl = waiting(employer)
    assert (decl.status, decl.person.name) == ("active", "王晓明")
    with employer.sessions() as session:
        detail = session.scalar(select(AuditEntry.detail).where(AuditEntry.action == "accept"))
        assert detail["missing"] == ["portrait"]
        to, body = session.execute(select(OutboundMessage.to_number, OutboundMessage.body)
                                   .where(OutboundMessage.purpose == "followup")).one()
    assert to == EMPLOYER and decl.receipt in body


def test_another_stations_officer_cannot_accept_it_and_a_rejected_item_cancels_it(client, employer):  # noqa: F811
    sent = sms(client, f"用工 王小明 无证 @工地 {HUKOU}", EMPLOYER)
    drain(employer)
    decl = waiting(employer)
    login(client, "b", PASSWORD)  # GL02: the employer is GL01's
    item = inbound(employer, sent.sid)
    response = client.post(f"/review/staff/{decl.id}/accept", data={"name": "x", "inbound_id": item.id,
                                                                     "csrf_token": token(client)})
    assert response.status_code == 404
    assert waiting(employer).status == "pending_review"
    client.post("/logout", data={"csrf_token": token(client)})
    login(client, "a", PASSWORD)
    client.post(f"/review/{item.id}/reject", data={"reason": "不实", "csrf_token": token(client)})
    assert waiting(employer).status == "cancelled"
    with employer.sessions() as session:
        assert session.scalar(select(InboundMessage.review_state).where(InboundMessage.id == item.id)) == "rejected"
