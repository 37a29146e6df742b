"""Officers see portraits of their precinct only, and upload or replace one (checked and stripped the same way)."""
from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from gateway.media import fetch
from store.models import Declaration, MediaItem
from tests.constants import LANDLORD
from tests.gateway.media.helpers import MEDIA_PATH, media_of, mms, stored_image
from tests.gateway.media.server import Served, picture
from tests.support import audit_actions, drain, login, token


def declared_with_portrait(client, rt, media_server) -> tuple[int, MediaItem, str]:
    """A no-document tenant of 100001 (GL01) declared by MMS with a photo: (person id, the image, the SID)."""
    media_server.routes[MEDIA_PATH + "1"] = Served(body=picture())
    response = mms(client, "登记 王小明 无证 302 @100001", LANDLORD, [(media_server.url(MEDIA_PATH + "1"), "image/jpeg")])
    drain(rt)
    [item] = media_of(rt, response.sid)
    return item.person_id, item, response.sid


def full_size(client, media_id: int):
    """The full-size image as the page asks for it: a form post with the session's CSRF token."""
    return client.post(f"/people/media/{media_id}", data={"csrf_token": token(client)})


def logged_in(app, username: str):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


class TestViewing:
    def test_officer_of_the_precinct_sees_thumbnail_and_full_size(self, app, people, media_server):
        person_id, item, sid = declared_with_portrait(app.test_client(), people, media_server)
        a = logged_in(app, "a")
        page = a.get(f"/people/{person_id}").get_data(as_text=True)
        assert f"/people/media/{item.id}/thumb" in page and f'action="/people/media/{item.id}"' in page
        thumb, full = a.get(f"/people/media/{item.id}/thumb"), full_size(a, item.id)
        assert thumb.status_code == full.status_code == 200 and thumb.mimetype == "image/jpeg"
        assert max(Image.open(io.BytesIO(thumb.data)).size) <= 160 < max(Image.open(io.BytesIO(full.data)).size)
        with people.sessions() as session:
            inbound_id = session.scalar(select(Declaration.inbound_id))
        assert f"/people/media/{item.id}/thumb" in a.get(f"/review/{inbound_id}").get_data(as_text=True)

    def test_other_precinct_and_anonymous_get_nothing(self, app, people, media_server):
        """ATTACK: an officer of GL02 guessing image ids, and a client with no session, see no face."""
        person_id, item, _ = declared_with_portrait(app.test_client(), people, media_server)
        b = logged_in(app, "b")
        for path in (f"/people/media/{item.id}/thumb", f"/people/{person_id}"):
            assert b.get(path).status_code == 404
            anonymous = app.test_client().get(path)
            assert anonymous.status_code in (302, 403) and anonymous.mimetype != "image/jpeg"
        assert full_size(b, item.id).status_code == 404
        anonymous = app.test_client()
        assert full_size(anonymous, item.id).status_code == 403
        assert full_size(logged_in(app, "chief"), item.id).status_code == 200  # a supervisor sees all


class TestPrivacy:
    def test_every_full_size_view_is_audited_like_a_full_id_view(self, app, people, media_server):
        """Each full-size look is recorded (who, whose face); thumbnails on the lists are not, and a refused
        look (another precinct) records nothing and shows nothing."""
        person_id, item, _ = declared_with_portrait(app.test_client(), people, media_server)
        a = logged_in(app, "a")
        assert a.get(f"/people/media/{item.id}/thumb").status_code == 200
        assert audit_actions(people, "view_portrait") == []
        for _ in range(2):
            full = full_size(a, item.id)
            assert full.status_code == 200 and full.headers["Cache-Control"] == "private, no-store"
        assert full_size(logged_in(app, "b"), item.id).status_code == 404
        # ATTACK: a link or an <img> (a GET) or a post without the CSRF token shows nothing and records nothing.
        assert a.get(f"/people/media/{item.id}").status_code == 405
        assert a.post(f"/people/media/{item.id}").status_code == 400
        entries = audit_actions(people, "view_portrait")
        assert [(e.officer.username, e.target, e.detail) for e in entries] == \
            [("a", f"person:{person_id}", {"media": item.id})] * 2
        audit_page = logged_in(app, "chief").get("/audit").get_data(as_text=True)
        assert "查看照片原图" in audit_page

    def test_export_names_the_portrait_by_an_opaque_id_never_a_url(self, app, people, media_server):
        from store.export import rows

        person_id, item, _ = declared_with_portrait(app.test_client(), people, media_server)
        with people.sessions() as session:
            [row] = list(rows(session))
        assert row["portrait_id"] == item.id
        assert not any("/" in str(value) and "media" in str(value) for value in row.values())


class TestUpload:
    def upload(self, client, person_id: int, data: bytes, csrf: bool = True):
        fields = {"portrait": (io.BytesIO(data), "p.jpg", "image/jpeg")}
        if csrf:
            fields["csrf_token"] = token(client)
        return client.post(f"/people/{person_id}/portrait", data=fields, content_type="multipart/form-data")

    def test_upload_replaces_the_portrait_stripped_and_audited(self, app, people, media_server):
        person_id, first, _ = declared_with_portrait(app.test_client(), people, media_server)
        a = logged_in(app, "a")
        a.get(f"/people/{person_id}")
        response = self.upload(a, person_id, picture("JPEG", (800, 600), gps=True))
        assert response.status_code == 302
        with people.sessions() as session:
            newest = session.scalars(select(MediaItem).where(MediaItem.person_id == person_id)
                                     .order_by(MediaItem.id.desc())).first()
        assert newest.id != first.id and newest.officer_id is not None
        assert not stored_image(people, newest).getexif()
        assert f"/people/media/{newest.id}/thumb" in a.get(f"/people/{person_id}").get_data(as_text=True)
        [entry] = audit_actions(people, "portrait_upload")
        assert entry.target == f"person:{person_id}" and entry.officer.username == "a"

    def test_garbage_and_oversize_are_refused(self, app, people, media_server):
        person_id, first, _ = declared_with_portrait(app.test_client(), people, media_server)
        a = logged_in(app, "a")
        assert self.upload(a, person_id, b"not an image at all").status_code == 302
        assert self.upload(a, person_id, b"\xff\xd8" + b"0" * fetch.MAX_BYTES).status_code in (302, 413)
        with people.sessions() as session:
            assert session.scalars(select(MediaItem.id).where(MediaItem.person_id == person_id)).all() == [first.id]
        assert len(audit_actions(people, "portrait_refused")) >= 1

    def test_upload_needs_csrf_and_scope(self, app, people, media_server):
        """ATTACK: a cross-site form post, and an officer of another precinct, cannot set someone's photo."""
        person_id, first, _ = declared_with_portrait(app.test_client(), people, media_server)
        a = logged_in(app, "a")
        assert self.upload(a, person_id, picture(), csrf=False).status_code == 400
        b = logged_in(app, "b")
        b.get("/people")
        assert self.upload(b, person_id, picture()).status_code == 404
        with people.sessions() as session:
            assert session.scalars(select(MediaItem.id).where(MediaItem.person_id == person_id)).all() == [first.id]
