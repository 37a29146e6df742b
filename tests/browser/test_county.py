"""A county supervisor opens the ranking in Chromium at phone width: their county's stations only, ranked."""
from __future__ import annotations


import pytest

from gateway.app import create_app
from tests.browser.live import CHROMIUM_ARGS, SCREENSHOTS, serving
from tests.city import STATION_ORDER
from tests.constants import PASSWORD

SCREENSHOT = SCREENSHOTS / "county.png"


@pytest.fixture
def served(settings, rt, city):
    app = create_app(settings, rt=rt, test_config={"TESTING": True})
    with serving(app) as url:
        yield url


@pytest.mark.browser
class TestCountyView:
    def test_county_supervisor_sees_their_stations_ranked(self, served, backend):
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 390, "height": 844})
                page.goto(f"{served}/login?next=/stats/ranking?month=2026-03")
                page.fill("input[name=username]", "k1chief")
                page.fill("input[name=password]", PASSWORD)
                page.press("input[name=password]", "Enter")
                page.wait_for_url("**/stats/ranking**")
                assert "鼓楼分局" in page.locator("#ranking-scope").inner_text()
                codes = page.locator("table.ranking tbody tr td:nth-child(2) .mono").all_inner_texts()
                assert codes == STATION_ORDER["K1"]
                met = page.locator("table.ranking tbody tr").nth(0).locator("td.met")
                assert met.count() == 1  # S12: coverage met, rental housing not
                assert "排名规则" in page.locator("#ranking-rule").inner_text()
                # nothing wider than the phone: the table scrolls inside its own box
                assert page.evaluate("document.documentElement.scrollWidth") <= 390
                if backend == "sqlite":
                    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(SCREENSHOT), full_page=True)
            finally:
                browser.close()
