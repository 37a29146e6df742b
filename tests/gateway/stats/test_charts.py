"""The chart cache: a chart is drawn once per set of figures, and never served for other figures."""
from __future__ import annotations

import dataclasses

import pytest

from gateway.stats import charts as stats_charts
from store import stats


def ranked(active: int) -> list[stats.Ranked]:
    values = {f.name: 0 for f in dataclasses.fields(stats.PrecinctMonth)}
    values.update(precinct_id=1, precinct_code="GL01", precinct_name="Gulou", month="2026-03", channels={},
                  rejections=(), estimated_population=1000, active_residents=active,
                  median_seconds_to_receipt=None, estimated_rental_units=None)
    return [stats.Ranked(rank=1, figures=stats.PrecinctMonth(**values), previous_active=0, previous_new=0)]


class TestMemoised:
    def test_same_figures_are_drawn_once(self, monkeypatch):
        """Asking twice for the chart of the same figures draws it once."""
        drawn = []
        original = stats_charts._svg
        monkeypatch.setattr(stats_charts, "_svg", lambda fig, title: drawn.append(title) or original(fig, title))
        first = stats_charts.ranking_bars(ranked(812), "cache-test-once")
        second = stats_charts.ranking_bars(ranked(812), "cache-test-once")
        assert first == second and drawn == ["cache-test-once"]

    def test_changed_figures_draw_a_new_chart(self):
        """A different figure never gets the cached chart of the old one."""
        before = stats_charts.ranking_bars(ranked(500), "cache-test-change")
        after = stats_charts.ranking_bars(ranked(900), "cache-test-change")
        assert before != after and "90%" in after and "50%" in before


def test_a_font_installed_after_matplotlibs_cache_was_made_is_found(monkeypatch):
    """matplotlib keeps its font list in a cache made on its first run; fonts-noto-cjk installed later is not
    in it. The charts must find the font anyway rather than stay English (seen: a machine whose cache was made
    before the font was installed drew every Chinese chart in English)."""
    from matplotlib import font_manager

    from gateway.stats import charts

    if not any("CJK" in path for path in font_manager.findSystemFonts()):
        pytest.fail("no CJK font on this machine: install fonts-noto-cjk (.ci/run does)")
    stale = font_manager.fontManager
    monkeypatch.setattr(font_manager, "fontManager", stale)  # put back whatever the call below installs
    monkeypatch.setattr(stale, "ttflist", [f for f in stale.ttflist if f.name not in charts.CJK_FAMILIES])
    charts.cjk_family.cache_clear()
    try:
        assert charts.cjk_family() in charts.CJK_FAMILIES
    finally:
        charts.cjk_family.cache_clear()
