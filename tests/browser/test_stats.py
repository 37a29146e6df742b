"""A supervisor logs in with Chromium and opens the ranking: the charts are drawn and printable."""
from __future__ import annotations


import pytest

from gateway.app import create_app
from store.models import SurveyEstimate
from tests.browser.live import CHROMIUM_ARGS, SCREENSHOTS, serving
from tests.constants import PASSWORD

SCREENSHOT = SCREENSHOTS / "ranking.png"


@pytest.fixture
def served(settings, rt, officers):
    with rt.sessions.begin() as s:
        s.add_all([SurveyEstimate(precinct_id=officers.p01, month="2026-03", floating_population=5, rental_units=3),
                   SurveyEstimate(precinct_id=officers.p02, month="2026-03", floating_population=1, rental_units=1)])
    app = create_app(settings, rt=rt, test_config={"TESTING": True})
    with serving(app) as url:
        yield url


@pytest.mark.browser
class TestRankingInBrowser:
    def test_charts_render(self, served, backend):
        """After logging in, the ranking page shows non-empty SVG charts and the ranked precincts."""
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1200, "height": 900})
                blocked: list[str] = []
                page.on("console", lambda msg: blocked.append(msg.text) if "Content Security Policy" in msg.text
                        else None)
                page.goto(f"{served}/login?next=/stats/ranking?month=2026-03")
                page.fill("input[name=username]", "chief")
                page.fill("input[name=password]", PASSWORD)
                page.press("input[name=password]", "Enter")
                page.wait_for_url("**/stats/ranking**")
                charts = page.locator("[data-chart] svg")
                assert charts.count() == 3
                for i in range(3):
                    box = charts.nth(i).bounding_box()
                    assert box is not None and box["width"] > 300 and box["height"] > 100
                    assert charts.nth(i).locator("path").count() > 10
                assert blocked == [], blocked  # inline SVG charts and styles pass the policy
                rows = page.locator("table.ranking tbody tr")
                assert rows.nth(0).inner_text().split()[0:2] == ["1", "P02"]
                if backend == "sqlite":
                    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(SCREENSHOT), full_page=True)
            finally:
                browser.close()
