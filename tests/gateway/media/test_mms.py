"""MMS portraits end to end: signed webhook → stored with its media URLs → the worker downloads from the allowed
host only, checks, strips and stores → portrait of the no-document person → Twilio's copy deleted."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from gateway.media import fetch
from gateway.media.portraits import fetch_pending
from gateway.pipeline import intake
from store.models import InboundMessage, MediaItem
from tests.constants import LANDLORD, OTHER_LANDLORD, STRANGER
from tests.gateway.media.helpers import MEDIA_PATH, declarations, media_of, mms, stored_image
from tests.gateway.media.server import Served, picture
from tests.support import drain, inbound, reply_to, sms
from tests.twilio_fake import ACCOUNT_SID


def basic_auth(token: str) -> str:
    import base64

    return "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{token}".encode()).decode()


class TestMoveInWithPortrait:
    def test_portrait_is_stored_stripped_with_thumbnail_and_deleted_at_twilio(self, client, enrolled, media_server,
                                                                            settings):
        """The acceptance path: an MMS declaring a person without a document, with a GPS-tagged JPEG."""
        media_server.routes[MEDIA_PATH + "1"] = Served(body=picture("JPEG", (2000, 1500), gps=True))
        response = mms(client, "登记 王小明 无证 302", LANDLORD, [(media_server.url(MEDIA_PATH + "1"), "image/jpeg")])
        assert response.status_code == 200
        assert media_server.seen == []  # nothing is downloaded in the request
        stored = inbound(enrolled, response.sid)
        assert stored.media_state == "pending"
        assert stored.payload == {"media": [{"url": media_server.url(MEDIA_PATH + "1"), "content_type": "image/jpeg"}]}
        drain(enrolled)
        [item] = media_of(enrolled, response.sid)
        [decl] = declarations(enrolled)
        assert item.status == "stored" and item.person_id == decl.person_id and item.declaration_id == decl.id
        full, thumb = stored_image(enrolled, item), stored_image(enrolled, item, thumb=True)
        assert full.format == "JPEG" and not full.getexif() and "exif" not in full.info
        assert max(thumb.size) <= 160 and not thumb.getexif()
        raw = (enrolled.settings.media_url and open(next(__import__("pathlib").Path(enrolled.settings.media_url)
                                                        .rglob("*.jpg")), "rb").read())
        assert b"SecretCam" not in raw and b"GPS" not in raw
        [get] = media_server.requests_for(MEDIA_PATH + "1")
        assert get[2] == basic_auth(settings.twilio_auth_token)  # the account's credentials, HTTP basic
        assert len(media_server.requests_for(MEDIA_PATH + "1", "DELETE")) == 1
        [reply] = reply_to(enrolled, response.sid)
        assert decl.receipt in reply
        assert inbound(enrolled, response.sid).media_state == "fetched"

    @pytest.mark.parametrize("fmt,kind", [("PNG", "image/png"), ("WEBP", "image/webp")])
    def test_png_and_webp_are_accepted_and_stored_as_jpeg(self, client, enrolled, media_server, fmt, kind):
        media_server.routes[MEDIA_PATH + "2"] = Served(body=picture(fmt), content_type=kind)
        response = mms(client, "登记 王小明 无证 302", LANDLORD, [(media_server.url(MEDIA_PATH + "2"), kind)])
        drain(enrolled)
        [item] = media_of(enrolled, response.sid)
        assert item.status == "stored" and stored_image(enrolled, item).format == "JPEG"

    def test_images_go_to_no_document_records_in_order_and_extras_stay_on_the_message(
            self, client, enrolled, media_server, monkeypatch):
        for n in range(3):
            media_server.routes[f"{MEDIA_PATH}{n}"] = Served(body=picture())
        urls = [(media_server.url(f"{MEDIA_PATH}{n}"), "image/jpeg") for n in range(3)]
        response = mms(client, "登记 王小明 无证 302 户籍福建省莆田市; 李四 无证 303 户籍福建省福州市", LANDLORD, urls)
        drain(enrolled)
        first, second = declarations(enrolled)
        items = media_of(enrolled, response.sid)
        assert [i.person_id for i in items] == [first.person_id, second.person_id, None]
        assert all(i.status == "stored" for i in items)
        [reply] = reply_to(enrolled, response.sid)
        assert "missing_portrait" not in (inbound(enrolled, response.sid).codes or [])

    def test_hukou_without_portrait_warns_missing_portrait(self, client, enrolled, monkeypatch):
        response = sms(client, "登记 王小明 无证 302 户籍福建省莆田市", LANDLORD)
        drain(enrolled)
        [decl] = declarations(enrolled)
        row = inbound(enrolled, response.sid)
        assert "missing_portrait" in row.codes and row.review_state == "open"
        [reply] = reply_to(enrolled, response.sid)
        assert decl.receipt in reply


class TestRefused:
    def test_host_not_allowed_is_never_fetched(self, client, enrolled, media_server, other_server, caplog):
        """ATTACK: a media URL on another host (an internal service, say) is refused and logged, not fetched."""
        other_server.routes[MEDIA_PATH + "1"] = Served(body=picture())
        response = mms(client, "登记 王小明 无证 302", LANDLORD, [(other_server.url(MEDIA_PATH + "1"), "image/jpeg")])
        drain(enrolled)
        assert other_server.seen == []
        [item] = media_of(enrolled, response.sid)
        assert item.status == "refused" and item.problem == "host_not_allowed" and item.person_id is None
        assert "refused a media URL" in caplog.text and "MM1" not in caplog.text
        row = inbound(enrolled, response.sid)
        assert "bad_media" in row.codes and row.review_state == "open"

    def test_https_is_required_off_loopback(self):
        with pytest.raises(fetch.MediaRefused):
            fetch.check_url("http://api.twilio.com/x", ("api.twilio.com",))
        fetch.check_url("https://api.twilio.com/x", ("api.twilio.com",))
        with pytest.raises(fetch.MediaRefused):
            fetch.check_url("https://api.twilio.com.evil.example/x", ("api.twilio.com",))
        with pytest.raises(fetch.MediaRefused):
            fetch.check_url("https://user@evil.example/x", ("api.twilio.com",))

    def test_redirect_to_a_host_not_allowed_is_not_followed(self, client, enrolled, media_server, other_server):
        """ATTACK: an allowed host answering with a redirect elsewhere does not make the worker go there."""
        other_server.routes["/stolen"] = Served(body=picture())
        media_server.routes[MEDIA_PATH + "1"] = Served(status=302, location=other_server.url("/stolen"))
        response = mms(client, "登记 王小明 无证 302", LANDLORD, [(media_server.url(MEDIA_PATH + "1"), "image/jpeg")])
        drain(enrolled)
        assert other_server.seen == []
        [item] = media_of(enrolled, response.sid)
        assert item.status == "refused"

    def test_redirect_within_allowed_hosts_is_followed_without_credentials(self, client, enrolled, media_server,
                                                                          cdn_server):
        """Twilio redirects to its CDN: followed when listed, and the auth token never goes to the CDN."""
        cdn_server.routes["/cdn/1"] = Served(body=picture())
        media_server.routes[MEDIA_PATH + "1"] = Served(status=307, location=cdn_server.url("/cdn/1"))
        response = mms(client, "登记 王小明 无证 302", LANDLORD, [(media_server.url(MEDIA_PATH + "1"), "image/jpeg")])
        drain(enrolled)
        [item] = media_of(enrolled, response.sid)
        assert item.status == "stored"
        [(_, _, auth)] = cdn_server.requests_for("/cdn/1")
        assert auth is None

    def test_oversize_is_bad_media_and_reading_stops(self, client, enrolled, media_server):
        media_server.routes[MEDIA_PATH + "1"] = Served(body=b"\xff\xd8" + b"0" * (fetch.MAX_BYTES + 10))
        response = mms(client, "登记 王小明 无证 302", LANDLORD, [(media_server.url(MEDIA_PATH + "1"), "image/jpeg")])
        drain(enrolled)
        [item] = media_of(enrolled, response.sid)
        assert item.status == "bad_media" and item.problem == "too_large"
        assert media_server.requests_for(MEDIA_PATH + "1", "DELETE") == []
        assert "bad_media" in inbound(enrolled, response.sid).codes

    def test_garbage_is_bad_media_and_the_text_is_kept(self, client, enrolled, media_server):
        media_server.routes[MEDIA_PATH + "1"] = Served(body=b"GIF89a not really" * 50)
        response = mms(client, "登记 王小明 无证 302", LANDLORD, [(media_server.url(MEDIA_PATH + "1"), "image/jpeg")])
        drain(enrolled)
        [item] = media_of(enrolled, response.sid)
        assert item.status == "bad_media" and item.problem in ("not_image", "undecodable")
        [decl] = declarations(enrolled)  # the declaration itself still stands, waiting for officers
        assert decl.status == "pending_review"
        row = inbound(enrolled, response.sid)
        assert row.review_state == "open" and "bad_media" in row.codes

    def test_server_error_is_retried_not_bad_media(self, enrolled, media_server):
        """A 5xx is transient: the job raises (RQ retries it) and nothing is recorded yet."""
        media_server.routes[MEDIA_PATH + "1"] = Served(status=503)
        inbound_id, _ = intake.store_sms(enrolled, sid="MMRETRY", from_number=LANDLORD, to_number="",
                                         body="登记 王小明 无证 302",
                                         media=[{"url": media_server.url(MEDIA_PATH + "1"), "content_type": "image/jpeg"}])
        with pytest.raises(fetch.MediaUnavailable):
            fetch_pending(enrolled, inbound_id)
        with enrolled.sessions() as session:
            assert session.scalars(select(MediaItem)).all() == []
            assert session.get(InboundMessage, inbound_id).media_state == "pending"
        media_server.routes[MEDIA_PATH + "1"] = Served(body=picture())
        fetch_pending(enrolled, inbound_id)
        assert [i.status for i in media_of(enrolled, "MMRETRY")] == ["stored"]

    def test_drains_leave_pending_media_to_their_own_job(self, enrolled, media_server):
        """A drain never processes a message whose images are not downloaded yet; the sweep queues its job."""
        from gateway.pipeline import queue
        from gateway.pipeline.batch import process_waiting

        media_server.routes[MEDIA_PATH + "1"] = Served(body=picture())
        inbound_id, _ = intake.store_sms(enrolled, sid="MMWAIT", from_number=LANDLORD, to_number="",
                                         body="登记 王小明 无证 302",
                                         media=[{"url": media_server.url(MEDIA_PATH + "1"), "content_type": "image/jpeg"}])
        assert process_waiting(enrolled) == 0
        assert queue.requeue(enrolled, dt.timedelta(0)) == 1
        drain(enrolled)
        assert inbound(enrolled, "MMWAIT").status == "processed"
        assert [i.person_id is not None for i in media_of(enrolled, "MMWAIT")] == [True]


class TestPhotoLater:
    def declared(self, client, rt, monkeypatch) -> str:
        sms(client, "登记 王小明 无证 302 户籍福建省莆田市", LANDLORD)
        drain(rt)
        [decl] = declarations(rt)
        return decl.receipt

    def test_photo_receipt_attaches_the_portrait(self, client, enrolled, media_server, monkeypatch):
        receipt = self.declared(client, enrolled, monkeypatch)
        media_server.routes[MEDIA_PATH + "9"] = Served(body=picture("PNG"), content_type="image/png")
        response = mms(client, f"照片 {receipt}", LANDLORD, [(media_server.url(MEDIA_PATH + "9"), "image/png")])
        drain(enrolled)
        [decl] = declarations(enrolled)
        [item] = media_of(enrolled, response.sid)
        assert item.person_id == decl.person_id and item.status == "stored"
        [reply] = reply_to(enrolled, response.sid)
        assert receipt in reply
        assert inbound(enrolled, response.sid).review_state is None

    def test_photo_without_image_is_missing_media(self, client, enrolled, monkeypatch):
        receipt = self.declared(client, enrolled, monkeypatch)
        response = sms(client, f"照片 {receipt}", LANDLORD)
        drain(enrolled)
        row = inbound(enrolled, response.sid)
        assert row.codes == ["missing_media"] and row.review_state == "open" and row.body == f"照片 {receipt}"

    def test_photo_with_garbage_is_bad_media(self, client, enrolled, media_server, monkeypatch):
        receipt = self.declared(client, enrolled, monkeypatch)
        media_server.routes[MEDIA_PATH + "9"] = Served(body=b"%PDF-1.4 not an image")
        response = mms(client, f"照片 {receipt}", LANDLORD, [(media_server.url(MEDIA_PATH + "9"), "image/jpeg")])
        drain(enrolled)
        row = inbound(enrolled, response.sid)
        assert row.codes == ["bad_media"] and row.review_state == "open"

    def test_photo_for_someone_elses_receipt_is_unknown_receipt(self, client, enrolled, media_server, monkeypatch):
        """ATTACK: another number cannot attach a face to a receipt it did not declare."""
        from store.enrolment import Enrolment, enrol

        with enrolled.sessions.begin() as session:
            enrol(session, Enrolment(phone=OTHER_LANDLORD, name="Li", property_code="200001", address="西巷3号",
                                     precinct="GL01"))
        receipt = self.declared(client, enrolled, monkeypatch)
        media_server.routes[MEDIA_PATH + "9"] = Served(body=picture())
        for sender in (OTHER_LANDLORD, STRANGER):
            response = mms(client, f"照片 {receipt}", sender, [(media_server.url(MEDIA_PATH + "9"), "image/jpeg")])
            drain(enrolled)
            assert all(i.person_id is None for i in media_of(enrolled, response.sid))
        assert inbound(enrolled, response.sid).codes == ["unknown_sender"]

    def test_photo_for_an_ended_declaration_is_unknown_receipt(self, client, enrolled, media_server, monkeypatch):
        """ATTACK: once the person no longer lives there (moved out, withdrawn, declared elsewhere since), the
        old receipt no longer lets its landlord change the face officers know them by."""
        receipt = self.declared(client, enrolled, monkeypatch)
        sms(client, f"撤销 {receipt}", LANDLORD)
        drain(enrolled)
        media_server.routes[MEDIA_PATH + "9"] = Served(body=picture())
        response = mms(client, f"照片 {receipt}", LANDLORD, [(media_server.url(MEDIA_PATH + "9"), "image/jpeg")])
        drain(enrolled)
        assert all(i.person_id is None for i in media_of(enrolled, response.sid))
        assert inbound(enrolled, response.sid).codes == ["unknown_receipt"]


class TestOutage:
    def test_media_survive_the_spool(self, client, enrolled, media_server, monkeypatch):
        """An MMS that arrives while the database is away keeps its media through the spool and its replay."""
        from sqlalchemy.exc import OperationalError

        from gateway.pipeline import replay

        def refused(*_args, **_kwargs):
            raise OperationalError("INSERT", {}, Exception("connection refused"))

        monkeypatch.setattr(replay, "drain_in_background", lambda rt: None)
        real = intake.store_sms
        monkeypatch.setattr(intake, "store_sms", refused)
        media_server.routes[MEDIA_PATH + "1"] = Served(body=picture())
        response = mms(client, "登记 王小明 无证 302", LANDLORD, [(media_server.url(MEDIA_PATH + "1"), "image/jpeg")])
        assert response.status_code == 200
        monkeypatch.setattr(intake, "store_sms", real)
        assert replay.replay(enrolled).stored == 1
        assert inbound(enrolled, response.sid).media_state == "pending"
        drain(enrolled)
        [decl] = declarations(enrolled)
        [item] = media_of(enrolled, response.sid)
        assert item.status == "stored" and item.person_id == decl.person_id


class TestWebhookFields:
    @pytest.mark.parametrize("fields", [{"NumMedia": "1"}, {"NumMedia": "x"}, {"NumMedia": "11"},
                                        {"NumMedia": "1", "MediaUrl0": "https://api.twilio.com/" + "a" * 1000}])
    def test_media_fields_that_do_not_agree_are_a_400_and_not_stored(self, client, enrolled, fields):
        from tests.constants import GATEWAY_NUMBER
        from tests.support import signed_post

        params = {"MessageSid": "MMBAD", "From": LANDLORD, "To": GATEWAY_NUMBER, "Body": "登记 王小明 无证 302",
                  **fields}
        assert signed_post(client, "/sms", params).status_code == 400
        assert inbound(enrolled, "MMBAD") is None
