"""A portrait through the API (what /my sends after a no-document move-in): checked, stripped and stored like
an MMS image, and only for a receipt the token may reach."""
from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from gateway.media.portraits import store_of
from store import media
from store.models import Declaration, MediaItem
from tests.constants import LANDLORD, OTHER_LANDLORD
from tests.gateway.api.helpers import log_in, result_of
from tests.gateway.media.server import picture


def declare_without_document(client, rt, headers) -> str:
    response = client.post("/api/v1/declarations", headers=headers,
                           json={"name": "王小明", "document_type": "none", "hukou_address": "福建省莆田市",
                                 "room": "302", "property": "100001"})
    status = result_of(client, rt, response, headers)
    [outcome] = status["result"]["outcomes"]
    assert outcome["status"] == "pending_review" and "missing_portrait" in outcome["codes"]
    return outcome["receipt"]


def portrait_of_receipt(rt, receipt: str) -> MediaItem | None:
    with rt.sessions() as session:
        person_id = session.scalar(select(Declaration.person_id).where(Declaration.receipt == receipt))
        return media.portrait_of(session, person_id)


class TestPortraitUpload:
    def test_a_multipart_photo_becomes_the_portrait_without_its_metadata(self, client, rt, people):
        headers = log_in(client, rt, LANDLORD)
        receipt = declare_without_document(client, rt, headers)
        response = client.post(f"/api/v1/declarations/{receipt}/portrait", headers=headers,
                               data={"portrait": (io.BytesIO(picture(gps=True)), "me.jpg", "image/jpeg")},
                               content_type="multipart/form-data")
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.get_json() == {"receipt": receipt, "portrait": "stored"}
        item = portrait_of_receipt(rt, receipt)
        assert item is not None
        raw = store_of(rt.settings).get(item.key)
        assert b"SecretCam" not in raw and b"GPS" not in raw
        assert Image.open(io.BytesIO(raw)).format == "JPEG"

    def test_the_image_as_the_body_works_too(self, client, rt, people):
        headers = log_in(client, rt, LANDLORD)
        receipt = declare_without_document(client, rt, headers)
        response = client.post(f"/api/v1/declarations/{receipt}/portrait", headers=headers,
                               data=picture("PNG"), content_type="image/png")
        assert response.status_code == 200 and portrait_of_receipt(rt, receipt) is not None

    def test_not_an_image_or_nothing_is_a_422_with_the_sms_codes(self, client, rt, people):
        headers = log_in(client, rt, LANDLORD)
        receipt = declare_without_document(client, rt, headers)
        garbage = client.post(f"/api/v1/declarations/{receipt}/portrait", headers=headers,
                              data=b"GIF89a not really", content_type="image/jpeg")
        assert garbage.status_code == 422 and garbage.get_json()["codes"][0]["code"] == "bad_media"
        empty = client.post(f"/api/v1/declarations/{receipt}/portrait", headers=headers, json={})
        assert empty.status_code == 422 and empty.get_json()["codes"][0]["code"] == "missing_media"
        assert portrait_of_receipt(rt, receipt) is None

    def test_another_landlords_receipt_is_not_found(self, client, rt, people):
        """The attack: a logged-in landlord sets the portrait of someone at another landlord's property."""
        owner = log_in(client, rt, LANDLORD)
        receipt = declare_without_document(client, rt, owner)
        stranger = log_in(client, rt, OTHER_LANDLORD)
        response = client.post(f"/api/v1/declarations/{receipt}/portrait", headers=stranger,
                               data=picture(), content_type="image/jpeg")
        assert response.status_code == 404 and portrait_of_receipt(rt, receipt) is None

    def test_no_token_no_upload_and_no_large_body_read(self, client, rt, people):
        """Without a token the body is never read: a stranger cannot make the app take megabytes."""
        response = client.post("/api/v1/declarations/12345671/portrait", data=b"x" * (6 * 1024 * 1024),
                               content_type="image/jpeg")
        assert response.status_code == 401

    def test_an_oversized_image_is_refused(self, client, rt, people):
        headers = log_in(client, rt, LANDLORD)
        receipt = declare_without_document(client, rt, headers)
        response = client.post(f"/api/v1/declarations/{receipt}/portrait", headers=headers,
                               data=b"\xff\xd8" + b"0" * (5 * 1024 * 1024 + 10), content_type="image/jpeg")
        assert response.status_code in (413, 422)
        assert portrait_of_receipt(rt, receipt) is None
