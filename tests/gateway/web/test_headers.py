"""Security headers, cookies and a policy the templates keep to."""
from __future__ import annotations

import logging
import re

from gateway.app import create_app
from tests.constants import ID_A, LANDLORD, PASSWORD, REPO
from tests.support import login, sms, texted

TEMPLATES = REPO / "gateway" / "templates"


def csp(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {d.split()[0]: " ".join(d.split()[1:]) for d in policy.split("; ")}


class TestHeaders:
    def test_every_kind_of_response_carries_them(self, ui, people):
        """Login page, officer pages, error pages, static files and webhooks all forbid framing and sniffing."""
        login(ui, "a")
        item = texted(ui, people, "hello", LANDLORD)
        responses = [ui.get("/login"), ui.get("/review"), ui.get(f"/review/{item}"), ui.get("/people?q=张"),
                     ui.get("/no-such-page", headers={"Accept": "text/html"}), ui.get("/static/officer.css"),
                     sms(ui, "HELP", LANDLORD)]
        for response in responses:
            assert response.headers["X-Frame-Options"] == "DENY", response.request.path
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["Referrer-Policy"] == "same-origin"
            policy = csp(response)
            assert policy["frame-ancestors"] == "'none'" and policy["script-src"] == "'self'"
            assert policy["default-src"] == "'none'" and policy["base-uri"] == "'none'"

    def test_pages_with_personal_data_are_not_stored(self, ui, people):
        """Officer pages tell browsers and proxies to keep nothing; static files may be cached."""
        login(ui, "a")
        item = texted(ui, people, f"登记 张三 {ID_A} 301", LANDLORD)
        for path in ("/review", f"/review/{item}", "/people?q=张三", "/landlords", "/login"):
            assert ui.get(path).headers["Cache-Control"] == "no-store", path
        assert "no-store" not in ui.get("/static/officer.css").headers.get("Cache-Control", "")

    def test_no_inline_script_in_any_template(self):
        """The policy allows scripts from /static only: no template has an inline script or a handler attribute."""
        templates = sorted(TEMPLATES.rglob("*.html"))
        assert len(templates) > 10, f"no templates under {TEMPLATES}: the check below would prove nothing"
        for template in templates:
            html = template.read_text(encoding="utf-8")
            for tag in re.findall(r"<script\b[^>]*>", html):
                assert "src=" in tag or 'type="application/json"' in tag, (template.name, tag)
            assert not re.search(r"\son[a-z]+\s*=", html), template.name
            assert "javascript:" not in html, template.name


class TestCookies:
    def test_session_cookie_is_http_only_and_same_site_strict(self, ui):
        """The officer's session cookie is out of scripts' reach and never sent from another site."""
        response = login(ui, "a")
        cookie = response.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie

    def test_https_public_url_makes_the_cookie_secure(self, settings, rt, people, caplog):
        """With an https PUBLIC_BASE_URL the session cookie is Secure, HSTS is sent and nothing is warned."""
        app = create_app(settings.with_(public_base_url="https://declgate.example.org"), rt=rt,
                         test_config={"TESTING": True, "WTF_CSRF_ENABLED": False})
        client = app.test_client()
        response = client.post("/login", data={"username": "a", "password": PASSWORD})
        assert "; Secure" in response.headers["Set-Cookie"]
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
        assert "not https" not in caplog.text

    def test_http_public_url_warns_at_start(self, settings, rt, people, caplog):
        """With an http PUBLIC_BASE_URL the cookie cannot be Secure: the app says so when it starts."""
        with caplog.at_level(logging.WARNING):
            app = create_app(settings.with_(public_base_url="http://declgate.internal"), rt=rt,
                             test_config={"TESTING": True, "WTF_CSRF_ENABLED": False})
        assert "PUBLIC_BASE_URL http://declgate.internal is not https" in caplog.text
        response = app.test_client().post("/login", data={"username": "a", "password": PASSWORD})
        assert "Secure" not in response.headers["Set-Cookie"]
        assert "Strict-Transport-Security" not in response.headers

    def test_demo_does_not_warn(self, settings, rt, caplog):
        """The demo runs on loopback over http by design: no warning."""
        with caplog.at_level(logging.WARNING):
            create_app(settings.with_(demo=True), rt=rt)
        assert "not https" not in caplog.text


def test_a_views_own_headers_stay_and_a_looser_cache_control_is_replaced():
    """What a view sets itself wins (a portrait's `private, no-store`, a page's own policy); a cacheable
    answer outside /static becomes no-store; HSTS only when the app is HTTPS-only."""
    from flask import Flask, Response

    from gateway.web import headers

    app = Flask("headers")

    @app.get("/own")
    def own():
        return Response("x", headers={"Cache-Control": "private, no-store", "content-security-policy": "sandbox"})

    @app.get("/loose")
    def loose():
        return Response("x", headers={"Cache-Control": "max-age=60"})

    headers.init_app(app, https=True)
    client = app.test_client()
    mine = client.get("/own").headers
    assert mine.getlist("Content-Security-Policy") == ["sandbox"] and mine["Cache-Control"] == "private, no-store"
    assert mine["X-Frame-Options"] == "DENY" and mine["Strict-Transport-Security"] == headers.HSTS
    assert client.get("/loose").headers.getlist("Cache-Control") == ["no-store"]

    plain = Flask("plain")
    plain.get("/")(lambda: "x")
    headers.init_app(plain, https=False)
    assert "Strict-Transport-Security" not in plain.test_client().get("/").headers
