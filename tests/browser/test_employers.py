"""An officer enrols an employer and adds a site in Chromium (CSRF on), the employer declares staff by SMS, and
the employer page shows them: docs/screenshots/employer.png when DECLGATE_SCREENSHOTS points there."""
from __future__ import annotations


import pytest

from gateway.app import create_app
from tests.browser.live import CHROMIUM_ARGS, SCREENSHOTS, serving
from tests.constants import ID_A, ID_B, PASSWORD
from tests.support import drain, sms

SCREENSHOT = SCREENSHOTS / "employer.png"
CONTACT = "+8613500000000"


@pytest.fixture
def served(settings, rt, people):
    app = create_app(settings, rt=rt)
    with serving(app) as url:
        yield app, url


@pytest.mark.browser
def test_an_officer_enrols_an_employer_adds_a_site_and_sees_its_staff(served, rt, backend):
    from playwright.sync_api import sync_playwright

    app, base = served
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="zh-CN")
            page.goto(f"{base}/login?next=/employers")
            page.fill("input[name=username]", "a")
            page.fill("input[name=password]", PASSWORD)
            page.press("input[name=password]", "Enter")
            page.wait_for_url("**/employers")
            page.click("#add-employer")
            form = page.locator("#new-employer")
            for name, value in (("name", "榕城食品有限公司"), ("credit_code", "91350100M000100Y43"),
                                ("address", "鼓楼区湖东路5号"), ("phones", "13500000000"), ("site_code", "400001"),
                                ("site_alias", "厂区")):
                form.locator(f"input[name={name}]").fill(value)
            form.locator("button[type=submit]").click()
            page.wait_for_url("**/employers/*")
            page.locator("details summary").click()
            site = page.locator("#add-site")
            site.locator("input[name=site_code]").fill("400002")
            site.locator("input[name=site_alias]").fill("宿舍")
            site.locator("select[name=site_kind]").select_option("dormitory")
            site.locator("input[name=capacity]").fill("24")
            site.locator("button[type=submit]").click()
            page.wait_for_load_state()
            assert page.locator("#sites tbody tr").count() == 2

            client = app.test_client()
            sms(client, f"用工 张三 {ID_A} @厂区; 李四 {ID_B} 宿舍 @宿舍 203", CONTACT)
            drain(rt)
            page.reload()
            rows = page.locator("#staff tbody tr").all_inner_texts()
            assert len(rows) == 2 and ID_A not in " ".join(rows) and "3501**********1238" in " ".join(rows)
            assert "1 / 24" in page.locator("#sites").inner_text()  # one lodger of 24 beds
            if backend == "sqlite":
                SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SCREENSHOT), full_page=True)
        finally:
            browser.close()
