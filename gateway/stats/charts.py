"""The campaign charts as SVG, drawn on the server with matplotlib: no JavaScript, and they print as drawn.

Text is turned into paths, so a browser or printer needs no CJK font; the server does, to draw Chinese
precinct names. Without one (`fonts-noto-cjk` on Debian) labels fall back to precinct codes.
"""
from __future__ import annotations

import functools
import io
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import TYPE_CHECKING

from gateway.i18n import DEFAULT, LANGUAGES
from gateway.i18n.codes import code_word
from store.stats import COVERAGE_TARGET, PRE_CASE_TARGET, PrecinctMonth, Ranked
from store.stats import ChartStore

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# matplotlib is imported where a chart is drawn, not here: this module is imported with the app, and
# importing matplotlib costs every web process about a second of CPU at start and ~30 MB, most of
# which (webhook and review workers) never draw a chart.

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK TC", "Noto Sans CJK JP", "WenQuanYi Zen Hei", "Source Han Sans SC")
# Grey-friendly colours with distinct lightness, plus markers and dashes: they survive black-and-white printing.
PALETTE = ("#1f3b73", "#c0504d", "#4f8a3c", "#8064a2", "#d68a00", "#2c8c99", "#7f7f7f", "#b5651d")
STYLES = ("-", "--", "-.", ":")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
_lock = threading.Lock()  # matplotlib's font and text caches are not thread-safe
CACHE_SIZE = 64
_drawn: OrderedDict[str, str] = OrderedDict()
_store: ContextVar[ChartStore | None] = ContextVar("chart_store", default=None)


@contextmanager
def stored_in(store: ChartStore) -> Iterator[None]:
    """Charts asked for inside are also looked up in, and kept in, the database: a web process that has not
    drawn them yet (a new gunicorn worker) serves what another one drew."""
    token = _store.set(store)
    try:
        yield
    finally:
        _store.reset(token)


def memoised(draw: Callable[..., str]) -> Callable[..., str]:
    """Keep recent charts: a chart is a pure function of its figures, and drawing 100 bars takes a few
    hundred milliseconds.

    The key is the figures' repr (frozen dataclasses), so a changed figure draws a new chart. Charts are
    kept in this process's memory and, inside `stored_in`, in the database under a digest of that key.
    """

    @functools.wraps(draw)
    def wrapper(*args: object, **kwargs: object) -> str:
        key = f"{draw.__name__}:{args!r}:{sorted(kwargs.items())!r}"
        with _lock:
            if key in _drawn:
                _drawn.move_to_end(key)
                return _drawn[key]
        store = _store.get()
        svg = store.load(key) if store is not None else None
        if svg is None:
            svg = draw(*args, **kwargs)
            if store is not None:
                store.save(key, svg)
        with _lock:
            _drawn[key] = svg
            while len(_drawn) > CACHE_SIZE:
                _drawn.popitem(last=False)
        return svg

    return wrapper


@lru_cache(maxsize=1)
def cjk_family() -> str | None:
    """The first installed font that draws Chinese, or None.

    matplotlib reads the fonts from a list it caches on disk the first time it runs; a font installed after
    that (an operator adding fonts-noto-cjk once the gateway has drawn a chart) is not in it, and every chart
    would stay English. So when the cached list has none, it is made again from the system's fonts, once.
    """
    from matplotlib import font_manager

    def first() -> str | None:
        installed = {f.name for f in font_manager.fontManager.ttflist}
        return next((name for name in CJK_FAMILIES if name in installed), None)

    found = first()
    rebuild = getattr(font_manager, "_load_fontmanager", None)  # not public: if it goes, the charts stay English
    if found is None and rebuild is not None:
        font_manager.fontManager = rebuild(try_read_cache=False)  # rewrites the cache for the next process
        found = first()
    return found


def label(fig: PrecinctMonth) -> str:
    """A precinct's chart label: code and name when the name can be drawn, else the code."""
    if fig.precinct_name.isascii() or cjk_family():
        return f"{fig.precinct_code} {fig.precinct_name}"
    return fig.precinct_code


# Fixed margins in inches around the axes: room for the title above and the tick labels below. Drawn with
# matplotlib's constrained layout, a 100-bar chart took twice as long: the layout measures every label
# again on each pass, where here only the longest tick label of each chart is measured, once per process.
TOP = 0.45
BOTTOM = 0.4
PAD = 0.15


