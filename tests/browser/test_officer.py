"""The officer UI in a real browser (Debian's chromium via Playwright) against a real HTTP server.

CSRF stays on: every form is submitted the way an officer's browser submits it.
"""
from __future__ import annotations

import shutil
import threading
import uuid

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from gateway.app import create_app
from gateway.runtime import build_runtime, embedded_redis, install
from gateway.settings import Settings
from store.models import AuditEntry, Declaration, InboundMessage, OutboundMessage
from tests.browser.live import CHROMIUM_ARGS, SCREENSHOTS, serving
from tests.constants import (ID_A, ID_BAD_CHECK, LANDLORD, OTHER_LANDLORD, PASSWORD, PUBLIC_BASE_URL, SUITE,
                             SECRET_KEY, STRANGER, TOKEN)
from tests.support import drain, sms

pytestmark = pytest.mark.browser

XSS = '登记 <script>window.__pwned=1</script> <img src=x onerror="window.__pwned=1"> 301'


@pytest.fixture
def rt(tmp_path, sqlite_template):
    """SQLite and the embedded queue only: the browser tests are about the page, not the backend."""
    db = tmp_path / "declgate.sqlite"
    shutil.copy(sqlite_template, db)
    runtime = build_runtime(Settings(database_url=f"sqlite:///{db}", twilio_auth_token=TOKEN,
                                     secret_key=SECRET_KEY, public_base_url=PUBLIC_BASE_URL, **SUITE))
    runtime.redis = embedded_redis(f"browser-{uuid.uuid4().hex}")
    from rq import Queue

    runtime.queue = Queue(runtime.queue.name, connection=runtime.redis)
    install(runtime)
    yield runtime
    runtime.dispose()


@pytest.fixture
def server(rt, people):
    """The app on a real werkzeug server in a thread, on a free port."""
    app = create_app(rt.settings, rt=rt)
    with serving(app) as url:
        yield app, url


