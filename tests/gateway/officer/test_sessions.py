"""Officer sessions are rows on the server: logout, timeouts, password changes and revocation end them."""
from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from gateway.app import create_app
from gateway.cli import cli
from store.models import Officer, OfficerSession
from tests.constants import KEY_ENV, PASSWORD, PUBLIC_BASE_URL
from tests.support import login, token


def cookie_of(client) -> str:
    return client.get_cookie("session").value


def replay(app, cookie: str):
    """Another browser (the attacker's) presenting a copy of the officer's cookie."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other


def age(rt, **ago: dt.timedelta) -> None:
    """Move every session's timestamps back, as if that much time had passed."""
    with rt.sessions.begin() as session:
        for row in session.scalars(select(OfficerSession)):
            for column, delta in ago.items():
                setattr(row, column, getattr(row, column) - delta)


@pytest.fixture
def web(settings, rt, people):
    return create_app(settings, rt=rt, test_config={"TESTING": True, "WTF_CSRF_ENABLED": False})


@pytest.fixture
def declgate(settings):
    env = {"DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url or None,
           "TWILIO_AUTH_TOKEN": "x", "SECRET_KEY": "x", "PUBLIC_BASE_URL": PUBLIC_BASE_URL, **KEY_ENV}
    return lambda *args, input=None: CliRunner().invoke(cli, list(args), env=env, input=input)


class TestLogout:
    def test_a_copied_cookie_dies_with_the_logout(self, web):
        """A cookie copied while the officer was logged in opens nothing once they log out."""
        client = web.test_client()
        login(client, "a")
        stolen = cookie_of(client)
        assert replay(web, stolen).get("/review").status_code == 200
        client.post("/logout")
        assert replay(web, stolen).get("/review").status_code == 302

    def test_the_cookie_names_a_session_not_an_officer(self, web, people):
        """The cookie carries a random token whose hash only is stored; not the officer's id."""
        client = web.test_client()
        login(client, "a")
        data = web.session_interface.get_signing_serializer(web).loads(cookie_of(client))
        with people.sessions() as session:
            officer_id = session.scalar(select(Officer.id).where(Officer.username == "a"))
            stored = session.scalar(select(OfficerSession.token_hash))
        assert data["_user_id"] != str(officer_id) and len(data["_user_id"]) >= 40
        assert stored == hashlib.sha256(data["_user_id"].encode()).hexdigest()


class TestTimeouts:
    def test_idle_session_ends(self, web, people):
        """Thirty minutes without a request end the session (SESSION_IDLE_MINUTES)."""
        client = web.test_client()
        login(client, "a")
        age(people, last_seen_at=dt.timedelta(minutes=29))
        assert client.get("/review").status_code == 200  # and the visit counts as activity
        age(people, last_seen_at=dt.timedelta(minutes=31))
        assert client.get("/review").status_code == 302

    def test_busy_session_ends_after_a_shift(self, web, people):
        """However active, a session ends twelve hours after the login (SESSION_MAX_HOURS)."""
        client = web.test_client()
        login(client, "a")
        age(people, created_at=dt.timedelta(hours=11, minutes=59))
        assert client.get("/review").status_code == 200
        age(people, created_at=dt.timedelta(minutes=2))
        assert client.get("/review").status_code == 302

    def test_timeouts_are_settings(self, settings, rt, people):
        """SESSION_IDLE_MINUTES shortens the idle limit."""
        app = create_app(settings.with_(session_idle_minutes=5), rt=rt,
                         test_config={"TESTING": True, "WTF_CSRF_ENABLED": False})
        client = app.test_client()
        login(client, "a")
        age(people, last_seen_at=dt.timedelta(minutes=6))
        assert client.get("/review").status_code == 302


class TestLogin:
    def test_login_starts_a_new_cookie_session(self, web):
        """What the browser held before the login (its CSRF token, anything planted) does not carry over."""
        client = web.test_client()
        before = token(client)
        planted = cookie_of(client)
        login(client, "a")
        assert token(client) != before
        assert replay(web, planted).get("/review").status_code == 302

    def test_each_login_is_its_own_session(self, web, people):
        """Two browsers, two sessions: logging out of one leaves the other."""
        first, second = web.test_client(), web.test_client()
        login(first, "a")
        login(second, "a")
        first.post("/logout")
        assert first.get("/review").status_code == 302
        assert second.get("/review").status_code == 200


class TestCommands:
    def test_password_change_ends_every_session(self, web, people, declgate):
        """`declgate officer password` sets the new password and logs the officer out everywhere."""
        phone, desk = web.test_client(), web.test_client()
        login(phone, "a")
        login(desk, "a")
        result = declgate("officer", "password", "a", "--password-stdin", input="a new password\n")
        assert result.exit_code == 0, result.output
        assert "2 session(s) ended" in result.output
        assert phone.get("/review").status_code == 302 and desk.get("/review").status_code == 302
        assert login(web.test_client(), "a").status_code == 401
        assert login(web.test_client(), "a", "a new password").status_code == 302

    def test_revoke_ends_every_session_and_keeps_the_password(self, web, people, declgate):
        """`declgate officer revoke` (a stolen phone) ends the sessions; the officer logs in again as before."""
        phone = web.test_client()
        login(phone, "a")
        other = web.test_client()
        login(other, "b")
        result = declgate("officer", "revoke", "a")
        assert result.exit_code == 0 and "1 session(s) of a ended" in result.output
        assert phone.get("/review").status_code == 302
        assert other.get("/review").status_code == 200
        assert login(web.test_client(), "a", PASSWORD).status_code == 302

    def test_unknown_officer_and_short_password_are_refused(self, declgate, people):
        """The commands name what is wrong and change nothing."""
        assert "no officer 'nobody'" in declgate("officer", "revoke", "nobody").output
        result = declgate("officer", "password", "a", "--password-stdin", input="short\n")
        assert result.exit_code != 0 and "8 characters" in result.output
