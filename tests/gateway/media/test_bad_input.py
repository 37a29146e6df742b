"""Bad images through the signed webhook: whatever the attachment, the text of the message is still processed,
the declaration is kept, the item goes to officers with bad_media, nothing crashes and nothing is lost.

(A non-image, a 5 MB+ file, a URL on another host and a 5xx are in test_mms.py.)"""
from __future__ import annotations

import threading

import pytest
from rq import Retry

from gateway.media import fetch
from gateway.pipeline import queue
from tests.constants import LANDLORD
from tests.gateway.media.helpers import MEDIA_PATH, declarations, media_of, mms
from tests.gateway.media.server import Served, picture, png_claiming
from tests.support import drain, inbound, reply_to

TEXT = "登记 王小明 无证 302 户籍福建省莆田市荔城区"


def send(client, rt, server, served: Served):
    server.routes[MEDIA_PATH + "1"] = served
    response = mms(client, TEXT, LANDLORD, [(server.url(MEDIA_PATH + "1"), "image/jpeg")])
    assert response.status_code == 200
    drain(rt)
    return response.sid


def assert_kept_for_officers(rt, sid: str, problem: str) -> None:
    """The text was processed (declaration made, reply sent) and the item waits for officers with bad_media."""
    [item] = media_of(rt, sid)
    assert item.status == "bad_media" and item.problem == problem and item.key is None and item.person_id is None
    [decl] = declarations(rt)
    assert decl.status == "pending_review" and decl.hukou_address == "福建省莆田市荔城区"
    row = inbound(rt, sid)
    assert row.status == "processed" and row.review_state == "open" and "bad_media" in row.codes
    [reply] = reply_to(rt, sid)
    assert decl.receipt in reply


class TestBadImages:
    @pytest.mark.parametrize("width,height,problem", [(100_000, 100_000, "not_image"), (8000, 6000, "too_many_pixels")])
    def test_image_bomb_is_bad_media_never_decoded(self, client, enrolled, media_server, width, height, problem):
        """ATTACK: a few kilobytes whose header claims billions of pixels: Pillow's bomb guard (or our own, below
        it) refuses it before any pixel is allocated."""
        sid = send(client, enrolled, media_server, Served(body=png_claiming(width, height), content_type="image/png"))
        assert_kept_for_officers(enrolled, sid, problem)

    def test_truncated_jpeg_is_bad_media(self, client, enrolled, media_server):
        whole = picture("JPEG", (640, 480))
        sid = send(client, enrolled, media_server, Served(body=whole[: len(whole) // 2]))
        assert_kept_for_officers(enrolled, sid, "undecodable")

    def test_twenty_megabytes_is_bad_media_and_reading_stops(self, client, enrolled, media_server):
        """ATTACK: a 20 MB body: the worker stops reading at 5 MB, never holds the rest."""
        sid = send(client, enrolled, media_server, Served(body=b"\xff\xd8" + b"\0" * (20 * 1024 * 1024)))
        assert_kept_for_officers(enrolled, sid, "too_large")

    def test_twilio_404_is_bad_media_not_retried(self, client, enrolled, media_server):
        sid = send(client, enrolled, media_server, Served(status=404))
        assert_kept_for_officers(enrolled, sid, "http_error")
        assert len(media_server.requests_for(MEDIA_PATH + "1")) == 1

    def test_timeout_is_retried_then_bad_media_with_the_text_processed(self, client, enrolled, media_server,
                                                                      monkeypatch):
        """Twilio never answers: each try times out and the job is run again; the last try records the image as
        bad_media and processes the text, instead of failing with the declaration unmade."""
        monkeypatch.setattr(queue, "JOB_RETRY", Retry(max=2, interval=0))  # the retries at once, not in minutes
        monkeypatch.setattr(fetch, "TIMEOUT", (2, 0.2))
        sid = send(client, enrolled, media_server, Served(stall=threading.Event()))
        assert len(media_server.requests_for(MEDIA_PATH + "1")) == 3  # the first try and both retries
        assert_kept_for_officers(enrolled, sid, "unavailable")
        assert not any(code.startswith("job_failed") for code in inbound(enrolled, sid).codes)