@pytest.fixture
def demo_server(rt):
    """`declgate serve --demo` as a newcomer meets it: demo data, the embedded worker, the phone simulator."""
    from gateway.demo import seed
    from gateway.worker import start_embedded_worker

    rt.settings = rt.settings.with_(demo=True)
    app = create_app(rt.settings, rt=rt)
    seed(rt)
    stop = start_embedded_worker(rt)
    with serving(app) as url:
        yield url
    stop.set()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A page that fails the test if the Content-Security-Policy blocked anything on it."""
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda msg: blocked.append(msg.text) if "Content Security Policy" in msg.text else None)
    yield page
    context.close()
    assert blocked == [], blocked


def text_in(app, rt, body: str, sender: str) -> int:
    client = app.test_client()
    response = sms(client, body, sender)
    assert response.status_code == 200
    drain(rt)
    with rt.sessions() as session:
        return session.scalar(select(InboundMessage.id).where(InboundMessage.provider_sid == response.sid))


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{base}/review")


class TestBrowser:
    def test_login_and_work_an_item_end_to_end(self, server, rt, page):
        """An officer logs in, corrects a mistyped ID, and the edited message stores a declaration and a reply."""
        app, base = server
        item = text_in(app, rt, f"登记 李四 {ID_BAD_CHECK} 301 @100001", LANDLORD)
        text_in(app, rt, f"登记 王五 {ID_A} 302", STRANGER)
        text_in(app, rt, "hello, how do I register?", LANDLORD)
        log_in(page, base, "a")
        assert page.locator("tbody tr").count() == 3
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "review-queue.png"), full_page=True)

        page.click(f"a[href='/review/{item}'] >> nth=0")
        page.wait_for_url(f"{base}/review/{item}")
        assert page.locator("mark[data-codes='id_checksum']").inner_text() == "3501**********1239"
        page.screenshot(path=str(SCREENSHOTS / "review-item.png"), full_page=True)
        page.click("#show-full-text")  # a POST with the form's CSRF token, recorded in the audit log
        assert page.locator("mark[data-codes='id_checksum']").inner_text() == ID_BAD_CHECK

        page.fill("textarea[name=body]", f"登记 李四 {ID_A} 301 @100001")
        page.click("text=修改并重新处理 >> nth=-1")
        page.wait_for_url(f"{base}/review/*")
        assert "已生成修改后的事项" in page.inner_text(".flash")
        drain(rt)
        page.reload()
        assert page.locator("td.mono", has_text="3501").count() >= 1
        with rt.sessions() as session:
            copy = session.scalar(select(InboundMessage).where(InboundMessage.edited_from_id == item))
            decl = session.scalar(select(Declaration).where(Declaration.inbound_id == copy.id))
            reply = session.scalar(select(OutboundMessage).where(OutboundMessage.in_reply_to == copy.id))
            original = session.get(InboundMessage, item)
        assert decl.status == "active" and reply.status == "outbox" and decl.receipt in reply.body
        assert original.review_state == "resolved"
        assert decl.receipt in page.content()

    def test_markup_in_an_sms_stays_inert(self, server, rt, page):
        """Script and onerror markup in a message body run nowhere and show as literal text."""
        app, base = server
        item = text_in(app, rt, XSS, LANDLORD)
        log_in(page, base, "a")
        assert page.evaluate("typeof window.__pwned") == "undefined"
        page.goto(f"{base}/review/{item}")
        page.wait_for_load_state("load")
        assert page.evaluate("typeof window.__pwned") == "undefined"
        shown = page.inner_text("#sms-text")
        assert "<script>window.__pwned=1</script>" in shown
        assert '<img src=x onerror="window.__pwned=1">' in shown
        assert page.locator("#sms-text img, #sms-text script").count() == 0
        assert page.input_value("textarea[name=body]") == XSS

    def test_officer_cannot_open_another_precincts_item(self, server, rt, page):
        """An officer of GL02 gets a 404 for a GL01 item in the browser too."""
        app, base = server
        item = text_in(app, rt, "hello", LANDLORD)
        text_in(app, rt, "hello", OTHER_LANDLORD)
        log_in(page, base, "b")
        assert page.locator("tbody tr").count() == 1
        response = page.goto(f"{base}/review/{item}")
        assert response.status == 404


class TestUnderThePolicy:
    def test_print_button_works_without_inline_script(self, server, rt, page):
        """The tenant notice's print button runs from /static (the policy refuses inline handlers)."""
        app, base = server
        log_in(page, base, "a")
        page.goto(f"{base}/landlords/property/100001/notice")
        page.evaluate("window.print = () => { window.__printed = true; }")
        page.click("button[data-print]")
        assert page.evaluate("window.__printed") is True

    def test_injected_inline_script_is_refused_by_the_browser(self, server, browser):
        """Even markup that slipped past escaping could not run: the browser refuses an inline script here."""
        app, base = server
        context = browser.new_context()
        try:
            page = context.new_page()
            blocked: list[str] = []
            page.on("console", lambda msg: blocked.append(msg.text))
            page.goto(f"{base}/login")
            page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';
                                     document.body.appendChild(s); }""")
            assert page.evaluate("typeof window.__ran") == "undefined"
            assert any("Content Security Policy" in text for text in blocked), blocked
        finally:
            context.close()

    def test_link_from_another_site_arrives_without_the_session(self, server, rt, page, tmp_path):
        """A logged-in officer who follows a link on another site into the officer pages arrives without their
        session (SameSite=Strict) and logs in again on our own page; nothing is searched in their name."""
        from werkzeug.wrappers import Response

        app, base = server
        log_in(page, base, "a")
        target = f"{base}/people"

        def attacker(environ, start_response):
            html = f'<a id="go" href="{target}">click</a>'
            return Response(html, mimetype="text/html")(environ, start_response)

        other = make_server("localhost", 0, attacker, threaded=True)  # localhost is another site than 127.0.0.1
        threading.Thread(target=other.serve_forever, daemon=True).start()
        try:
            page.goto(f"http://localhost:{other.server_port}/")
            page.click("#go")
            page.wait_for_url(f"{base}/login**")
        finally:
            other.shutdown()
        with rt.sessions() as session:
            assert session.scalar(select(AuditEntry).where(AuditEntry.action == "search")) is None
        # The officer who meant to follow it logs in again and is taken where the link pointed.
        page.fill("input[name=username]", "a")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_url(target)
        # Even logged in, following the link only opens the search form: searching is a POST.
        with rt.sessions() as session:
            assert session.scalar(select(AuditEntry).where(AuditEntry.action == "search")) is None

    def test_phone_simulator_works_under_the_policy(self, rt, page, demo_server):
        """The demo's phone simulator (JSON config block, script from /static, same-origin fetch) still sends an
        SMS and shows the gateway's reply."""
        from gateway.demo import DEMO_LANDLORD

        page.goto(f"{demo_server}/dev/phone")
        page.select_option("#sms-from", DEMO_LANDLORD)
        page.fill("#sms-body", "LIST")
        page.click("#sms-form button[type=submit]")
        page.wait_for_selector("#sms-thread li.in", timeout=15000)
        shown = page.locator("#sms-thread li.in .text").inner_text()
        with rt.sessions() as session:  # the gateway's real reply, through the signed webhook
            sent = session.scalar(select(OutboundMessage.body).where(OutboundMessage.to_number == DEMO_LANDLORD,
                                                                     OutboundMessage.purpose == "reply"))
        assert sent and shown == sent
