"""Login, lockouts, roles and CSRF on the officer UI."""
from __future__ import annotations

import flask
from flask.sessions import NullSession
from sqlalchemy import func, select

from flask_wtf.csrf import generate_csrf

from gateway.officer import auth
from gateway.officer.auth import IP_MAX_FAILURES
from parsers import mask_ids
from store.logins import MAX_FAILURES
from store.models import LoginThrottle
from tests.constants import ID_A, LANDLORD, PASSWORD
from tests.support import drain, login, reply_to, sms, token


class TestLogin:
    def test_pages_need_a_login(self, ui):
        """An anonymous visitor is sent to the login page with the page they wanted as `next`."""
        for path in ("/review", "/review/1", "/people", "/landlords", "/audit"):
            response = ui.get(path)
            assert response.status_code == 302
            assert response.location.startswith("/login") and "next=" in response.location

    def test_right_password_logs_in(self, ui):
        """The right password opens the queue and shows who is logged in."""
        response = login(ui, "a")
        assert response.status_code == 302 and response.location == "/review"
        page = ui.get("/review").get_data(as_text=True)
        assert "a（民警，GL01）" in page

    def test_wrong_password_is_refused(self, ui):
        """A wrong password answers 401 with a message and no session."""
        response = login(ui, "a", "wrong password")
        assert response.status_code == 401
        assert "用户名或密码错误" in response.get_data(as_text=True)
        assert ui.get("/review").status_code == 302

    def test_fifth_failure_starts_a_wait(self, ui, people):
        """Five failures in a row from one address start a one-minute wait; even the right password is refused."""
        for _ in range(MAX_FAILURES):
            login(ui, "a", "wrong password")
        response = login(ui, "a")
        assert response.status_code == 401
        assert "登录失败次数过多，请 1 分钟后再试" in response.get_data(as_text=True)
        assert ui.get("/review").status_code == 302

    def test_success_resets_the_failure_count(self, ui, people):
        """A successful login forgets earlier failures: four more mistakes later start no wait."""
        for _ in range(MAX_FAILURES - 1):
            login(ui, "a", "wrong password")
        assert login(ui, "a").status_code == 302
        with people.sessions() as session:
            assert session.scalar(select(func.count()).select_from(LoginThrottle)) == 0
        for _ in range(MAX_FAILURES - 1):
            login(ui, "a", "wrong password")
        assert login(ui, "a").status_code == 302

    def test_many_failures_from_one_address_are_refused(self, ui):
        """Past the per-address limit, every attempt from that address gets 429, across usernames."""
        for i in range(IP_MAX_FAILURES):
            login(ui, f"nobody{i}", "wrong password")
        response = login(ui, "b")
        assert response.status_code == 429
        assert "此设备" in response.get_data(as_text=True)

    def test_logout_ends_the_session(self, ui):
        """After logout the queue asks for a login again."""
        login(ui, "a")
        assert ui.post("/logout").status_code == 302
        assert ui.get("/review").status_code == 302

    def test_next_must_be_a_local_path(self, ui):
        """A `next` pointing at another site is ignored (no open redirect)."""
        response = ui.post("/login", data={"username": "a", "password": PASSWORD, "next": "//evil.example/x"})
        assert response.location == "/review"


class TestRoles:
    def test_officer_cannot_read_the_audit_log(self, ui):
        """An officer gets 403 on the supervisors' audit log."""
        login(ui, "a")
        assert ui.get("/audit").status_code == 403

    def test_supervisor_reads_the_audit_log(self, ui):
        """A supervisor sees the audit log."""
        login(ui, "chief")
        assert ui.get("/audit").status_code == 200


class TestCsrf:
    def test_login_without_token_is_rejected(self, client, people):
        """With CSRF on, a login form posted without its token is refused with 400."""
        response = client.post("/login", data={"username": "a", "password": PASSWORD})
        assert response.status_code == 400
        assert client.get("/review").status_code == 302

    def test_action_without_token_is_rejected(self, client, people):
        """A logged-in officer's action posted without the token changes nothing."""
        assert login(client, "a").status_code == 302
        response = sms(client, "hello", LANDLORD)
        drain(people)
        response = client.post("/review/1/spam", data={})
        assert response.status_code == 400
        page = client.get("/review/1").get_data(as_text=True)
        assert "state-open" in page

    def test_action_with_token_is_accepted(self, client, people):
        """The same action with the session's token goes through."""
        login(client, "a")
        sms(client, "hello", LANDLORD)
        drain(people)
        response = client.post("/review/1/spam", data={"csrf_token": token(client)})
        assert response.status_code == 302
        assert "state-spam" in client.get("/review/1").get_data(as_text=True)

    def test_a_token_that_looks_like_an_id_reaches_the_form_intact(self, app, client, people, monkeypatch):
        """About one CSRF token in 1,500 holds an ID-like shape (`…-PPe2nW9EE5-…`); printed masked, like every
        other value, it no longer matched and the officer's login was refused (400) now and then."""
        with app.test_request_context():
            for _ in range(100_000):
                looks_like_an_id = generate_csrf()
                if mask_ids(looks_like_an_id) != looks_like_an_id:
                    break
            raw = flask.session["csrf_token"]
        with client.session_transaction() as browser:
            browser["csrf_token"] = raw  # the session the token was made for
        monkeypatch.setattr(auth, "generate_csrf", lambda: looks_like_an_id)
        assert f'value="{looks_like_an_id}"' in client.get("/login").get_data(as_text=True)
        assert login(client, "a").status_code == 302
        assert client.get("/review").status_code == 200

    def test_twilio_webhook_needs_no_token(self, client, people):
        """The signed SMS webhook works with CSRF on: it is exempt and checked by signature instead."""
        response = sms(client, f"登记 张三 {ID_A} 301 @100001", LANDLORD)
        assert response.status_code == 200
        drain(people)
        assert reply_to(people, response.sid)


class TestWebhookSessions:
    def test_webhooks_open_no_session_and_officer_pages_do(self, app):
        """Twilio's webhooks get Flask's null session (no cookie looked for or set); officers' pages a real one."""
        for path in ("/sms", "/voice", "/voice/step"):
            with app.test_request_context(path, method="POST"):
                assert isinstance(flask.session, NullSession), path
        with app.test_request_context("/login"):
            assert not isinstance(flask.session, NullSession)

    def test_officer_browser_posting_to_a_webhook_keeps_its_login(self, client, people):
        """The same client, logged in, posts a signed SMS: no cookie comes back and the login holds."""
        assert login(client, "a").status_code == 302
        response = sms(client, f"登记 张三 {ID_A} 301 @100001", LANDLORD)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
        assert client.get("/review").status_code == 200


class TestLanguage:
    def test_toggle_switches_to_english_and_back(self, ui):
        """The toggle stores the language in the session; Chinese is the default."""
        login(ui, "a")
        assert "待处理短信" in ui.get("/review").get_data(as_text=True)
        assert ui.post("/lang/en", data={"next": "/people"}).location == "/people"
        assert "Messages to review" in ui.get("/review").get_data(as_text=True)
        ui.post("/lang/zh", data={"next": "/review"})
        assert "待处理短信" in ui.get("/review").get_data(as_text=True)
