"""A person with no document, from the landlord's MMS to one record in the register: declared by SMS with a photo,
declared again by a voice call, offered as a duplicate and merged by an officer. Real signed webhooks, the real
worker, the officer's pages."""
from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

import pytest

from gateway.app import create_app
from store.models import Declaration, MediaItem, OutboundMessage
from store.officers import add_officer
from tests.constants import LANDLORD, PASSWORD, TENANT
from tests.gateway.media.helpers import MEDIA_PATH, mms
from tests.gateway.media.server import Served, picture
from tests.support import PhoneCall, drain, login, reply_to

TEXT = "登记 王小明 无证 302 户籍福建省莆田市荔城区"
HUKOU = "福建省莆田市荔城区"


@pytest.fixture
def ui(settings, enrolled):
    """The landlord of `enrolled` (one property, 100001 in GL01, so the SMS names none) and officer `a` of GL01."""
    with enrolled.sessions.begin() as session:
        add_officer(session, "a", PASSWORD, "GL01")
    app = create_app(settings, rt=enrolled, test_config={"TESTING": True, "WTF_CSRF_ENABLED": False})
    return app.test_client()


def html(ui, path: str) -> str:
    response = ui.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def voice_declaration(client) -> None:
    """The tenant calls: menu 0 (no document), name and household address said and recorded, 100001 room 302."""
    call = PhoneCall(client, TENANT)
    call.start()
    call.press("1")
    call.press("0")
    call.speak("王晓明", 0.5)  # the recogniser's draft is not the name: the officer types it from the recording
    call.record("https://api.twilio.com/recordings/RENAME")
    call.speak("福建省莆田市荔城区", 0.6)
    call.record("https://api.twilio.com/recordings/READDR")
    call.press("100001#")
    call.press("1")
    call.press("302#")
    call.press("1")


def test_mms_declaration_then_a_voice_duplicate_merged_by_an_officer(ui, enrolled, media_server):
    # 1. The landlord's MMS: the text and a GPS-tagged photo.
    media_server.routes[MEDIA_PATH + "1"] = Served(body=picture("JPEG", (1200, 900), gps=True))
    sent = mms(ui, TEXT, LANDLORD, [(media_server.url(MEDIA_PATH + "1"), "image/jpeg")])
    drain(enrolled)
    with enrolled.sessions() as session:
        [decl] = session.scalars(select(Declaration)).all()
        texted = (decl.id, decl.person_id, decl.inbound_id, decl.receipt)
        assert (decl.person.name, decl.hukou_address, decl.person.document_type) == ("王小明", HUKOU, "none")
        [photo] = session.scalars(select(MediaItem).where(MediaItem.person_id == decl.person_id)).all()
        assert photo.status == "stored" and photo.declaration_id == decl.id
    decl_id, person_id, inbound_id, receipt = texted
    assert receipt in reply_to(enrolled, sent.sid)[0]

    # 2. An officer sees the photo on the item and in the register, stripped of its metadata, and accepts:
    #    name, hukou and portrait are all there, so nobody is asked for anything.
    login(ui, "a")
    thumb = f"/people/media/{photo.id}/thumb"
    assert thumb in html(ui, f"/review/{inbound_id}") and thumb in html(ui, "/register")
    assert thumb in html(ui, f"/register/{person_id}")
    full = Image.open(io.BytesIO(ui.post(f"/people/media/{photo.id}").data))
    assert full.format == "JPEG" and not full.getexif() and "exif" not in full.info
    ui.post(f"/review/declaration/{decl_id}/accept", data={"name": "王小明", "hukou": HUKOU, "inbound_id": inbound_id})
    with enrolled.sessions() as session:
        assert session.get(Declaration, decl_id).status == "active"
        assert session.scalars(select(OutboundMessage).where(OutboundMessage.purpose == "followup")).all() == []

    # 3. The tenant declares themself by voice: a second record, which the officer accepts from the recordings.
    voice_declaration(ui)
    drain(enrolled)
    with enrolled.sessions() as session:
        voiced = session.scalars(select(Declaration).where(Declaration.id != decl_id)).one()
        voice_id, voice_person, voice_inbound = voiced.id, voiced.person_id, voiced.inbound_id
        assert voiced.channel == "voice" and voice_person != person_id
    ui.post(f"/review/declaration/{voice_id}/accept",
            data={"name": "王小明", "hukou": HUKOU, "inbound_id": voice_inbound})

    # 4. The register offers the voice record as a duplicate of the texted one; the officer merges it.
    page = html(ui, f"/register/{person_id}")
    assert f'name="merged" value="{voice_person}"' in page
    ui.post(f"/register/{person_id}/merge", data={"merged": str(voice_person)})
    with enrolled.sessions() as session:
        decls = {d.id: d for d in session.scalars(select(Declaration))}
        assert {d.person_id for d in decls.values()} == {person_id}
        assert decls[decl_id].status == "active" and decls[voice_id].status == "cancelled"  # one stay, not two
    assert ui.get(f"/register/{voice_person}").headers["Location"].endswith(f"/register/{person_id}")
    register = html(ui, "/register")
    assert register.count('href="/register/') == 2 * 1  # one person (name and "open" link), photo kept
    assert thumb in register
