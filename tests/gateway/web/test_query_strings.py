"""Query strings of the officer pages: a value the page cannot use is a 400 that says why, never a 500."""
from __future__ import annotations

import re

import pytest

from tests.constants import LANDLORD
from tests.support import drain, login, stored

HTML = {"Accept": "text/html"}
HOSTILE_KEYS = "endpoint=x&_method=POST&_scheme=javascript&_external=1&_anchor=evil"


def links(page: str) -> str:
    return "\n".join(re.findall(r'href="([^"]*)"', page))


class TestBadValuesAreExplained:
    @pytest.mark.parametrize(("path", "message"), [
        ("/review?from=0001-01-01", "日期超出范围：from 须在 2000-01-01 至 2999-12-31 之间。"),
        ("/review?from=9999-12-31&to=9999-12-31", "日期超出范围：from 须在 2000-01-01 至 2999-12-31 之间。"),
        ("/review?to=9999-12-31", "日期超出范围：to 须在"),
        ("/review?from=2024-13-01", "from 应为日期，格式为 YYYY-MM-DD。"),
        ("/review?page=99999999999999999999", "页码无效：应为 1 至 10000 之间的整数。"),
        ("/review?page=0", "页码无效"),
        ("/review?precinct=99999999999999999999", "precinct 应为正整数编号。"),
        ("/review?channel=fax", "channel 的取值无效。"),
        ("/review?reason=%00", "reason 过长或含有无效字符。"),
        ("/stats/ranking?month=9999-12", "月份格式应为 YYYY-MM（如 2026-03），且在 2000-01 至 2999-12 之间。"),
        ("/stats/ranking?month=0001-01", "月份格式应为 YYYY-MM"),
        ("/stats/ranking?month=garbage", "月份格式应为 YYYY-MM"),
        ("/stats/precinct/1?month=garbage", "月份格式应为 YYYY-MM"),
        ("/stats/follow-up?page=-1", "页码无效"),
        ("/stats/cases?precinct=abc", "precinct 应为正整数编号。"),
        ("/audit?page=99999999999999999999", "页码无效"),
    ])
    def test_answers_400_with_the_reason(self, ui, people, path, message):
        """Each of these used to be a 500; now the page says which value is wrong, in Chinese by default."""
        login(ui, "chief")
        response = ui.get(path, headers=HTML)
        assert response.status_code == 400 and message in response.get_data(as_text=True)

    def test_message_follows_the_officers_language(self, ui, people):
        """After switching to English the same mistake is explained in English."""
        login(ui, "chief")
        ui.post("/lang/en", data={"next": "/review"})
        response = ui.get("/review?from=0001-01-01", headers=HTML)
        assert response.status_code == 400
        assert "Date out of range: from must be between 2000-01-01 and 2999-12-31." in response.get_data(as_text=True)

    def test_scripts_get_the_reason_as_plain_text(self, ui, people):
        """A client that does not ask for HTML gets the same reason in one line of text."""
        login(ui, "chief")
        response = ui.get("/stats/ranking?month=9999-12", headers={"Accept": "text/plain"})
        assert response.status_code == 400 and response.mimetype == "text/plain"
        assert "2999-12" in response.get_data(as_text=True)

    def test_an_id_too_large_for_the_tables_is_not_found(self, ui, people):
        """A path id beyond what the id columns hold is a 404, like any id that does not exist."""
        login(ui, "chief")
        for path in ("/review/99999999999999999999", "/people/99999999999999999999",
                     "/stats/precinct/99999999999999999999"):
            assert ui.get(path).status_code == 404, path


class TestLinksCarryOnlyKnownFilters:
    def test_hostile_keys_are_ignored_and_not_repeated(self, ui, people):
        """Keys url_for takes for its own (endpoint, _method, _scheme, _external, _anchor) neither fail the
        queue nor reach its reason and page links."""
        for i in range(26):
            stored(people, f"hello {i}", LANDLORD, f"SMHOSTILE{i:03d}")
        drain(people)
        login(ui, "chief")
        response = ui.get(f"/review?channel=sms&{HOSTILE_KEYS}")
        hrefs = links(response.get_data(as_text=True))
        assert response.status_code == 200 and "page=2" in hrefs and "channel=sms" in hrefs
        for leftover in ("endpoint=", "_method", "_scheme", "javascript", "_external", "evil"):
            assert leftover not in hrefs, leftover

    def test_stats_pager_keeps_month_and_precinct_only(self, ui, people):
        """The statistics lists answer hostile keys too, and their links keep only the month and precinct."""
        login(ui, "chief")
        for path in ("/stats/follow-up", "/stats/cases", "/stats/ranking", "/audit"):
            response = ui.get(f"{path}?month=2026-03&{HOSTILE_KEYS}")
            assert response.status_code == 200, path
            assert "javascript" not in links(response.get_data(as_text=True)), path

    def test_the_last_allowed_page_is_an_empty_page(self, ui, people):
        """The largest page number asked for is an empty list on both databases, not an overflow."""
        login(ui, "chief")
        assert ui.get("/review?page=10000").status_code == 200
        assert ui.get("/audit?page=10000").status_code == 200
        assert ui.get("/review?page=10001").status_code == 400