@lru_cache(maxsize=1)
def _text_to_path():
    from matplotlib.textpath import TextToPath

    return TextToPath()


@lru_cache(maxsize=4096)
def text_width(text: str, size: float) -> float:
    """How wide `text` is drawn at `size` points, in inches: the margin a label needs."""
    from matplotlib.font_manager import FontProperties

    width, _height, _descent = _text_to_path().get_text_width_height_descent(
        text, FontProperties(family=_families(), size=size), ismath=False)
    return width / 72


def _figure(width: float, height: float, *, left: float = 0.6, right: float = 0.3,
            bottom: float = BOTTOM) -> Figure:
    """A figure whose axes sit `left`/`right`/`bottom` inches from the edges (and TOP from the top)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100)
    figure.subplots_adjust(left=min(left / width, 0.6), right=1 - right / width, top=1 - TOP / height,
                           bottom=min(bottom / height, 0.45))
    return figure


def _label_margin(labels: Sequence[str], size: float) -> float:
    """Inches to the left of the axes for the widest tick label, plus the tick and a little air."""
    return max((text_width(t, size) for t in labels), default=0.3) + PAD + 0.1


def _svg(figure: Figure, title: str) -> str:
    figure.suptitle(title, fontsize=11, va="top", y=1 - 0.08 / figure.get_figheight())  # in the TOP margin
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    return svg[svg.index("<svg"):]  # drop the XML prologue and doctype so it can be inlined in HTML


def _families() -> list[str]:
    return [f for f in (cjk_family(), "DejaVu Sans") if f]


def _rc() -> dict:
    return {"font.family": _families(), "svg.fonttype": "path", "axes.spines.top": False,
            "axes.spines.right": False, "font.size": 9}


def drawable(language: str) -> str:
    """`language` if this server can draw it, else English."""
    return language if language == "en" or cjk_family() else "en"


def words(key: str, language: str, **values: object) -> str:
    """A UI string drawn into a chart, in the chart's language (a chart is kept per language: its title differs);
    English on a server with no font that draws Chinese, rather than boxes."""
    language = drawable(language)
    text = LANGUAGES.get(language, LANGUAGES[DEFAULT]).get(key) or LANGUAGES[DEFAULT][key]
    return text.format(**values) if values else text


def _percent_axis(axis) -> None:
    axis.set_major_formatter(lambda v, _pos: f"{v:.0%}")


@memoised
def trend_chart(series: dict[str, Sequence[PrecinctMonth]], value: str, title: str,
                target: float | None = None, percent: bool = False, language: str = DEFAULT) -> str:
    """One line per precinct of `value` (a PrecinctMonth attribute) month by month; months without it are gaps."""
    import matplotlib

    rotate = max((len(figs) for figs in series.values()), default=0) > 6
    legend = 0 < len(series) <= 12
    names = [label(figs[0]) for _code, figs in sorted(series.items()) if figs]
    right = (_label_margin(names, 8) + 0.45) if legend else 0.3
    with _lock, matplotlib.rc_context(_rc()):
        figure = _figure(8, 3.6, left=0.7, right=right, bottom=0.8 if rotate else BOTTOM)
        ax = figure.subplots()
        months: list[str] = []
        for i, (_code, figs) in enumerate(sorted(series.items())):
            months = [f.month for f in figs]
            values = [getattr(f, value) for f in figs]
            ax.plot(range(len(figs)), [float("nan") if v is None else v for v in values],
                    label=label(figs[0]), color=PALETTE[i % len(PALETTE)], linestyle=STYLES[i // len(PALETTE) % 4],
                    marker=MARKERS[i % len(MARKERS)], markersize=4, linewidth=1.5)
        if target is not None:
            ax.axhline(target, color="black", linewidth=1, linestyle=(0, (6, 3)))
            ax.annotate(words("stats_target_line", language, target=f"{target:.0%}"), xy=(0, target), xytext=(2, 3), textcoords="offset points", fontsize=8)
        ax.set_xticks(range(len(months)), months, rotation=45 if rotate else 0, ha="right" if rotate else "center")
        if percent:
            _percent_axis(ax.yaxis)
        ax.set_ylim(bottom=0)
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        if legend:
            ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return _svg(figure, title)


@memoised
def ranking_bars(ranked: Sequence[Ranked], title: str, language: str = DEFAULT) -> str:
    """Coverage per precinct as horizontal bars in rank order, with the coverage target as a line.

    Precincts without an estimate get an empty bar labelled "no estimate".
    """
    import matplotlib

    with _lock, matplotlib.rc_context(_rc()):
        height = max(2.4, 0.9 + 0.24 * len(ranked))
        labels = [f"{r.rank}. {label(r.figures)}" for r in ranked]
        size = 7 if len(ranked) > 30 else 8
        figure = _figure(8, height, left=_label_margin(labels, size), right=0.35)
        ax = figure.subplots()
        values = [r.figures.coverage or 0 for r in ranked]
        colours = ["#1f3b73" if r.meets_coverage else "#9db3d9" for r in ranked]
        bars = ax.barh(range(len(ranked)), values, color=colours, edgecolor="#1f3b73", linewidth=0.6)
        for bar, r in zip(bars, ranked):
            text = words("stats_no_estimate", language) if r.figures.coverage is None else f"{r.figures.coverage:.0%}"
            ax.annotate(text, xy=(bar.get_width(), bar.get_y() + bar.get_height() / 2), xytext=(3, 0),
                        textcoords="offset points", va="center", fontsize=7)
        ax.axvline(COVERAGE_TARGET, color="black", linewidth=1, linestyle=(0, (6, 3)))
        ax.annotate(words("stats_target_line", language, target=f"{COVERAGE_TARGET:.0%}"), xy=(COVERAGE_TARGET, 1.0), xycoords=("data", "axes fraction"),
                    xytext=(3, -10), textcoords="offset points", fontsize=8)
        ax.set_yticks(range(len(ranked)), labels, fontsize=size)
        ax.set_ylim(len(ranked) - 0.4, -0.6)  # first rank on top, no empty rows above or below
        ax.set_xlim(0, max([1.05, *[v * 1.1 for v in values]]))
        _percent_axis(ax.xaxis)
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        return _svg(figure, title)


@memoised
def pre_case_bars(ranked: Sequence[Ranked], title: str, language: str = DEFAULT) -> str:
    """Pre-case registration rate per precinct (only precincts with case subjects), with the 60 % target."""
    import matplotlib

    rows = [r for r in ranked if r.figures.pre_case_rate is not None]
    with _lock, matplotlib.rc_context(_rc()):
        names = [label(r.figures) for r in rows]
        figure = _figure(8, max(2.0, 0.9 + 0.24 * len(rows)), left=_label_margin(names, 8))
        ax = figure.subplots()
        values = [r.figures.pre_case_rate for r in rows]
        ax.barh(range(len(rows)), values, color=["#4f8a3c" if r.meets_pre_case else "#b9d7ae" for r in rows],
                edgecolor="#4f8a3c", linewidth=0.6)
        ax.axvline(PRE_CASE_TARGET, color="black", linewidth=1, linestyle=(0, (6, 3)))
        ax.set_yticks(range(len(rows)), names, fontsize=8)
        ax.set_ylim(max(len(rows), 1) - 0.4, -0.6)
        ax.set_xlim(0, 1.05)
        _percent_axis(ax.xaxis)
        if not rows:
            ax.text(0.5, 0.5, words("stats_chart_no_cases", language), ha="center", va="center",
                    transform=ax.transAxes)
        return _svg(figure, title)


@memoised
def reason_mix(rejections: Sequence[tuple[str, int]], title: str, top: int = 10, language: str = DEFAULT) -> str:
    """Rejected messages by reason code, most frequent first (the rest grouped as `other`)."""
    import matplotlib

    items = list(rejections[:top])
    rest = sum(n for _, n in rejections[top:])
    if rest:
        items.append(("other", rest))
    with _lock, matplotlib.rc_context(_rc()):
        names = [code_word("reason", code, drawable(language)) for code, _ in items]
        figure = _figure(8, max(2.0, 0.9 + 0.28 * len(items)), left=_label_margin(names, 9), bottom=0.65)
        ax = figure.subplots()
        ax.barh(range(len(items)), [n for _, n in items], color="#c0504d", edgecolor="#7a2e2c", linewidth=0.6,
                hatch="//")
        ax.set_yticks(range(len(items)), names)
        ax.invert_yaxis()
        ax.set_xlabel(words("stats_chart_rejected", language))
        ax.xaxis.get_major_locator().set_params(integer=True)
        if not items:
            ax.text(0.5, 0.5, words("stats_chart_no_rejections", language), ha="center", va="center", transform=ax.transAxes)
        return _svg(figure, title)
