"""/verification on a 390 px phone, the way an officer uses it on the doorstep: open the list, open the item,
mark it verified through the real form (CSRF on), nothing wider than the screen, IDs masked; a staff member at an
employer's dormitory found gone and ended there."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from gateway.app import create_app
from store import verification
from store.models import StaffDeclaration, VerificationItem, utcnow
from store.stats import Month
from tests.browser.live import CHROMIUM_ARGS, SCREENSHOTS, serving
from tests.constants import LANDLORD, PASSWORD
from tests.store.test_verification import enrol_employers, hire
from tests.support import texted

SCREENSHOT = (SCREENSHOTS
              / "verification.png")
ID81 = "810000199001011230"  # region code missing from the table: always drawn


@pytest.fixture
def served(settings, rt, people):
    app = create_app(settings, rt=rt, test_config={"TESTING": True})
    texted(app.test_client(), rt, f"登记 张三 {ID81} 301 @100001", LANDLORD)
    with rt.sessions.begin() as session:
        verification.draw(session, Month.of(dt.datetime.now(rt.tz).date()), percent=0)
    with serving(app) as url:
        yield url


@pytest.mark.browser
def test_an_officer_marks_an_item_on_a_phone(served, rt, backend):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto(f"{served}/login?next=/verification")
            page.fill("input[name=username]", "a")
            page.fill("input[name=password]", PASSWORD)
            page.press("input[name=password]", "Enter")
            page.wait_for_url("**/verification")
            assert "8100**********1230" in page.content() and ID81 not in page.content()
            page.click("text=张三")
            page.wait_for_url("**/verification/*")
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            if backend == "sqlite":
                SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SCREENSHOT), full_page=True)
            page.click("#mark-verified")
            page.wait_for_url("**/verification")
            assert "已记录核实结果" in page.content()
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        finally:
            browser.close()
    with rt.sessions() as session:
        [mark] = session.scalars(select(VerificationItem.mark)).all()
    assert mark == "verified"


@pytest.fixture
def served_staff(settings, rt, people):
    app = create_app(settings, rt=rt, test_config={"TESTING": True})
    enrol_employers(rt)
    hire(rt, "300002", "王小明", document=("ric", ID81), lodger=True, declared_at=utcnow())
    with rt.sessions.begin() as session:
        verification.draw(session, Month.of(dt.datetime.now(rt.tz).date()), percent=0)
    with serving(app) as url:
        yield url


@pytest.mark.browser
def test_an_officer_ends_a_staff_member_found_gone_on_a_phone(served_staff, rt):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto(f"{served_staff}/login?next=/verification")
            page.fill("input[name=username]", "a")
            page.fill("input[name=password]", PASSWORD)
            page.press("input[name=password]", "Enter")
            page.wait_for_url("**/verification")
            assert "闽江建设" in page.content() and ID81 not in page.content()
            page.click("text=王小明")
            page.wait_for_url("**/verification/*")
            assert "鼓楼区工业路3号 101" in page.content() and "8100**********1230" in page.content()
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            page.click("summary:has-text('查无此人')")
            form = page.locator("form:has(#mark-not-found)")
            form.locator("input[name=note]").fill("宿舍没有此人，已离职")
            form.locator("input[name=end]").check()
            page.click("#mark-not-found")
            page.wait_for_url("**/verification")
            assert "已记录核实结果" in page.content()
        finally:
            browser.close()
    with rt.sessions() as session:
        [item] = session.scalars(select(VerificationItem)).all()
        assert item.mark == "not_found"
        assert session.get(StaffDeclaration, item.staff_declaration_id).status == "ended"
